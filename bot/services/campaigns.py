"""Campaigns, the shell: GitHub events in, the pure ledger (``bot.core.campaign``) in the middle, effects out.

For one issue:

1. **State** comes from the store's cache (``campaign`` namespace, written incrementally by
   :mod:`bot.services.campaign_state`: a small head and sealed chunks of the canonical event log, plus the
   status comment's id and a hash of what it last said). Without a cache
   entry (new database, ``rebuild``) the campaign is refolded from GitHub alone: the issue's comments, its
   label and close/reopen events, and the merged pull requests in its timeline.
2. **One event** (a comment, a label, a close, a merged pull request, time passing) is applied with
   ``campaign.apply``/``tick``: the same result a full fold gives.
3. **Effects**, each only when something changed: the sticky status comment (edited in place, re-created
   if a human deleted it while the campaign is open), fundbot's state labels, the acknowledgement of the
   comment that caused it (👍, or 😕 and one reply), and the durable ``campaign.tick`` task at the next
   deadline.

API economy: once the campaign is cached, an accepted ``/pledge`` costs two requests (the reaction and
the status comment edit), three when it reaches the goal (the funded label), whatever the number of comments
on the issue: only transitions that end the campaign, deliver it or make funding final are refolded from
the timeline (:func:`verify_transition`); labels and payment links are kept in the store.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from decimal import Decimal
from typing import Any

import gidgethub

from bot.core import campaign as ledger
from bot.core import commands as parser
from bot.core import comments, history, markdown, status, timestamps
from bot.core import labels as label_rules
from bot.core.config import Config
from bot.core.links import PaymentLink
from bot.github import repo_ops, status_of
from bot.services import campaign_pages, campaign_state, sync_requests
from bot.services.labels import ensure_labels
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
    """Whether ``login``'s permission on the repository is one of ``bounties.who_can_manage`` (cached briefly)."""
    _permissions = repo.ctx.memo("permissions", ttl=PERMISSION_TTL, maxsize=10_000)
    key = (repo.id, login.lower())
    if key in _permissions:
        return _permissions[key]
    try:
        data = await repo.gh.getitem("/repos/{owner}/{repo}/collaborators/{username}/permission",
                                     {**repo.vars, "username": login})
    except gidgethub.BadRequest as exc:
        if status_of(exc) in (403, 404):
            data = {"permission": "none"}
        else:
            raise
    role = (data.get("role_name") or data.get("permission") or "none").lower()
    allowed = {r.lower() for r in config.bounties.who_can_manage}
    result = role in allowed or (role == "admin" and "admin" in allowed)
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

    def kwargs(self) -> dict:
        return {"config": self.config.bounties, "label_goals": self.label_goals, "generic_label": self.generic_label}


async def setup(repo: Repo, config: Config | None = None) -> Setup:
    if config is None:
        config = (await repo.config()).config
    names = label_rules.resolve(config, await repo_labels(repo)) if config.bounties.enabled else {}
    goals = {(names.get(name) or name): goal for name, goal in config.bounties.labels.items()}
    generic = names.get(config.bounties.label) or config.bounties.label
    return Setup(config, goals, generic, names)


def needs_campaign(setup_: Setup, *, body: str | None = None, label: str | None = None) -> bool:
    """Could this comment or label start or change a campaign? (Cheap: no API call.)"""
    if not setup_.config.bounties.enabled:
        return False
    if label is not None:
        return label.lower() in {n.lower() for n in list(setup_.label_goals) + [setup_.generic_label]}
    return any(isinstance(c, parser.Command) and c.name in ledger.LEDGER_COMMANDS
               for c in parser.parse_commands(body or ""))


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


def _claimed_issues(body: str | None, repository: dict) -> set[int]:
    return referenced_issues(body, repository["full_name"])


def _source_repository(source_issue: dict) -> str:
    """The ``owner/repo`` a timeline cross-reference comes from ("" when GitHub does not say)."""
    name = (source_issue.get("repository") or {}).get("full_name")
    if isinstance(name, str) and name:
        return name
    url = source_issue.get("repository_url")
    if isinstance(url, str) and "/repos/" in url:
        return url.rsplit("/repos/", 1)[1].strip("/")
    return ""


def config_goal(s: Setup, label: str) -> Decimal | None:
    """The goal ``bounties.labels`` gives a repository label today (case-insensitive), or None."""
    low = label.lower()
    return next((goal for name, goal in s.label_goals.items() if name.lower() == low), None)


def decisions_in(body: str | None) -> history.Decisions:
    """The decision record in a status comment's marker (empty when there is none or it is unreadable).
    The caller makes sure the comment is fundbot's own."""
    for name, _version, data in markdown.find_markers(body):
        if name == status.STATUS_MARKER and isinstance(data, dict) and "decisions" in data:
            try:
                return history.Decisions.from_json(data["decisions"])
            except ValueError:
                log.warning("unreadable decision record in fundbot's status comment: ignored")
    return history.Decisions()


async def events_from_github(repo: Repo, number: int, s: Setup,
                             decisions: history.Decisions | None = None) -> tuple[list, int | None]:
    """Every ledger event of an issue, read from its timeline (one paginated listing: comments, label and
    close/reopen events, cross-references from merged pull requests of this repository); and fundbot's
    status comment id if there is one.

    Permission verdicts, label goals, the rules that judged commands (``min_pledge``, ``deadline_days``...)
    and claims come from the decision record in fundbot's status comment (only a comment by fundbot's own
    login counts) and ``decisions`` (the cached campaign's; they win); only commands not decided yet are
    judged now, with today's configuration. Claims are the recorded ones; only without a record of claims
    are merged pull requests read from their current body (:func:`timeline_claims`). Events of the same
    second keep GitHub's order (:func:`bot.core.history.timeline_seqs`)."""
    ctx, repository = repo.ctx, repo.repository
    variables = {**repo.vars, "issue_number": number, "per_page": 100}
    comments: list[dict] = []
    issue_events: list[dict] = []
    pulls: list[dict] = []
    items: list[tuple[float, str, int]] = []
    status_comment = None
    recorded = history.Decisions()
    full_name = repository["full_name"].lower()
    async for t in repo.gh.getiter("/repos/{owner}/{repo}/issues/{issue_number}/timeline{?per_page}", variables):
        kind = t.get("event")
        at = timestamps.parse(t.get("created_at"), 0.0)
        ident = t.get("id")
        if kind == "commented" and isinstance(ident, int) and not isinstance(ident, bool):
            user = t.get("user") or t.get("actor") or {}
            if ctx.is_self(user) or repo_ops.is_own({"user": user}, ctx.bot_login):
                if status_comment is None and markdown.has_marker(t.get("body"), status.STATUS_MARKER):
                    status_comment = ident
                    if ctx.is_self(user):  # the decision record is trusted only from fundbot's own login
                        recorded = decisions_in(t.get("body"))
                continue
            if ctx.is_bot(user):
                continue
            comments.append(t)
            items.append((at, "c", ident))
        elif (kind in ("labeled", "unlabeled", "closed", "reopened") and isinstance(ident, int)
              and not isinstance(ident, bool) and (kind in ("closed", "reopened") or t.get("label"))):
            issue_events.append(t)
            items.append((at, "e", ident))
        elif kind == "cross-referenced":
            source = (t.get("source") or {}).get("issue") or {}
            # only pull requests of this repository claim its issues (a fork or another repository cannot)
            if (source.get("pull_request") or {}).get("merged_at") and _source_repository(source).lower() == full_name:
                pulls.append(source)
    seqs = history.timeline_seqs(items)
    known = recorded.merged(decisions) if decisions is not None else recorded
    today = history.rule_of(s.config.bounties)
    events: list = []
    for c in comments:
        events.append(await comment_event(repo, c, s, decisions=known, seq=seqs[("c", c["id"])]))
    for e in issue_events:
        at, seq, kind = timestamps.parse(e.get("created_at"), 0.0), seqs[("e", e["id"])], e["event"]
        if kind in ("labeled", "unlabeled"):
            name = e["label"].get("name") or ""
            goal = (known.goal(at, name) or config_goal(s, name)) if kind == "labeled" else None
            rule = (known.label_rule(at, name) or today) if kind == "labeled" else None
            events.append(ledger.LabelEvent(at, seq, name, kind == "labeled", (e.get("actor") or {}).get("login", ""),
                                            goal, rule))
        else:
            events.append(ledger.StateEvent(at, seq, kind, e.get("state_reason")))
    return events + timeline_claims(known, pulls, number, repository), status_comment


def timeline_claims(known: history.Decisions, pulls: list[dict], number: int, repository: dict) -> list:
    """The claims a refold credits: those fundbot recorded when it saw the merges live (the webhook carries
    the body as it stood at the merge). A record that predates claims, or none: each merged pull request of
    this repository whose current body closes or claims the issue, unless it was updated after its merge
    (its body may have been edited since)."""
    if known.claims is not None:
        return [ledger.ClaimEvent(at, history.CLAIM_SEQ, pull, solver) for pull, solver, at in known.claims]
    out = []
    for source in pulls:
        merged_at = timestamps.parse(source["pull_request"]["merged_at"], 0.0)
        if (number in _claimed_issues(source.get("body"), repository)
                and timestamps.parse(source.get("updated_at"), merged_at) <= merged_at + history.SLACK):
            out.append(ledger.ClaimEvent(merged_at, history.CLAIM_SEQ, source["number"],
                                         (source.get("user") or {}).get("login", "")))
    return out


async def comment_event(repo: Repo, comment: dict, s: Setup, *, deleted: bool = False,
                        decisions: history.Decisions | None = None, seq: int | None = None) -> ledger.CommentEvent:
    """A comment as a ledger event. Its author's permission is checked only for maintainer-only commands
    whose revision has no recorded verdict in ``decisions``; its commands are judged by the rule recorded
    for the revision, else by today's configuration."""
    author = (comment.get("user") or {}).get("login", "")
    body = comment.get("body") or ""
    commands = [c for c in parser.parse_commands(body) if isinstance(c, parser.Command)]
    maintainer = False
    if not deleted and any(c.name in MAINTAINER_ONLY for c in commands):
        verdict = decisions.verdict(comment["id"], body) if decisions is not None else None
        maintainer = verdict if verdict is not None else await is_maintainer(repo, author, s.config)
    created, updated = timestamps.parse(comment.get("created_at"), 0.0), timestamps.parse(comment.get("updated_at"), 0.0)
    rule = decisions.rule(comment["id"], body, edited=updated > created) if decisions is not None else None
    return ledger.CommentEvent(
        at=created, seq=comment["id"] if seq is None else seq, comment_id=comment["id"], author=author, body=body,
        maintainer=maintainer, deleted=deleted, edited_at=updated or None, rule=rule or history.rule_of(s.config.bounties),
    )


async def current(repo: Repo, number: int, s: Setup) -> Record:
    record = await load(repo, number, s)
    if record is not None:
        return record
    events, status_comment = await events_from_github(repo, number, s)
    return Record(ledger.fold(events, now=repo.now(), **s.kwargs()), status_comment, rebuilt=True)


# --- effects ----------------------------------------------------------------------------------------

async def publish(repo: Repo, issue: dict, record: Record, s: Setup, *, before: ledger.Campaign | None) -> None:
    number = issue["number"]
    c = record.campaign
    if c.state == "none" and (before is None or before.state == "none") and record.status_comment is None:
        await save(repo, number, record)
        return
    await _status_comment(repo, number, record, s, reached=before is not None and before.state != c.state)
    await _labels(repo, issue, c, s)
    await _schedule_tick(repo, number, c)
    await save(repo, number, record)
    await campaign_pages.publish_public(repo, issue, c, s.config.bounties.rewards)  # badge and campaign page
    if before is None or (before.state, before.raised(), before.goal) != (c.state, c.raised(), c.goal):
        await sync_requests.request(repo, s.config, reason="campaign")  # the README's campaigns table
    if before is not None and before.state != c.state:
        log.info("campaign on #%s: %s -> %s", number, before.state, c.state)


async def _status_comment(repo: Repo, number: int, record: Record, s: Setup, *, reached: bool = False) -> None:
    gh, repository = repo.gh, repo.repository
    c = record.campaign
    links = []
    if c.state in ("funded", "delivered"):
        links = await payment_links(repo, s, stale_ok=reached)
    elif c.state == "open" and not s.config.funding:
        await payment_links(repo, s, stale_ok=False)  # kept fresh, so the pledge reaching the goal needs no read
    body = status.status_comment(c, repo=repository["full_name"], issue=number, links=links,
                                 rewards=s.config.bounties.rewards, now=repo.now())
    digest = hashlib.sha256(body.encode()).hexdigest()
    if digest == record.rendered and record.status_comment is not None:
        return
    variables = repo.vars
    if record.status_comment is not None:
        try:
            await gh.patch("/repos/{owner}/{repo}/issues/comments/{comment_id}",
                           {**variables, "comment_id": record.status_comment}, data={"body": body})
            record.rendered = digest
            return
        except gidgethub.BadRequest as exc:
            if status_of(exc) != 404:
                raise
            log.info("status comment of #%s was deleted", number)
            record.status_comment = None
            if not c.active:
                record.rendered = digest  # a closed campaign's deleted comment is not brought back
                return
    # A POST GitHub applied but answered 5xx is retried with the job: fundbot's marked comment, if there is
    # one, is edited instead of posting a second one.
    existing = await repo_ops.find_own_comment(gh, repository, number, status.STATUS_MARKER, bot_login=repo.bot_login)
    if existing is not None:
        await gh.patch("/repos/{owner}/{repo}/issues/comments/{comment_id}",
                       {**variables, "comment_id": existing["id"]}, data={"body": body})
        record.status_comment, record.rendered = existing["id"], digest
        return
    created = await repo_ops.create_comment(gh, repository, number, body)
    record.status_comment, record.rendered = created["id"], digest


async def _labels(repo: Repo, issue: dict, c: ledger.Campaign, s: Setup) -> None:
    b = s.config.bounties
    managed = {b.label, b.funded_label, b.delivered_label}
    repo_name = {name: (s.names.get(name) or name) for name in managed}
    wanted = {repo_name[name] for name in c.labels_wanted if name in repo_name}
    have = {lb["name"] for lb in issue.get("labels") or [] if isinstance(lb, dict)}
    managed_names = {v.lower() for v in repo_name.values()}
    add = sorted(wanted - have)
    remove = sorted(n for n in have if n.lower() in managed_names and n not in wanted)
    gh, variables = repo.gh, {**repo.vars, "issue_number": issue["number"]}
    if add:
        existing = {lb["name"].lower() for lb in await repo_labels(repo)}
        if any(name.lower() not in existing for name in add):
            await ensure_labels(repo, s.config)
            await forget_repo_labels(repo)
        await gh.post("/repos/{owner}/{repo}/issues/{issue_number}/labels", variables, data={"labels": add})
    for name in remove:
        try:
            await gh.delete("/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}", {**variables, "name": name})
        except gidgethub.BadRequest as exc:
            if status_of(exc) != 404:
                raise
    issue["labels"] = [lb for lb in issue.get("labels") or [] if lb.get("name") not in remove] + [{"name": n} for n in add]


async def _schedule_tick(repo: Repo, number: int, c: ledger.Campaign) -> None:
    ctx, repository = repo.ctx, repo.repository
    when = ledger.next_deadline(c)
    key = f"tick:{_key(repository, number)}"
    if when is None:
        await ctx.store.unschedule(key)
        return
    payload = {"repository": {k: repository.get(k) for k in ("id", "full_name", "default_branch")}, "number": number}
    await ctx.store.schedule(TICK_KIND, key, run_at=when, payload=json.dumps(payload).encode(),
                             installation_id=repo.installation_id, ordering_key=_key(repository, number))


async def acknowledge(repo: Repo, number: int, comment_id: int, outcomes: list, invalid: list[tuple[str, str]], *,
                      answered: set[str]) -> list[str]:
    """👍 when every command was accepted; 😕 and one reply listing what was refused. Returns what was done."""
    done = []
    refused = [o for o in outcomes if not o.accepted]
    if refused or invalid:
        if "refused" not in answered:
            await react(repo, comment_id, "confused")
            reasons = [(f"/{o.command}", o.reason or "refused") for o in refused] + list(invalid)
            await repo_ops.reply_once(repo.gh, repo.repository, number, comments.refused_reply(reasons=reasons, comment_id=comment_id),
                                      to=comment_id, what="refused", bot_login=repo.bot_login)
            done.append("refused")
    elif outcomes and "accepted" not in answered:
        await react(repo, comment_id, "+1")
        done.append("accepted")
    return done


async def react(repo: Repo, comment_id: int, content: str) -> None:
    """Add a reaction; GitHub answers 200 instead of 201 when it exists, so this is idempotent."""
    await repo.gh.post("/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
                       {**repo.vars, "comment_id": comment_id}, data={"content": content})


# --- entry points used by the handlers ------------------------------------------------------------------

async def on_event(repo: Repo, issue: dict, event: Any, s: Setup, *, edited_from: str | None = None) -> Record:
    """Apply one ledger event to the issue's campaign and publish the result.

    ``edited_from`` is the previous body of an edited comment (GitHub's ``changes.body.from``). GitHub's
    timestamps have one-second resolution, so an edit within the same second as the version we hold would
    not look newer; an edit whose previous body is the version we hold is newer by definition."""
    record = await current(repo, issue["number"], s)
    before = record.campaign
    event = in_order(before, event, s)
    if edited_from is not None and isinstance(event, ledger.CommentEvent):
        held = ledger.comment_version(before, event.comment_id)
        version = event.edited_at if event.edited_at is not None else event.at
        if held is not None and held[1] == ledger.body_digest(edited_from) and version <= held[0]:
            event = dataclasses.replace(event, edited_at=held[0] + 0.001)
    record.campaign = ledger.apply(before, event, now=repo.now(), **s.kwargs())
    await verify_transition(repo, issue["number"], record, s, before=before)
    # a campaign folded from GitHub just now already includes this event: for what changed, it is new
    await publish(repo, issue, record, s, before=None if record.rebuilt else before)
    return record


def in_order(campaign: ledger.Campaign, event: Any, s: Setup) -> Any:
    """A live event placed in delivery order (:mod:`bot.core.history`), with what was decided before.

    * a comment the log already holds keeps its position, and the permission verdict and rule recorded for
      the same revision (a demotion or promotion, a configuration change since changes nothing); a new
      comment goes after every record of its second;
    * a redelivered label or state event becomes the held record (the ledger folds it once); a new one goes
      after every record of its second, and a bounty label's addition applies today's configured goal and
      rule;
    * a claim sorts last in its second."""
    if isinstance(event, ledger.CommentEvent):
        held = ledger.comment_record(campaign, event.comment_id)
        if held is None:
            return dataclasses.replace(event, seq=history.next_seq(campaign, event.at))
        event = dataclasses.replace(event, at=held[1], seq=held[2])
        if not event.deleted and held[8] == ledger.body_digest(event.body):
            if any(cmd[1] in MAINTAINER_ONLY for cmd in held[9]):
                event = dataclasses.replace(event, maintainer=bool(held[5]))
            if held[10] is not None:
                event = dataclasses.replace(event, rule=held[10])
        return event
    if isinstance(event, ledger.LabelEvent):
        dup = history.held_duplicate(campaign, "l", event.at, label=event.label, added=event.added, actor=event.actor)
        if dup is not None:
            return ledger.LabelEvent(dup[1], dup[2], dup[3], dup[4], dup[5], None if dup[6] is None else Decimal(dup[6]),
                                     dup[7])
        goal = event.goal if event.goal is not None or not event.added else config_goal(s, event.label)
        rule = event.rule if event.rule is not None or not event.added else history.rule_of(s.config.bounties)
        return dataclasses.replace(event, seq=history.next_seq(campaign, event.at), goal=goal, rule=rule)
    if isinstance(event, ledger.StateEvent):
        dup = history.held_duplicate(campaign, "s", event.at, state=event.kind, reason=event.reason)
        if dup is not None:
            return ledger.StateEvent(dup[1], dup[2], dup[3], dup[4] or None)
        return dataclasses.replace(event, seq=history.next_seq(campaign, event.at))
    if isinstance(event, ledger.ClaimEvent):
        return dataclasses.replace(event, seq=history.CLAIM_SEQ)
    return event


#: States whose arrival is checked against GitHub (refolded from the timeline): those that end the campaign
#: or ask backers to pay. Open <-> funded is not (it is re-evaluated at every pledge until the deadline).
VERIFIED_STATES = frozenset({"delivered", "closed", "expired", "cancelled"})


async def verify_transition(repo: Repo, number: int, record: Record, s: Setup, *, before: ledger.Campaign) -> None:
    """The cache is not trusted over GitHub where it matters: when a campaign ends or is delivered, and when
    its funding becomes final at the deadline, it is refolded from GitHub and GitHub's fold wins a
    disagreement. The pledge that reaches the goal is not checked (that would read every comment page on
    every goal): the incremental state equals the fold of the same events, a lost delivery is recovered by
    redelivery, and the deadline check above catches what is still missing before funding is final."""
    after = record.campaign
    if before.state == after.state and before.deadline_passed == after.deadline_passed:
        return
    if after.state not in VERIFIED_STATES and before.deadline_passed == after.deadline_passed:
        return
    events, status_comment = await events_from_github(repo, number, s, decisions=history.decisions_of(record.campaign))
    refold = ledger.fold(events, now=repo.now(), **s.kwargs())
    if (refold.state, refold.goal, refold.pledges, refold.solver) != (
            record.campaign.state, record.campaign.goal, record.campaign.pledges, record.campaign.solver):
        log.warning("campaign on #%s: the cache said %s, GitHub says %s; using GitHub's", number,
                    record.campaign.state, refold.state)
        record.campaign = refold
    if record.status_comment is None:
        record.status_comment = status_comment


async def rebuild_repository(repo: Repo) -> list[tuple[int, ledger.Campaign]]:
    """Refold every campaign of a repository from GitHub alone (issues carrying a fundbot or bounty label),
    replace the cached state and bring the status comments and labels up to date."""
    s = await setup(repo)
    names = {n.lower() for n in [*s.label_goals, s.generic_label, s.names.get(s.config.bounties.funded_label) or s.config.bounties.funded_label,
                                 s.names.get(s.config.bounties.delivered_label) or s.config.bounties.delivered_label]}
    out = []
    variables = {**repo.vars, "state": "all", "per_page": 100}
    async for issue in repo.gh.getiter("/repos/{owner}/{repo}/issues{?state,per_page}", variables):
        if issue.get("pull_request"):
            continue
        if not any((lb.get("name") or "").lower() in names for lb in issue.get("labels") or []):
            continue
        number = issue["number"]
        await forget(repo, number)
        events, status_comment = await events_from_github(repo, number, s)
        record = Record(ledger.fold(events, now=repo.now(), **s.kwargs()), status_comment)
        await publish(repo, issue, record, s, before=None)
        out.append((number, record.campaign))
    return out


async def run_tick(job: Any, ctx: Any) -> None:
    data = json.loads(job.payload)
    repo, number = await Repo.installed(ctx, job.installation_id, data["repository"], delivery=job.key), data["number"]
    s = await setup(repo)
    record = await current(repo, number, s)
    before = record.campaign
    record.campaign = ledger.tick(before, now=repo.now(), **s.kwargs())
    if not record.rebuilt:
        await verify_transition(repo, number, record, s, before=before)
    issue = await repo.gh.getitem("/repos/{owner}/{repo}/issues/{issue_number}", {**repo.vars, "issue_number": number})
    await publish(repo, issue, record, s, before=before)




# --- references from pull requests ---------------------------------------------------------------------

_CLOSING = ("close", "closes", "closed", "fix", "fixes", "fixed", "resolve", "resolves", "resolved")


def referenced_issues(body: str | None, full_name: str) -> set[int]:
    """Issues of this repository a pull request body closes (``Fixes #12``, ``closes owner/repo#12``, an issue
    URL) or claims (``/claim``, ``/claim #12``)."""
    import re

    text = body or ""
    owner_repo = re.escape(full_name)
    ref = rf"(?:#(\d+)|{owner_repo}#(\d+)|https://github\.com/{owner_repo}/issues/(\d+))"
    found: set[int] = set()
    for m in re.finditer(rf"(?i)\b(?:{'|'.join(_CLOSING)})\b:?\s+{ref}", text):
        found.add(int(next(g for g in m.groups() if g)))
    for item in parser.parse_commands(text):
        if isinstance(item, parser.Command) and item.name == "claim":
            if item.issue is not None and (item.repo is None or item.repo.lower() == full_name.lower()):
                found.add(item.issue)
    return {n for n in found if 0 < n < 10**9}
