"""Campaigns, what every part shares: the record of one issue's campaign (:class:`Record`), the repository's
campaign setup (:class:`Setup`: configuration, label goals), who may manage campaigns, the repository's labels
and payment links as cached in the store, and loading and saving the cached state."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from decimal import Decimal

from bot.core import campaign as ledger
from bot.core import commands as parser
from bot.core import history
from bot.core import labels as label_rules
from bot.core.config import Config
from bot.core.links import PaymentLink
from bot.github import repo_ops
from bot.services import campaign_state
from bot.services.links import links_for
from bot.services.repo import Repo

log = logging.getLogger(__name__)

NS = campaign_state.NS
TICK_KIND = "campaign.tick"
MAINTAINER_ONLY = history.MAINTAINER_COMMANDS
PERMISSION_TTL = 300.0
LABELS_TTL = 600.0
LINKS_REFRESH = 600.0


def _key(repository: dict, number: int) -> str:
    return f"{repository.get('id') or repository['full_name']}#{number}"


@dataclasses.dataclass
class Record:
    campaign: ledger.Campaign
    status_comment: int | None = None
    rendered: str | None = None  # sha256 of the status comment fundbot last wrote
    rebuilt: bool = False  # folded from GitHub just now (no cache): it already holds the event being handled
    stored: campaign_state.Stored | None = None  # what the store holds (campaign_state): None, write it all


# --- what the repository looks like ----------------------------------------------------------------

async def is_maintainer(repo: Repo, login: str, config: Config) -> bool:
    """Whether ``login``'s base role on the repository is one of ``bounties.who_can_manage`` (cached briefly).
    The role comes from ``permission`` and the ``user.permissions`` flags (:func:`repo_ops.collaborator_role`),
    never from ``role_name``: for a custom repository role that is the role's name, not a level."""
    _permissions = repo.ctx.memo("permissions", ttl=PERMISSION_TTL, maxsize=10_000)
    key = (repo.id, login.lower())
    if key in _permissions:
        return _permissions[key]
    role = await repo_ops.collaborator_role(repo.gh, repo.repository, login)
    result = role in {str(r).lower() for r in config.bounties.who_can_manage}
    _permissions[key] = result
    return result


async def repo_labels(repo: Repo) -> list[dict]:
    """The repository's labels (name and description), kept LABELS_TTL seconds in the process and in the
    store (shared by processes, so a fresh process does not list them again)."""
    _repo_labels = repo.ctx.memo("repo-labels", ttl=LABELS_TTL, maxsize=2_000)
    key = repo.id or repo.repository["full_name"]
    if key in _repo_labels:
        return _repo_labels[key]
    stored = await repo.ctx.store.cache_get(NS, f"labels:{key}")
    if isinstance(stored, list) and all(isinstance(lb, dict) for lb in stored):
        _repo_labels[key] = stored
        return stored
    listed = [{"name": lb.get("name"), "description": lb.get("description")}
              async for lb in repo.gh.getiter("/repos/{owner}/{repo}/labels{?per_page}", {**repo.vars, "per_page": 100})
              if isinstance(lb, dict)]
    _repo_labels[key] = listed
    await repo.ctx.store.cache_set(NS, f"labels:{key}", listed, ttl=LABELS_TTL, installation_id=repo.installation_id)
    return listed


async def forget_repo_labels(repo: Repo) -> None:
    key = repo.id or repo.repository["full_name"]
    repo.ctx.memo("repo-labels", ttl=LABELS_TTL, maxsize=2_000).pop(key, None)
    await repo.ctx.store.cache_delete(NS, f"labels:{key}")


async def payment_links(repo: Repo, s: Setup, *, stale_ok: bool) -> list:
    """The payment links a funded campaign's status comment shows (``links_for``), kept in the store per
    repository: read again from GitHub when older than LINKS_REFRESH seconds or when the configuration's
    ``funding``/``links`` changed. ``stale_ok`` (the pledge that reaches the goal): older links will do, so
    that pledge costs no extra request; the next event refreshes them."""
    key = f"links:{repo.id or repo.repository['full_name']}"
    fingerprint = hashlib.sha256(repr((s.config.funding, s.config.links)).encode()).hexdigest()[:16]
    held = await repo.ctx.store.cache_get(NS, key)
    if isinstance(held, dict) and held.get("fp") == fingerprint and isinstance(held.get("links"), list):
        fresh = repo.now() - float(held.get("at") or 0) < LINKS_REFRESH
        if fresh or stale_ok:
            try:
                return [PaymentLink(str(x[0]), str(x[1]), str(x[2])) for x in held["links"]]
            except (TypeError, IndexError):
                log.warning("cached payment links unreadable: reading them again")
    links = await links_for(repo, s.config)
    await repo.ctx.store.cache_set(NS, key, {"fp": fingerprint, "at": repo.now(),
                                             "links": [[x.title, x.url, x.platform] for x in links]},
                                   installation_id=repo.installation_id)
    return links


@dataclasses.dataclass(frozen=True)
class Setup:
    config: Config
    label_goals: dict[str, Decimal]  # repository label name -> goal
    generic_label: str
    names: dict[str, str | None]  # config label name -> repository label name
    bare: bool = True  # commands.bare: the bare forms (/pledge 50) count, not only /fundbot pledge 50
    handle: str = "fundbot"  # the App's slug: @HANDLE pledge 50 addresses fundbot

    def parse(self, body: str | None, *, bare: bool | None = None) -> list:
        """A comment's commands as this repository's fundbot reads them (``commands.bare``, the App's slug)."""
        return parser.parse_commands(body or "", bare=self.bare if bare is None else bare, handle=self.handle)

    def kwargs(self) -> dict:
        return {"config": self.config.bounties, "label_goals": self.label_goals, "generic_label": self.generic_label}


async def setup(repo: Repo, config: Config | None = None) -> Setup:
    if config is None:
        config = (await repo.config()).config
    names = label_rules.resolve(config, await repo_labels(repo)) if config.bounties.enabled else {}
    goals = {(names.get(name) or name): goal for name, goal in config.bounties.labels.items()}
    generic = names.get(config.bounties.label) or config.bounties.label
    return Setup(config, goals, generic, names, bool(config.commands.bare), command_handle(repo))


def command_handle(repo: Repo) -> str:
    """The name ``@HANDLE pledge 50`` addresses fundbot by: the App's slug (its bot login without ``[bot]``)."""
    login = repo.bot_login or ""
    login = login[:-len("[bot]")] if login.endswith("[bot]") else login
    return login or "fundbot"


def needs_campaign(setup_: Setup, *, body: str | None = None, label: str | None = None) -> bool:
    """Could this comment or label start or change a campaign? (Cheap: no API call.)"""
    if not setup_.config.bounties.enabled:
        return False
    if label is not None:
        return label.lower() in {n.lower() for n in list(setup_.label_goals) + [setup_.generic_label]}
    return _has_ledger_command(setup_.parse(body))


def ignored_bare(setup_: Setup, *, body: str | None) -> bool:
    """Does this comment hold bare-form campaign commands that ``commands.bare: false`` ignores (``/bounty``,
    ``/claim`` may be another bounty bot's)? On an issue with a campaign such a comment is still logged, so
    the rule that ignored it is recorded and a refold after ``bare`` is turned on ignores it too."""
    return setup_.config.bounties.enabled and not setup_.bare and _has_ledger_command(setup_.parse(body, bare=True))


def _has_ledger_command(parsed: list) -> bool:
    return any(isinstance(c, parser.Command) and c.name in ledger.LEDGER_COMMANDS for c in parsed)


# --- state -------------------------------------------------------------------------------------------

async def load(repo: Repo, number: int, s: Setup) -> Record | None:
    """The cached campaign (:mod:`bot.services.campaign_state`), or None: none, or not to be trusted."""
    loaded = await campaign_state.load(repo.ctx, _key(repo.repository, number), s.kwargs())
    if loaded is None:
        return None
    return Record(loaded.campaign, loaded.status_comment, loaded.rendered, stored=loaded.stored)


async def save(repo: Repo, number: int, record: Record) -> None:
    record.stored = await campaign_state.save(
        repo.ctx, _key(repo.repository, number), record.campaign, record.stored, status_comment=record.status_comment,
        rendered=record.rendered, now=repo.now(), installation_id=repo.installation_id)


async def forget(repo: Repo, number: int) -> None:
    """Drop the cached campaign of an issue (its head and its chunks)."""
    await campaign_state.forget(repo.ctx, _key(repo.repository, number))



def config_goal(s: Setup, label: str) -> Decimal | None:
    """The goal ``bounties.labels`` gives a repository label today (case-insensitive), or None."""
    low = label.lower()
    return next((goal for name, goal in s.label_goals.items() if name.lower() == low), None)


