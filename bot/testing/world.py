"""``World``: a GitHub sandbox, one installed repository, and a running fundbot against it on a fake clock.

    async with fundbot_world(config=Path(".github/fundbot.yml")) as world:
        alice = world.as_user("alice")
        issue = await alice.open_issue("Dark mode")
        await world.maintainer.label(issue, "bounty: S")
        await alice.comment(issue, "/pledge 60")
        await world.settle()
        assert "💰 bounty" in world.labels(issue)

Actions (``Actor`` methods) change the sandbox and deliver the webhook GitHub would send; they do not wait
for the bot. ``settle()`` waits until the bot has handled everything due at the clock's time;
``advance(days=3)`` moves the clock and settles. Read-outs return GitHub's REST shapes (``dict``s) or
plain strings. Wherever an issue, pull request, comment or release is asked for, its ``dict`` (as an
action returned it) or its number / id will do.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import AsyncIterator, Iterable, Mapping
from pathlib import Path
from typing import Any

from bot.core import markdown
from bot.core.config import CONFIG_PATH
from bot.sandbox import Sandbox

from .harness import BotUnderTest, FakeClock, running_bot, settle

__all__ = ["BOT_LOGIN", "DEFAULT_FILES", "DEFAULT_MAINTAINER", "DEFAULT_REPO", "Actor", "World", "fundbot_world"]

DEFAULT_REPO = "octo-org/widgets"
DEFAULT_MAINTAINER = "octocat"
DEFAULT_FILES: Mapping[str, str] = {
    "README.md": "# widgets\n\nWidgets for everyone.\n",
    ".github/FUNDING.yml": "github: [octocat]\n",
}
BOT_LOGIN = "fundbot[bot]"

Ref = int | Mapping[str, Any]  # an issue / pull / comment / release: its dict, or its number or id


def _number(issue: Ref) -> int:
    return int(issue["number"] if isinstance(issue, Mapping) else issue)


def _id(thing: Ref) -> int:
    return int(thing["id"] if isinstance(thing, Mapping) else thing)


def _config_text(config: str | os.PathLike | None) -> str | None:
    """A ``fundbot.yml``: its text, or a path to the file (a ``Path``; a ``str`` is text)."""
    if config is None or isinstance(config, str):
        return config
    return Path(config).read_text(encoding="utf-8")


class Actor:
    """Someone acting on the world's repository: ``world.as_user("alice")``, ``world.maintainer``."""

    def __init__(self, world: World, login: str) -> None:
        self.world = world
        self.login = login

    def __repr__(self) -> str:
        return f"Actor({self.login!r})"

    @property
    def _sb(self) -> Sandbox:
        return self.world.sandbox

    async def open_issue(self, title: str, body: str = "", *, labels: Iterable[str] = ()) -> dict:
        return await self._sb.open_issue(self.world.repo, self.login, title, body, labels)

    async def edit_issue(self, issue: Ref, *, title: str | None = None, body: str | None = None) -> dict:
        return await self._sb.edit_issue(self.world.repo, _number(issue), self.login, title=title, body=body)

    async def comment(self, issue: Ref, body: str) -> dict:
        return await self._sb.comment(self.world.repo, _number(issue), self.login, body)

    async def edit_comment(self, comment: Ref, body: str) -> dict:
        return await self._sb.edit_comment(self.world.repo, _id(comment), self.login, body)

    async def delete_comment(self, comment: Ref) -> None:
        await self._sb.delete_comment(self.world.repo, _id(comment), self.login)

    async def label(self, issue: Ref, *names: str) -> None:
        for name in names:
            await self._sb.label_issue(self.world.repo, _number(issue), self.login, name)

    async def unlabel(self, issue: Ref, *names: str) -> None:
        for name in names:
            await self._sb.unlabel_issue(self.world.repo, _number(issue), self.login, name)

    async def close(self, issue: Ref, *, reason: str = "completed") -> None:
        await self._sb.close_issue(self.world.repo, _number(issue), self.login, reason)

    async def reopen(self, issue: Ref) -> None:
        await self._sb.reopen_issue(self.world.repo, _number(issue), self.login)

    async def open_pull(self, title: str, body: str = "", *, head: str = "feature", base: str | None = None) -> dict:
        """A pull request from branch ``head`` (made if missing); ``Fixes #N`` in the body links issue N."""
        return await self._sb.open_pull(self.world.repo, self.login, title, body, head, base)

    async def merge(self, pull: Ref) -> dict:
        return await self._sb.merge_pull(self.world.repo, _number(pull), self.login)

    async def push(self, files: Mapping[str, str | bytes | None], *, message: str = "update",
                   branch: str | None = None) -> dict:
        """Commit file changes (``None`` deletes a file) to ``branch`` (default: the default branch)."""
        return await self._sb.push_files(self.world.repo, self.login, dict(files), message, branch)

    async def publish_release(self, tag: str, body: str = "", *, name: str | None = None, draft: bool = False,
                              prerelease: bool = False) -> dict:
        return await self._sb.publish_release(self.world.repo, self.login, tag, body, draft=draft,
                                              prerelease=prerelease, name=name)


class World:
    """The sandbox (``sandbox``), the running bot (``bot``), the installed repository (``repo``, its full
    name), its admin (``maintainer``, an ``Actor``), the installation (``installation_id``) and the bot's
    clock (``clock``). Made by ``fundbot_world``."""

    def __init__(self, sandbox: Sandbox, bot: BotUnderTest, *, repo: str, maintainer: str, installation_id: int,
                 clock: FakeClock | None) -> None:
        self.sandbox = sandbox
        self.bot = bot
        self.repo = repo
        self.installation_id = installation_id
        self.clock = clock
        self.maintainer = Actor(self, maintainer)

    # --- people -----------------------------------------------------------------------------------------
    def as_user(self, login: str, *, permission: str | None = None, bot: bool = False) -> Actor:
        """``login`` acting on the repository (made if new); ``permission`` (read, triage, write, maintain,
        admin) makes them a collaborator; ``bot=True`` makes them a Bot account (``name[bot]``)."""
        self.sandbox.add_user(login, type="Bot" if bot else "User")
        if permission is not None:
            self.sandbox.set_permission(self.repo, login, permission)
        return Actor(self, login)

    # --- time -------------------------------------------------------------------------------------------
    async def settle(self, *, within: float = 1.0, timeout: float = 60.0) -> dict[str, int]:
        """Wait until the bot has handled every delivery and every job due within ``within`` seconds (a
        failed request's retry after its millisecond backoff; not a debounce window of a minute or a
        deadline: ``advance`` for those). On a fake clock, the clock is moved to each such job as it comes
        due. Returns the inbox's job counts by status (``{"done": 7, "pending": 1, ...}``)."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + timeout
        while True:
            counts = await settle(self.sandbox, self.bot, within=within, timeout=max(give_up - loop.time(), 0.1))
            due = await self.bot.store.next_run_at()
            if self.clock is None or due is None or due > self.clock.time() + within:
                return counts
            if loop.time() > give_up:
                raise TimeoutError(f"the bot did not settle within {timeout}s: jobs keep coming due ({counts})")
            self.clock.now = max(self.clock.now, due)

    async def advance(self, seconds: float | dt.timedelta = 0.0, *, minutes: float = 0, hours: float = 0,
                      days: float = 0) -> dict[str, int]:
        """Settle, move the bot's clock forward (past a campaign deadline, a debounce window), settle again."""
        if self.clock is None:
            raise RuntimeError("this world runs on the real clock (fundbot_world(real_time=True)): it cannot advance")
        await self.settle()
        self.clock.advance(seconds, minutes=minutes, hours=hours, days=days)
        return await self.settle()

    # --- the repository moves -----------------------------------------------------------------------------
    async def rename(self, new_name: str) -> dict:
        """Rename the repository (same owner), as its admin does on GitHub: ``repository.renamed`` is
        delivered and the old name redirects. The world follows it (``world.repo`` is the new full name)."""
        repository = await self.sandbox.rename_repo(self.repo, new_name, sender=self.maintainer.login)
        self.repo = repository["full_name"]
        return repository

    async def transfer(self, new_owner: str, *, owner_type: str = "Organization", install: bool = True) -> dict:
        """Transfer the repository to ``new_owner``; with ``install`` the App is installed there first (on all
        its repositories, quietly), so the repository moves to another installation (``world.installation_id``)."""
        sb = self.sandbox
        sb.add_user(new_owner, type=owner_type)
        if install and not any(i.account.login.lower() == new_owner.lower() for i in sb._installations.values()):
            sb.add_installation(new_owner)
        repository = await sb.transfer_repo(self.repo, new_owner, owner_type=owner_type, sender=self.maintainer.login)
        self.repo = repository["full_name"]
        covering = sb._installation_for_repo(sb.repo(self.repo))
        if covering is not None:
            self.installation_id = covering.id
        return repository

    async def archive(self, *, archived: bool = True) -> dict:
        """Archive (read-only) or unarchive the repository; ``repository.archived`` / ``unarchived``."""
        return await self.sandbox.archive_repo(self.repo, archived=archived, sender=self.maintainer.login)

    async def delete_repository(self) -> None:
        """Delete the repository; ``repository.deleted``. Read-outs of it fail afterwards."""
        await self.sandbox.delete_repo(self.repo, sender=self.maintainer.login)

    # --- GitHub Sponsors (the owner's own Sponsors webhook, pointed at the bot) ------------------------------
    @property
    def owner(self) -> str:
        return self.repo.partition("/")[0]

    async def sponsor(self, sponsor: str, *, monthly_usd: int, privacy: str = "PUBLIC", one_time: bool = False,
                      sponsor_type: str = "User") -> int:
        """``sponsor`` sponsors the repository's owner on GitHub Sponsors: ``sponsorship.created`` is delivered to
        the bot's Sponsors webhook. Returns the HTTP status the bot answered (202: stored)."""
        return await self.sandbox.sponsor(self.owner, sponsor, monthly_usd=monthly_usd, privacy=privacy,
                                          one_time=one_time, sponsor_type=sponsor_type)

    async def cancel_sponsorship(self, sponsor: str, *, pending: bool = False) -> int:
        """``sponsorship.cancelled`` (or ``pending_cancellation``: at the end of the billing period)."""
        return await self.sandbox.cancel_sponsorship(self.owner, sponsor, pending=pending)

    async def change_sponsorship_tier(self, sponsor: str, *, monthly_usd: int, pending: bool = False) -> int:
        """``sponsorship.tier_changed`` (or ``pending_tier_change``)."""
        return await self.sandbox.change_sponsorship_tier(self.owner, sponsor, monthly_usd=monthly_usd, pending=pending)

    # --- read-outs --------------------------------------------------------------------------------------
    def issue(self, issue: Ref) -> dict:
        return self.sandbox.issue(self.repo, _number(issue))

    def comments(self, issue: Ref, *, by: str | None = None) -> list[dict]:
        """The comments on an issue or pull request, oldest first; ``by``: only this login's."""
        every = self.sandbox.comments(self.repo, _number(issue))
        return [c for c in every if by is None or c["user"]["login"].lower() == by.lower()]

    def bot_comments(self, issue: Ref, *, marker: str | None = None) -> list[dict]:
        """fundbot's comments on an issue; ``marker``: only those carrying that hidden marker, e.g.
        ``"campaign"`` (the campaign status comment), ``"funding-links"`` (the greeting), ``"reply"``."""
        return [c for c in self.comments(issue, by=BOT_LOGIN)
                if marker is None or markdown.has_marker(c["body"], marker)]

    def labels(self, issue: Ref | None = None) -> list[str]:
        """Label names on an issue, or (no issue) every label of the repository."""
        return self.sandbox.labels(self.repo, None if issue is None else _number(issue))

    def reactions(self, comment: Ref) -> list[str]:
        """The reactions on a comment (``"+1"``, ``"confused"``, ...), oldest first."""
        return [r.content for r in self.sandbox.repo(self.repo).comments[_id(comment)].reactions]

    def release(self, release: Ref) -> dict:
        state = self.sandbox.repo(self.repo)
        return self.sandbox.render.release(state, state.releases[_id(release)])

    def check_runs(self, *, name: str | None = None) -> list[dict]:
        """Check runs on the repository, oldest first; ``name``: only those of that name."""
        state = self.sandbox.repo(self.repo)
        runs = [self.sandbox.render.check_run(state, cr) for cr in state.check_runs.values()]
        return [r for r in runs if name is None or r["name"] == name]

    def annotations(self, check_run: Ref) -> list[dict]:
        """A check run's annotations (``path``, ``start_line``, ``annotation_level``, ``message``, ...)."""
        return [dict(a) for a in self.sandbox.repo(self.repo).check_runs[_id(check_run)].annotations]

    def file(self, path: str, *, ref: str | None = None) -> str | None:
        """A file's text on the default branch (or ``ref``); None if it does not exist."""
        data = self.sandbox.file(self.repo, path, ref)
        return None if data is None else data.decode("utf-8")

    def pulls(self, *, by: str | None = None) -> list[dict]:
        """Open pull requests, oldest first; ``by``: opened by this login (``BOT_LOGIN``: fundbot's)."""
        state = self.sandbox.repo(self.repo)
        return [self.sandbox.render.pull(state, i) for i in state.issues.values()
                if i.pull is not None and i.state == "open" and (by is None or i.user.login.lower() == by.lower())]

    async def jobs(self, *statuses: str) -> list:
        """The bot's inbox jobs with these statuses (default: failed), for checking nothing went wrong."""
        return await self.bot.store.list_jobs(list(statuses or ("failed",)))


def _add_repo(sandbox: Sandbox, repo: str, maintainer: str, files: Mapping[str, str | bytes]) -> int:
    owner = repo.partition("/")[0]
    is_org = owner.lower() != maintainer.lower()
    sandbox.add_user(owner, type="Organization" if is_org else "User")
    sandbox.add_repo(repo, files=dict(files), owner_type="Organization" if is_org else "User")
    sandbox.add_user(maintainer)
    sandbox.set_permission(repo, maintainer, "admin")
    return sandbox.add_installation(owner, repos=[repo])["id"]


@contextlib.asynccontextmanager
async def fundbot_world(config: str | os.PathLike | None = None, *, repo: str = DEFAULT_REPO,
                        maintainer: str = DEFAULT_MAINTAINER, files: Mapping[str, str | bytes | None] | None = None,
                        clock: FakeClock | None = None, real_time: bool = False, sandbox: Sandbox | None = None,
                        database_dir: os.PathLike | None = None, **settings: Any) -> AsyncIterator[World]:
    """A ``World``: a started sandbox (or ``sandbox``, already started), the repository ``repo`` with
    ``DEFAULT_FILES`` and ``files`` (``None`` removes a default) and ``config`` as ``.github/fundbot.yml``
    (text, or a ``Path``), ``maintainer`` its admin, the App installed on it (quietly: no installation
    webhook), and fundbot running against it with its database in ``database_dir`` (default: a temporary
    folder). The bot runs on ``clock`` (default: a new ``FakeClock``) and its jobs run inside ``settle()``;
    ``real_time=True``: the real clock and worker tasks instead. ``settings`` override ``bot.settings.Settings``
    fields (``max_attempts=3``). A sandbox made here is stopped at the end, and an API call that broke
    GitHub's description (``sandbox.violations``) fails the block."""
    contents = {**DEFAULT_FILES, **(files or {})}
    text = _config_text(config)
    if text is not None:
        contents[CONFIG_PATH] = text
    contents = {path: data for path, data in contents.items() if data is not None}
    if real_time and clock is not None:
        raise ValueError("fundbot_world: pass a clock or real_time=True, not both")
    bot_clock = None if real_time else (clock or FakeClock())
    async with contextlib.AsyncExitStack() as stack:
        own_sandbox = sandbox is None
        if sandbox is None:
            sandbox = await stack.enter_async_context(Sandbox(validate=True))
        installation_id = _add_repo(sandbox, repo, maintainer, contents)
        where = Path(database_dir) if database_dir is not None else \
            Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fundbot-world-")))
        bot = await stack.enter_async_context(running_bot(sandbox, where, workers=real_time, clock=bot_clock,
                                                          **settings))
        yield World(sandbox, bot, repo=repo, maintainer=maintainer, installation_id=installation_id, clock=bot_clock)
        if own_sandbox and sandbox.violations:
            raise AssertionError("the GitHub sandbox saw protocol violations:\n" + "\n".join(sandbox.violations))
