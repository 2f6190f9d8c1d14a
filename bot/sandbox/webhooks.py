"""Webhook payload builders (GitHub's shapes, valid against octokit's webhook schema) and delivery records."""

from __future__ import annotations

import json
from typing import Any

from .state import Comment, Delivery, Installation, Issue, Label, Release, RepoState, User, iso
from .world import World

ZERO_SHA = "0" * 40
ALWAYS_DELIVERED = {"installation", "installation_repositories", "github_app_authorization", "ping"}

Event = tuple[str, dict[str, Any]]


def envelope(sb: World, r: RepoState, sender: User, action: str | None = None, **objects: Any) -> dict[str, Any]:
    p: dict[str, Any] = {}
    if action is not None:
        p["action"] = action
    p.update(objects)
    p["repository"] = sb.render.repo(r)
    p["sender"] = sb.render.user(sender)
    if r.owner.type == "Organization":
        p["organization"] = sb.render.organization(r.owner)
    inst = sb._installation_for_repo(r)
    if inst is not None:
        p["installation"] = sb.render.installation_lite(inst)
    return p


def issues(sb: World, r: RepoState, issue: Issue, action: str, sender: User, *,
           changes: dict[str, Any] | None = None) -> Event:
    extra: dict[str, Any] = {"issue": sb.render.issue(r, issue)}
    if changes is not None:
        extra["changes"] = changes
    return "issues", envelope(sb, r, sender, action, **extra)


def issues_label(sb: World, r: RepoState, issue: Issue, action: str, label: Label, sender: User) -> Event:
    return "issues", envelope(sb, r, sender, action, issue=sb.render.issue(r, issue), label=sb.render.label(r, label))


def issue_or_pull(sb: World, r: RepoState, issue: Issue, action: str, sender: User, *,
                  label: Label | None = None, changes: dict[str, Any] | None = None) -> Event:
    """GitHub sends ``pull_request`` (not ``issues``) events when the issue is a pull request."""
    if issue.pull is not None:
        event, payload = pull_request(sb, r, issue, action, sender, changes=changes)
    elif label is not None:
        event, payload = issues_label(sb, r, issue, action, label, sender)
    else:
        event, payload = issues(sb, r, issue, action, sender, changes=changes)
    if label is not None:
        payload["label"] = sb.render.label(r, label)
    return event, payload


def issue_comment(sb: World, r: RepoState, issue: Issue, comment: Comment, action: str, sender: User, *,
                  changes: dict[str, Any] | None = None) -> Event:
    extra: dict[str, Any] = {"issue": sb.render.issue(r, issue), "comment": sb.render.comment(r, comment)}
    if changes is not None:
        extra["changes"] = changes
    return "issue_comment", envelope(sb, r, sender, action, **extra)


def pull_request(sb: World, r: RepoState, issue: Issue, action: str, sender: User, *,
                 changes: dict[str, Any] | None = None) -> Event:
    extra: dict[str, Any] = {"number": issue.number, "pull_request": sb.render.pull(r, issue)}
    if changes is not None:
        extra["changes"] = changes
    return "pull_request", envelope(sb, r, sender, action, **extra)


def release(sb: World, r: RepoState, rel: Release, action: str, sender: User, *,
            changes: dict[str, Any] | None = None) -> Event:
    extra: dict[str, Any] = {"release": sb.render.release(r, rel, rest=False)}
    if changes is not None:
        extra["changes"] = changes
    return "release", envelope(sb, r, sender, action, **extra)


def label_event(sb: World, r: RepoState, lb: Label, action: str, sender: User, *,
                changes: dict[str, Any] | None = None) -> Event:
    extra: dict[str, Any] = {"label": sb.render.label(r, lb)}
    if changes is not None:
        extra["changes"] = changes
    return "label", envelope(sb, r, sender, action, **extra)


def _commit_dict(sb: World, r: RepoState, sha: str) -> dict[str, Any]:
    c = r.objects.commits[sha]
    old = sb._tree_files(r, c.parents[0]) if c.parents else {}
    new = sb._tree_files(r, sha)
    added = sorted(p for p in new if p not in old)
    removed = sorted(p for p in old if p not in new)
    modified = sorted(p for p in new if p in old and old[p] != new[p])

    def person(sig: Any) -> dict[str, Any]:
        d = {"name": sig.name, "email": sig.email}
        u = sb._user_by_email(sig.email)
        if u is not None:
            d["username"] = u.login
        return d

    return {
        "id": sha, "tree_id": c.tree, "distinct": True, "message": c.message,
        "timestamp": iso(c.committer.timestamp).replace("Z", "+00:00"),
        "url": f"https://github.com/{r.full_name}/commit/{sha}",
        "author": person(c.author), "committer": person(c.committer),
        "added": added, "removed": removed, "modified": modified,
    }


def push(sb: World, r: RepoState, ref: str, before: str | None, after: str | None, sender: User, *,
         created: bool | None = None, deleted: bool = False, forced: bool = False) -> Event:
    shas = [] if deleted or after is None else sb._commits_between(r, before, after)[-20:]
    commits = [_commit_dict(sb, r, s) for s in shas]
    head = _commit_dict(sb, r, after) if after and not deleted else None
    repo = sb.render.repo(r)
    p = envelope(sb, r, sender, None)
    p.update({
        "ref": ref, "before": before or ZERO_SHA, "after": after or ZERO_SHA,
        "created": before is None if created is None else created, "deleted": deleted, "forced": forced,
        "base_ref": None,
        "compare": (f"https://github.com/{r.full_name}/commit/{after}" if before is None and after
                    else f"https://github.com/{r.full_name}/compare/{(before or ZERO_SHA)[:12]}...{(after or ZERO_SHA)[:12]}"),
        "commits": commits, "head_commit": head,
        "pusher": {"name": sender.login, "email": sender.email or f"{sender.id}+{sender.login}@users.noreply.github.com"},
        "repository": repo,
    })
    return "push", p


def installation_created(sb: World, inst: Installation, sender: User) -> Event:
    repos = sb._installation_repos(inst)
    return "installation", {
        "action": "created", "installation": sb.render.installation(inst, rest=False),
        "repositories": [sb.render.repo_mini(r) for r in repos], "sender": sb.render.user(sender),
    }


def installation_deleted(sb: World, inst: Installation, sender: User) -> Event:
    repos = sb._installation_repos(inst)
    return "installation", {
        "action": "deleted", "installation": sb.render.installation(inst, rest=False),
        "repositories": [sb.render.repo_mini(r) for r in repos], "sender": sb.render.user(sender),
    }


def installation_repositories(sb: World, inst: Installation, action: str, sender: User,
                              added: list[RepoState], removed: list[RepoState]) -> Event:
    return "installation_repositories", {
        "action": action, "installation": sb.render.installation(inst, rest=False),
        "repository_selection": inst.repository_selection,
        "repositories_added": [sb.render.repo_mini(r) for r in added],
        "repositories_removed": [sb.render.repo_mini(r) for r in removed],
        "requester": None, "sender": sb.render.user(sender),
    }


# --- hook deliveries (GET /app/hook/deliveries) -----------------------------------------------------------
def delivery_item(d: Delivery) -> dict[str, Any]:
    return {
        "id": d.id, "guid": d.guid, "delivered_at": iso(d.delivered_at), "redelivery": d.redelivery,
        "duration": round(d.duration, 3), "status": d.status, "status_code": d.status_code, "event": d.event,
        "action": d.action, "installation_id": d.installation_id, "repository_id": d.repository_id,
        "throttled_at": None,
    }


def delivery_detail(d: Delivery) -> dict[str, Any]:
    item = delivery_item(d)
    try:
        payload = json.loads(d.body)
    except ValueError:
        payload = None
    item.update({
        "url": d.url or "",
        "request": {"headers": dict(d.request_headers), "payload": payload if isinstance(payload, dict) else None},
        "response": {"headers": dict(d.response_headers), "payload": d.response_body},
    })
    return item
