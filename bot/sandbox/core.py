"""The :class:`Sandbox`: an in-memory GitHub (REST + webhooks + GraphQL sponsors) served by aiohttp.

The Sandbox is the :class:`~bot.sandbox.world.World` (the state) with its parts composed in, each reaching
the state only through the world: ``http`` (:class:`~bot.sandbox.http.HttpFront`: auth, rate limits,
validation, the route handlers), ``actions`` (:class:`~bot.sandbox.actions.Actions`: what users do),
``outbox`` (:class:`~bot.sandbox.outbox.Outbox`: webhook delivery), ``seeder``
(:class:`~bot.sandbox.seeding.Seeder`) and ``render`` (:class:`~bot.sandbox.render.Renderer`). Its public
methods of those areas are thin delegations below. No other sandbox module imports this one.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import web

from bot.core import timestamps

from .actions import Actions
from .graphql_api import handle_graphql
from .http import HttpFront
from .moves import Moves
from .outbox import Outbox
from .render import Renderer
from .routes import HANDLERS
from .seeding import Seeder
from .sponsors_hooks import SponsorsHooks
from .state import PERMISSION_ROLES, Call, Installation, RateBucket, RepoState, Sponsorship, User
from .web_pages import WebPages
from .webhooks import delivery_item
from .world import World

__all__ = ["Call", "RateBucket", "Sandbox"]


class Sandbox(World):
    """An in-memory GitHub served over HTTP (REST, ``POST /graphql``) that also sends webhooks.

    Typical use::

        sb = Sandbox()                      # validate=True: requests are checked against GitHub's description
        await sb.start()                    # -> sb.base_url, e.g. http://127.0.0.1:43121
        sb.add_repo("octo-org/app", files={"README.md": "# app"}, owner_type="Organization")
        iid = sb.add_installation("octo-org")["id"]
        sb.webhook_url = "http://127.0.0.1:8080/api/github/webhooks"
        issue = await sb.open_issue("octo-org/app", "alice", "Crash", "details")   # delivers issues.opened
        ...                                 # the bot calls the API with a JWT / installation token
        await sb.drain()                    # webhooks caused by the bot's own API calls are sent in the background
        assert sb.violations == []
        await sb.stop()

    The world is set up synchronously (``add_*``, ``set_permission``, ``seed_from_payload``); user actions are
    coroutines that change the world and deliver the webhook GitHub would send (only when an installation
    covers the repository and subscribes to the event, as on GitHub). API calls by the app that GitHub
    would announce (comments, labels, issue edits, pushes, PRs, releases) are delivered back to the app too
    (``deliver_api_events``). Different ``seed`` values give different app keys, tokens and fault draws.
    """

    def __init__(self, *, validate: bool = True, webhook_secret: str = "sandbox-secret",
                 clock: Callable[[], float] = time.time, seed: int = 0, app_id: int = 1,
                 app_slug: str = "fundbot", validate_responses: bool | None = None,
                 deliver_api_events: bool = True) -> None:
        super().__init__(validate=validate, webhook_secret=webhook_secret, clock=clock, seed=seed, app_id=app_id,
                         app_slug=app_slug, validate_responses=validate_responses,
                         deliver_api_events=deliver_api_events)
        self.render = Renderer(self)
        self.outbox = Outbox(self)
        self.sponsors_hooks = SponsorsHooks(self)
        self.actions = Actions(self)
        self.moves = Moves(self)
        self.seeder = Seeder(self)
        self.http = HttpFront(self, HANDLERS, handle_graphql)
        self._runner: web.AppRunner | None = None
        self.app = web.Application(client_max_size=64 * 1024 * 1024)
        self.web_pages = WebPages(self)  # github.com's side of the manifest flow (not API operations)
        self.web_pages.add_routes(self.app)
        self.app.router.add_route("*", "/{tail:.*}", self._dispatch)

    # ------------------------------------------------------------------------------------------
    # lifecycle
    # ------------------------------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.app, handler_cancellation=True, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets if site._server else []  # type: ignore[union-attr]
        real_port = sockets[0].getsockname()[1] if sockets else port
        self.base_url = f"http://{host}:{real_port}"
        return self.base_url

    async def stop(self) -> None:
        await self.drain(timeout=2.0)
        for t in list(self._tasks):
            t.cancel()
        for t in list(self._tasks):
            try:
                await t
            except (asyncio.CancelledError, Exception):
                pass
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.outbox.close()
        await self.sponsors_hooks.close()

    async def __aenter__(self) -> Sandbox:
        if not self.base_url:
            await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------------------------------
    # world setup (synchronous)
    # ------------------------------------------------------------------------------------------
    def add_user(self, login: str, *, id: int | None = None, type: str = "User", site_admin: bool = False,
                 name: str | None = None, email: str | None = None) -> dict:
        u = self._ensure_user(login, id=id, type=type, site_admin=site_admin)
        if name is not None:
            u.name = name
        if email is not None:
            u.email = email
        return self.render.user(u)

    def add_repo(self, full_name: str, *, id: int | None = None, default_branch: str = "main",
                 private: bool = False, files: dict[str, bytes | str] | None = None,
                 owner_type: str = "User", description: str | None = None) -> dict:
        r = self._create_repo(full_name, id=id, default_branch=default_branch, private=private, files=files,
                              owner_type=owner_type, description=description)
        return self.render.repo(r, full=True)

    def add_installation(self, account_login: str, *, id: int | None = None, repos: Iterable[str] = (),
                         permissions: dict[str, str] | None = None, events: list[str] | None = None) -> dict:
        inst = self._create_installation(account_login, id=id, repos=repos, permissions=permissions, events=events)
        return self.render.installation(inst)

    def add_custom_role(self, org: str, name: str, base: str) -> None:
        """A custom repository role of organization ``org`` inheriting ``base`` (read, triage, write or
        maintain, as GitHub allows); ``set_permission(repo, login, name)`` then assigns it. The permission
        endpoint answers its ``name`` as ``role_name`` and the base's legacy level as ``permission``."""
        if base not in ("read", "triage", "write", "maintain"):
            raise ValueError("a custom role inherits read, triage, write or maintain")
        if name.lower() in PERMISSION_ROLES or not name.strip():
            raise ValueError(f"{name!r} cannot name a custom role")
        owner = self._ensure_user(org, type="Organization")
        if owner.type != "Organization":
            raise ValueError("custom repository roles belong to organizations")
        self._custom_roles[(owner.login.lower(), name.lower())] = (name, base)

    def set_permission(self, full_name: str, login: str, permission: str) -> None:
        r = self._repo(full_name)
        custom = (r.owner.login.lower(), permission.lower()) in self._custom_roles
        if permission not in PERMISSION_ROLES and not custom:
            raise ValueError(f"permission must be one of {PERMISSION_ROLES} or a custom role of {r.owner.login}")
        u = self._ensure_user(login)
        r.collaborators[u.login] = permission

    def add_label(self, full_name: str, name: str, color: str = "ededed", description: str | None = None) -> dict:
        r = self._repo(full_name)
        return self.render.label(r, self._ensure_label(r, name, color=color, description=description))

    def add_user_token(self, login: str, scopes: Iterable[str] = ("read:user",)) -> str:
        """A personal access token (classic) of ``login`` with these OAuth scopes; GitHub sends them back in
        ``X-OAuth-Scopes``. The sandbox accepts it on GraphQL only (fundbot uses one for Sponsors)."""
        self._ensure_user(login)
        token = "ghp_" + self._rng.getrandbits(160).to_bytes(20, "big").hex()[:36]
        self._user_tokens[token] = (login, tuple(scopes))
        return token

    def add_org_owner(self, org: str, login: str) -> None:
        self._ensure_user(org, type="Organization")
        self._ensure_user(login)
        self.org_owners.setdefault(org.lower(), set()).add(login.lower())

    def add_sponsorship(self, maintainer_login: str, sponsor_login: str, *, monthly_usd: int,
                        created_at: float | str | None = None, privacy: str = "PUBLIC", one_time: bool = False,
                        active: bool = True, sponsor_type: str = "User", tier_name: str | None = None) -> None:
        if privacy not in ("PUBLIC", "PRIVATE"):
            raise ValueError("privacy must be PUBLIC or PRIVATE")
        maintainer = self._ensure_user(maintainer_login)
        sponsor = self._ensure_user(sponsor_login, type=sponsor_type)
        if isinstance(created_at, str):
            created_at = _parse_iso(created_at)
        self._sponsorships.append(Sponsorship(
            id=self._new_id("sponsorship"), maintainer=maintainer, sponsor=sponsor, monthly_usd=int(monthly_usd),
            created_at=self.clock() if created_at is None else float(created_at), privacy=privacy,
            one_time=one_time, active=active, tier_name=tier_name))

    def forbid_graphql(self, login: str = "*", forbidden: bool = True) -> None:
        """Make sponsorship queries about ``login`` (or every login: "*") answer a FORBIDDEN error."""
        (self.graphql_forbidden.add if forbidden else self.graphql_forbidden.discard)(login)

    def set_rate_limit(self, installation_id: int | None, *, remaining: int | None = None,
                       limit: int | None = None, reset: float | None = None) -> None:
        """Adjust an installation's core bucket (installation_id None = the app's JWT bucket)."""
        b = self._bucket(("inst", installation_id) if installation_id is not None else ("app",))
        if limit is not None:
            b.limit = limit
        if remaining is not None:
            b.used = max(0, b.limit - remaining)
        if reset is not None:
            b.reset = reset

    # ------------------------------------------------------------------------------------------
    # inspection
    # ------------------------------------------------------------------------------------------
    def repo(self, full_name: str) -> RepoState:
        return self._repo(full_name)

    def file(self, full_name: str, path: str, ref: str | None = None) -> bytes | None:
        return self._repo(full_name).file(path, ref)

    def comments(self, full_name: str, number: int) -> list[dict]:
        r = self._repo(full_name)
        return [self.render.comment(r, c) for c in r.comments_on(number)]

    def issue(self, full_name: str, number: int) -> dict:
        r = self._repo(full_name)
        return self.render.issue(r, r.issues[number])

    def labels(self, full_name: str, number: int | None = None) -> list[str]:
        """Label names of the repository, or of one issue."""
        r = self._repo(full_name)
        if number is None:
            return [lb.name for lb in r.labels.values()]
        return r.issues[number].label_names

    def installation(self, installation_id: int) -> Installation:
        return self._installations[installation_id]

    @property
    def deliveries(self) -> list[dict]:
        """Every webhook sent, oldest first: the hook-delivery-item fields plus ``payload`` (parsed JSON),
        ``body`` (the exact bytes), ``headers`` (request headers) and ``response_body``."""
        out = []
        for d in self._deliveries:
            item = delivery_item(d)
            try:
                item["payload"] = json.loads(d.body)
            except ValueError:
                item["payload"] = None
            item.update(body=d.body, headers=dict(d.request_headers), response_body=d.response_body, url=d.url)
            out.append(item)
        return out

    def rate_limit_remaining(self, installation_id: int) -> int:
        return self._bucket(("inst", installation_id)).remaining

    def calls_to(self, method: str | None = None, path: str | None = None) -> list[Call]:
        """Recorded calls filtered by method and a regex searched in the path."""
        return [c for c in self.calls if (method is None or c.method == method.upper())
                and (path is None or re.search(path, c.path))]

    def token_for(self, installation_id: int) -> str:
        """Mint an installation token without HTTP (for tests that skip the JWT dance)."""
        return self._mint_token(self._installations[installation_id]).token

    # ------------------------------------------------------------------------------------------
    # the HTTP part (sandbox.http)
    # ------------------------------------------------------------------------------------------
    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        # through self._handle, looked up per request: a test may wrap it on the instance
        return await self.http.dispatch(request, self._handle)

    async def _handle(self, request: web.Request, call: Call, body: Any, body_error: str | None) -> web.Response:
        return await self.http.handle(request, call, body, body_error)

    def _json_response(self, status: int, data: Any, headers: dict[str, str] | None = None) -> web.Response:
        return self.http.json_response(status, data, headers)

    # ------------------------------------------------------------------------------------------
    # webhook delivery (sandbox.outbox)
    # ------------------------------------------------------------------------------------------
    async def deliver(self, event: str, payload: dict | bytes, *, delivery_id: str | None = None,
                      redelivery: bool = False) -> int:
        """POST one webhook to ``webhook_url`` like GitHub does; record it; return the HTTP status (0 = no answer)."""
        return await self.outbox.deliver(event, payload, delivery_id=delivery_id, redelivery=redelivery)

    async def redeliver(self, delivery_id: int) -> int:
        return await self.outbox.redeliver(delivery_id)

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait until every queued background delivery (API-caused events, redeliveries) is done."""
        await self.outbox.drain(timeout)

    # ------------------------------------------------------------------------------------------
    # GitHub Sponsors' own webhook (sandbox.sponsors_hooks): the sponsored account's, signed with its own secret
    # ------------------------------------------------------------------------------------------
    def set_sponsors_webhook(self, login: str, url: str, *, secret: str | None = None) -> None:
        """The Sponsors webhook ``login`` adds on its Sponsors dashboard (``secret``: the world's by default)."""
        self.sponsors_webhooks[login.lower()] = (url, self.sponsors_webhook_secret if secret is None else secret)

    async def sponsor(self, maintainer_login: str, sponsor_login: str, *, monthly_usd: int, privacy: str = "PUBLIC",
                      one_time: bool = False, sponsor_type: str = "User", tier_name: str | None = None) -> int:
        """``sponsor_login`` sponsors ``maintainer_login``: the sponsorship and ``sponsorship.created``; the status."""
        self.add_sponsorship(maintainer_login, sponsor_login, monthly_usd=monthly_usd, privacy=privacy,
                             one_time=one_time, sponsor_type=sponsor_type, tier_name=tier_name)
        s = self.sponsors_hooks.find(maintainer_login, sponsor_login)
        return await self.sponsors_hooks.send(s, "created")

    async def cancel_sponsorship(self, maintainer_login: str, sponsor_login: str, *, pending: bool = False) -> int:
        """``sponsorship.cancelled`` (inactive from now), or ``pending_cancellation`` (nothing changes yet)."""
        return await self.sponsors_hooks.cancel(maintainer_login, sponsor_login, pending=pending)

    async def change_sponsorship_tier(self, maintainer_login: str, sponsor_login: str, *, monthly_usd: int,
                                      pending: bool = False) -> int:
        """``sponsorship.tier_changed`` (the new amount from now), or ``pending_tier_change`` (not yet)."""
        return await self.sponsors_hooks.change_tier(maintainer_login, sponsor_login, monthly_usd, pending=pending)

    async def deliver_sponsorship(self, maintainer_login: str, payload: dict | bytes, *, event: str = "sponsorship",
                                  secret: str | None = None, delivery_id: str | None = None) -> int:
        """POST any body to ``maintainer_login``'s Sponsors webhook, signed with its secret (or ``secret``)."""
        return await self.sponsors_hooks.deliver(maintainer_login, event, payload, secret=secret,
                                                 delivery_id=delivery_id)

    # ------------------------------------------------------------------------------------------
    # user actions (sandbox.actions; each delivers the webhook GitHub would send)
    # ------------------------------------------------------------------------------------------
    async def open_issue(self, full_name: str, user: str | User, title: str, body: str = "",
                         labels: Iterable[str] = ()) -> dict:
        return await self.actions.open_issue(full_name, user, title, body, labels)

    async def edit_issue(self, full_name: str, number: int, user: str | User, *, title: str | None = None,
                         body: str | None = None) -> dict:
        return await self.actions.edit_issue(full_name, number, user, title=title, body=body)

    async def comment(self, full_name: str, number: int, user: str | User, body: str) -> dict:
        return await self.actions.comment(full_name, number, user, body)

    async def edit_comment(self, full_name: str, comment_id: int, user: str | User, body: str) -> dict:
        return await self.actions.edit_comment(full_name, comment_id, user, body)

    async def delete_comment(self, full_name: str, comment_id: int, user: str | User) -> None:
        await self.actions.delete_comment(full_name, comment_id, user)

    async def label_issue(self, full_name: str, number: int, user: str | User, label: str) -> None:
        await self.actions.label_issue(full_name, number, user, label)

    async def unlabel_issue(self, full_name: str, number: int, user: str | User, label: str) -> None:
        await self.actions.unlabel_issue(full_name, number, user, label)

    async def close_issue(self, full_name: str, number: int, user: str | User,
                          state_reason: str = "completed") -> None:
        await self.actions.close_issue(full_name, number, user, state_reason)

    async def reopen_issue(self, full_name: str, number: int, user: str | User) -> None:
        await self.actions.reopen_issue(full_name, number, user)

    async def open_pull(self, full_name: str, user: str | User, title: str, body: str = "",
                        head: str = "feature", base: str | None = None) -> dict:
        """Open a PR from ``head`` (created from ``base`` with an empty commit if it has nothing new)."""
        return await self.actions.open_pull(full_name, user, title, body, head, base)

    async def merge_pull(self, full_name: str, number: int, user: str | User) -> dict:
        """Merge a PR with a merge commit; closes the issues GitHub links to it (``closingIssuesReferences``:
        closing keywords in its description or commit messages when it targets the default branch, and sidebar
        links; never its title)."""
        return await self.actions.merge_pull(full_name, number, user)

    async def link_issue(self, full_name: str, pull_number: int, issue: int | str) -> None:
        """Link a pull request to an issue from its Development sidebar (no webhook, as on GitHub)."""
        await self.actions.link_issue(full_name, pull_number, issue)

    async def publish_release(self, full_name: str, user: str | User, tag: str, body: str = "", *,
                              draft: bool = False, prerelease: bool = False, name: str | None = None) -> dict:
        return await self.actions.publish_release(full_name, user, tag, body, draft=draft, prerelease=prerelease,
                                                  name=name)

    async def push_files(self, full_name: str, user: str | User, files: dict[str, bytes | str | None],
                         message: str = "update", branch: str | None = None) -> dict:
        """Commit file changes (None deletes a file) and deliver the push event. Returns the git commit."""
        return await self.actions.push_files(full_name, user, files, message, branch)

    async def install(self, account_login: str, repos: Iterable[str] = (), *, sender: str | None = None,
                      id: int | None = None) -> dict:
        """Install the app (missing repositories are created) and deliver installation.created."""
        return await self.actions.install(account_login, repos, sender=sender, id=id)

    async def uninstall(self, installation_id: int, *, sender: str | None = None) -> None:
        await self.actions.uninstall(installation_id, sender=sender)

    async def add_repos_to_installation(self, installation_id: int, repos: Iterable[str]) -> None:
        await self.actions.add_repos_to_installation(installation_id, repos)

    async def remove_repos_from_installation(self, installation_id: int, repos: Iterable[str]) -> None:
        await self.actions.remove_repos_from_installation(installation_id, repos)

    async def rename_repo(self, full_name: str, new_name: str, *, sender: str | None = None) -> dict:
        """Rename (same owner): the old name answers 301/307 to ``/repositories/ID``; ``repository.renamed``."""
        return await self.moves.rename(full_name, new_name, sender=sender)

    async def transfer_repo(self, full_name: str, new_owner: str, *, new_name: str | None = None,
                            owner_type: str | None = None, sender: str | None = None) -> dict:
        """Transfer to another account (see :meth:`bot.sandbox.moves.Moves.transfer`); ``repository.transferred``."""
        return await self.moves.transfer(full_name, new_owner, new_name=new_name, owner_type=owner_type, sender=sender)

    async def delete_repo(self, full_name: str, *, sender: str | None = None) -> None:
        """Delete the repository; ``repository.deleted``."""
        await self.moves.delete(full_name, sender=sender)

    async def archive_repo(self, full_name: str, *, archived: bool = True, sender: str | None = None) -> dict:
        """Archive (read-only: writes answer 403) or unarchive; ``repository.archived`` / ``unarchived``."""
        return await self.moves.archive(full_name, archived=archived, sender=sender)

    # ------------------------------------------------------------------------------------------
    # seeding from real payloads (sandbox.seeder)
    # ------------------------------------------------------------------------------------------
    def seed_from_payload(self, event: str, payload: dict, *, installation_id: int | None = None) -> int | None:
        """Create what a (real) webhook payload refers to, with its ids; idempotent.

        Returns the id of the installation that covers the payload's repository (or None)."""
        return self.seeder.seed_from_payload(event, payload, installation_id=installation_id)


def _parse_iso(s: str) -> float:
    at = timestamps.parse(s)
    if at is None:
        raise ValueError(f"created_at must be an ISO 8601 time such as 2024-01-31T12:00:00Z, got {s!r}")
    return at
