"""Campaigns read from GitHub: every ledger event of an issue from its timeline (comments, label and
close/reopen events, merged pull requests that claim it), with the decisions fundbot recorded in its
status comment, and the issues a pull request body closes or claims."""

from __future__ import annotations

import logging
import re

from bot.core import campaign as ledger
from bot.core import commands as parser
from bot.core import comments as texts
from bot.core import history, markdown, status, timestamps
from bot.github import repo_ops
from bot.services.campaign_base import MAINTAINER_ONLY, Setup, config_goal, is_maintainer
from bot.services.repo import Repo

log = logging.getLogger(__name__)


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


def reply_decisions(body: str | None) -> history.Decisions:
    """The decisions about one comment that fundbot's reply to it carries (empty when it carries none)."""
    for name, _version, data in markdown.find_markers(body):
        if name == texts.FUND_REPLY_MARKER and isinstance(data, dict) and isinstance(data.get("decisions"), dict):
            try:
                return history.Decisions.from_json(data["decisions"])
            except ValueError:
                log.warning("unreadable decision record in a fundbot reply: ignored")
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
    replied: list[history.Decisions] = []
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
                elif ctx.is_self(user):
                    replied.append(reply_decisions(t.get("body")))
                continue
            if ctx.is_bot(user):
                continue
            comments.append(t)
            items.append((at, "c", ident))
        elif kind in ("labeled", "unlabeled") and ctx.is_self(t.get("actor")):
            continue  # fundbot's own label changes (state labels, a cancel's bounty labels): live ignores them too
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
    for per_comment in replied:  # fundbot's replies: the decisions the status comment may not show yet
        recorded = recorded.merged(per_comment)
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
    return events + timeline_claims(known, pulls, number, repository) + recorded_intents(known), status_comment


def recorded_intents(known: history.Decisions) -> list:
    """The claims before a merge and their withdrawals a refold credits: those fundbot recorded live (a pull
    request comment or description is not on the issue's timeline; :mod:`bot.services.campaign_claims`)."""
    return [ledger.IntentEvent(at, history.INTENT_SEQ, pull, user, action, assoc)
            for pull, user, at, action, assoc in known.intents if action in ("claim", "drop")]


def timeline_claims(known: history.Decisions, pulls: list[dict], number: int, repository: dict) -> list:
    """The claims a refold credits: those fundbot recorded when it saw the merges live (the webhook carries
    the body as it stood at the merge). A record that predates claims, or none: each merged pull request of
    this repository whose current body closes or claims the issue, unless it was updated after its merge
    (its body may have been edited since)."""
    if known.claims is not None:
        return [ledger.ClaimEvent(at, history.CLAIM_SEQ, pull, solver,
                                  next((x[4] for x in known.intents if x[3] == "merge" and x[0] == pull), None))
                for pull, solver, at in known.claims]
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
    whose revision has no recorded verdict in ``decisions``; its commands are judged (and parsed: bare forms
    or not) by the rule recorded for the revision, else by today's configuration."""
    author = (comment.get("user") or {}).get("login", "")
    body = comment.get("body") or ""
    created, updated = timestamps.parse(comment.get("created_at"), 0.0), timestamps.parse(comment.get("updated_at"), 0.0)
    rule = decisions.rule(comment["id"], body, edited=updated > created) if decisions is not None else None
    rule = rule or history.rule_of(s.config.bounties, bare=s.bare)
    commands = [c for c in s.parse(body, bare=history.bare_of(rule)) if isinstance(c, parser.Command)]
    maintainer = False
    if not deleted and any(c.name in MAINTAINER_ONLY for c in commands):
        verdict = decisions.verdict(comment["id"], body) if decisions is not None else None
        maintainer = verdict if verdict is not None else await is_maintainer(repo, author, s.config)
    return ledger.CommentEvent(
        at=created, seq=comment["id"] if seq is None else seq, comment_id=comment["id"], author=author, body=body,
        maintainer=maintainer, deleted=deleted, edited_at=updated or None, rule=rule, handle=s.handle,
    )


# --- references from pull requests ---------------------------------------------------------------------

_CLOSING = ("close", "closes", "closed", "fix", "fixes", "fixed", "resolve", "resolves", "resolved")


def referenced_issues(body: str | None, full_name: str, *, bare: bool = True, handle: str = "fundbot") -> set[int]:
    """Issues of this repository a pull request body closes (``Fixes #12``, ``closes owner/repo#12``, an issue
    URL) or claims (``/claim #12``, ``/fundbot claim #12``, ``@HANDLE claim #12``; with ``bare`` False - the
    repository's ``commands.bare`` - not the bare ``/claim``, which may be another bounty bot's)."""
    text = body or ""
    owner_repo = re.escape(full_name)
    ref = rf"(?:#(\d+)|{owner_repo}#(\d+)|https://github\.com/{owner_repo}/issues/(\d+))"
    found: set[int] = set()
    for m in re.finditer(rf"(?i)\b(?:{'|'.join(_CLOSING)})\b:?\s+{ref}", text):
        found.add(int(next(g for g in m.groups() if g)))
    for item in parser.parse_commands(text, bare=bare, handle=handle):
        if isinstance(item, parser.Command) and item.name == "claim":
            if item.issue is not None and (item.repo is None or item.repo.lower() == full_name.lower()):
                found.add(item.issue)
    return {n for n in found if 0 < n < 10**9}

