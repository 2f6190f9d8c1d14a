"""Seeding the sandbox from real webhook payloads: :class:`Seeder` creates the users, repositories,
installations, issues, pull requests, labels and sponsorships a payload refers to, with their ids.

A part of the :class:`~bot.sandbox.core.Sandbox` (``sandbox.seeder``) rather than a mixin: it reaches the
sandbox's state only through ``self.sb``. ``Sandbox.seed_from_payload`` is the public entry point.
"""

from __future__ import annotations

from typing import Any

from bot.core import timestamps

from .state import Issue, Label, PullInfo, RepoState, Sponsorship, User
from .world import World

_ts = timestamps.parse  # a payload's time (ISO 8601 or Unix seconds), else the default


class Seeder:
    def __init__(self, sb: World) -> None:
        self.sb = sb

    def _seed_user(self, d: Any) -> User | None:
        if not isinstance(d, dict) or not d.get("login"):
            return None
        return self.sb._ensure_user(d["login"], id=d.get("id"), type=d.get("type") or "User",
                                 site_admin=bool(d.get("site_admin")))

    def _seed_label(self, r: RepoState, d: Any) -> Label | None:
        if not isinstance(d, dict) or not d.get("name"):
            return None
        lb = r.label(d["name"])
        if lb is None:
            lid = d.get("id") if isinstance(d.get("id"), int) else None
            lb = self.sb._ensure_label(r, d["name"], color=d.get("color") or "ededed", description=d.get("description"),
                                    id=lid)
            lb.default = bool(d.get("default"))
        return lb

    def seed_from_payload(self, event: str, payload: dict, *,
                          installation_id: int | None = None) -> int | None:
        """Create what a (real) webhook payload refers to, with its ids; idempotent.

        Returns the id of the installation that covers the payload's repository (or None)."""
        action = payload.get("action")
        inst_d = payload.get("installation") if isinstance(payload.get("installation"), dict) else {}
        sender = self._seed_user(payload.get("sender"))
        org = payload.get("organization")
        if isinstance(org, dict) and org.get("login"):
            self.sb._ensure_user(org["login"], id=org.get("id"), type="Organization")
        r: RepoState | None = None
        repo_d = payload.get("repository")
        if isinstance(repo_d, dict) and repo_d.get("full_name"):
            r = self._seed_repo(repo_d)
        # installation
        iid = inst_d.get("id") or installation_id
        inst = self.sb._installations.get(iid) if iid else None
        if iid and inst is None:
            account = self._seed_user(inst_d.get("account")) or (r.owner if r else sender)
            if account is None:
                account = self.sb._ensure_user(f"installation-{iid}")
            inst = self.sb._create_installation(account.login, id=iid)
            if inst_d.get("repository_selection") == "selected" or (r is not None and r.owner is not account):
                inst.repository_selection = "selected"
            if isinstance(inst_d.get("permissions"), dict):
                inst.permissions.update({k: v for k, v in inst_d["permissions"].items() if isinstance(v, str)})
            if isinstance(inst_d.get("events"), list):
                inst.events = sorted(set(inst.events) | set(inst_d["events"]))
        if inst is not None:
            repo_lists = [payload.get("repositories"), payload.get("repositories_added")]
            for lst in repo_lists:
                for rd in lst or []:
                    if isinstance(rd, dict) and rd.get("full_name"):
                        rr = self._seed_repo(rd, owner=inst.account)
                        if rr.owner is inst.account:
                            inst.repo_ids.add(rr.id)
            if r is not None and r.owner is inst.account and inst.repository_selection == "selected":
                inst.repo_ids.add(r.id)
        if r is not None and self.sb._installation_for_repo(r) is None:
            if inst is not None and inst.account is not r.owner:
                pass  # an installation on another account cannot cover this repository
            else:
                inst = self.sb._create_installation(r.owner.login, repos=[r.full_name])
        if r is not None:
            self._seed_objects(r, event, action, payload)
        if event == "sponsorship" and isinstance(payload.get("sponsorship"), dict):
            self._seed_sponsorship(payload["sponsorship"])
        covering = self.sb._installation_for_repo(r) if r is not None else inst
        return covering.id if covering is not None else None

    def _seed_repo(self, d: dict, owner: User | None = None) -> RepoState:
        full = d["full_name"]
        try:
            return self.sb._repo(full)
        except KeyError:
            pass
        owner_user = self._seed_user(d.get("owner")) if isinstance(d.get("owner"), dict) else None
        if owner_user is None:
            owner_user = owner or self.sb._ensure_user(full.split("/")[0])
        rid = d.get("id") if isinstance(d.get("id"), int) and d.get("id") not in self.sb._repos else None
        created = _ts(d.get("created_at"), self.sb.clock())
        r = self.sb._create_repo(full, id=rid, default_branch=d.get("default_branch") or d.get("master_branch") or "main",
                              private=bool(d.get("private")), owner_type=owner_user.type,
                              description=d.get("description"), created_at=created)
        return r

    def _seed_issue(self, r: RepoState, d: dict) -> Issue:
        number = d["number"]
        issue = r.issues.get(number)
        user = self._seed_user(d.get("user")) or self.sb.app_owner
        if issue is None:
            iid = d.get("id") if isinstance(d.get("id"), int) else None
            issue = self.sb._new_issue(r, user, d.get("title") or "", d.get("body"), number=number, id=iid)
            issue.created_at = _ts(d.get("created_at"), issue.created_at)
        issue.title = d.get("title") or issue.title
        issue.body = d.get("body")
        issue.updated_at = _ts(d.get("updated_at"), issue.updated_at)
        if d.get("state") in ("open", "closed"):
            issue.state = d["state"]
            issue.closed_at = _ts(d.get("closed_at"), self.sb.clock()) if issue.state == "closed" else None
            issue.state_reason = d.get("state_reason")
        issue.locked = bool(d.get("locked"))
        if isinstance(d.get("labels"), list):
            issue.labels = [lb for lb in (self._seed_label(r, x) for x in d["labels"]) if lb is not None]
        if isinstance(d.get("assignees"), list):
            issue.assignees = [u for u in (self._seed_user(x) for x in d["assignees"]) if u is not None]
        return issue

    def _seed_objects(self, r: RepoState, event: str, action: Any, payload: dict) -> None:
        deleted = action == "deleted"
        if isinstance(payload.get("label"), dict):
            if not (event == "label" and deleted):
                self._seed_label(r, payload["label"])
        issue_d = payload.get("issue")
        if isinstance(issue_d, dict) and isinstance(issue_d.get("number"), int) and not (event == "issues" and deleted):
            issue = self._seed_issue(r, issue_d)
            if isinstance(issue_d.get("pull_request"), dict) and issue.pull is None:
                branch = f"pr-{issue.number}"
                if r.branch_sha(branch) is None and r.head:
                    r.refs[f"refs/heads/{branch}"] = r.head
                issue.pull = PullInfo(id=self.sb._new_id("pull"), head_ref=branch, head_sha=r.head or "",
                                      base_ref=r.default_branch, base_sha=r.head or "")
            comment_d = payload.get("comment")
            if isinstance(comment_d, dict) and isinstance(comment_d.get("id"), int) and not deleted:
                c = r.comments.get(comment_d["id"])
                user = self._seed_user(comment_d.get("user")) or self.sb.app_owner
                if c is None:
                    c = self.sb._new_comment(r, issue.number, user, comment_d.get("body") or "", id=comment_d["id"])
                    c.created_at = _ts(comment_d.get("created_at"), c.created_at)
                c.body = comment_d.get("body") or ""
                c.updated_at = _ts(comment_d.get("updated_at"), c.updated_at)
        pr_d = payload.get("pull_request")
        if isinstance(pr_d, dict) and isinstance(pr_d.get("number"), int):
            self._seed_pull(r, pr_d)
        rel_d = payload.get("release")
        if isinstance(rel_d, dict) and isinstance(rel_d.get("id"), int) and not deleted:
            rel = r.releases.get(rel_d["id"])
            if rel is None:
                author = self._seed_user(rel_d.get("author")) or self.sb.app_owner
                target = rel_d.get("target_commitish") or r.default_branch
                if r.resolve(target) is None:
                    target = r.default_branch
                rel = self.sb._new_release(r, author, rel_d.get("tag_name") or f"v{rel_d['id']}", name=rel_d.get("name"),
                                        body=rel_d.get("body"), draft=bool(rel_d.get("draft")),
                                        prerelease=bool(rel_d.get("prerelease")), target=target, id=rel_d["id"])
                rel.created_at = _ts(rel_d.get("created_at"), rel.created_at)
                if rel_d.get("published_at"):
                    rel.published_at = _ts(rel_d.get("published_at"), self.sb.clock())
            rel.body = rel_d.get("body")
            rel.name = rel_d.get("name")
        if event == "push" and isinstance(payload.get("ref"), str) and payload["ref"].startswith("refs/heads/"):
            ref = payload["ref"]
            if not payload.get("deleted"):
                if ref not in r.refs and r.head:
                    r.refs[ref] = r.head
                after = payload.get("after")
                if isinstance(after, str) and after not in r.objects.commits and ref in r.refs:
                    r.sha_alias[after] = r.refs[ref]

    def _seed_pull(self, r: RepoState, d: dict) -> Issue:
        number = d["number"]
        issue = r.issues.get(number)
        head_ref = (d.get("head") or {}).get("ref") or f"pr-{number}"
        base_ref = (d.get("base") or {}).get("ref") or r.default_branch
        if r.branch_sha(base_ref) is None and r.head:
            r.refs[f"refs/heads/{base_ref}"] = r.head
        if r.branch_sha(head_ref) is None and r.head:
            r.refs[f"refs/heads/{head_ref}"] = r.head
        if issue is None:
            user = self._seed_user(d.get("user")) or self.sb.app_owner
            issue = self.sb._new_pull(r, user, d.get("title") or "", d.get("body"), head_ref, base_ref,
                                   draft=bool(d.get("draft")), number=number,
                                   pull_id=d.get("id") if isinstance(d.get("id"), int) else None)
            issue.created_at = _ts(d.get("created_at"), issue.created_at)
        assert issue.pull is not None
        for key in ("head", "base"):
            sha = (d.get(key) or {}).get("sha")
            if isinstance(sha, str) and sha not in r.objects.commits:
                r.sha_alias[sha] = r.branch_sha(head_ref if key == "head" else base_ref) or r.head or ""
        issue.title = d.get("title") or issue.title
        issue.body = d.get("body")
        if d.get("state") == "closed" and issue.state != "closed":
            issue.state = "closed"
            issue.closed_at = _ts(d.get("closed_at"), self.sb.clock())
        if d.get("merged"):
            issue.pull.merged = True
            issue.pull.merged_at = _ts(d.get("merged_at"), self.sb.clock())
            issue.pull.merge_commit_sha = d.get("merge_commit_sha")
            issue.pull.merged_by = self._seed_user(d.get("merged_by"))
        if isinstance(d.get("labels"), list):
            issue.labels = [lb for lb in (self._seed_label(r, x) for x in d["labels"]) if lb is not None]
        return issue

    def _seed_sponsorship(self, d: dict) -> None:
        maintainer = self._seed_user(d.get("sponsorable"))
        sponsor = self._seed_user(d.get("sponsor"))
        if maintainer is None or sponsor is None:
            return
        if any(s.maintainer is maintainer and s.sponsor is sponsor for s in self.sb._sponsorships):
            return
        tier = d.get("tier") or {}
        self.sb._sponsorships.append(Sponsorship(
            id=self.sb._new_id("sponsorship"), maintainer=maintainer, sponsor=sponsor,
            monthly_usd=int(tier.get("monthly_price_in_dollars") or 0), created_at=_ts(d.get("created_at"), self.sb.clock()),
            privacy="PRIVATE" if d.get("privacy_level") == "private" else "PUBLIC",
            one_time=bool(tier.get("is_one_time")), tier_name=tier.get("name")))
