"""GitHub's JSON shapes for the sandbox state.

Each object is rendered once in a form that satisfies both the REST description
(``rest-api-subset.json``) and the webhook schema (which forbids unknown keys), unless the function
name says otherwise (``*_rest`` adds REST-only keys).
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from .gitobj import Commit
from .state import (
    CheckRun,
    Comment,
    Installation,
    Issue,
    IssueEvent,
    Label,
    Reaction,
    Release,
    RepoState,
    User,
    iso,
    node_id,
)
from .world import World

WEB = "https://github.com"
REACTION_CONTENTS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")


class Renderer:
    def __init__(self, sandbox: World) -> None:
        self.sb = sandbox
        self._user_cache: dict[tuple, dict[str, Any]] = {}

    @property
    def api(self) -> str:
        return self.sb.api_url

    # --- users, apps, installations -----------------------------------------------------------
    def user(self, u: User) -> dict[str, Any]:
        key = (u.login, u.id, u.type, u.site_admin, self.api)
        cached = self._user_cache.get(key)
        if cached is None:
            cached = self._user_cache[key] = self._user(u)
        return dict(cached)

    def _user(self, u: User) -> dict[str, Any]:
        a, login = self.api, u.login
        path = "orgs" if u.type == "Organization" else "users"
        return {
            "login": login,
            "id": u.id,
            "node_id": u.node_id,
            "avatar_url": f"https://avatars.githubusercontent.com/u/{u.id}?v=4",
            "gravatar_id": "",
            "url": f"{a}/{path}/{quote(login)}",
            "html_url": f"{WEB}/{quote(login)}" if u.type != "Bot" else f"{WEB}/apps/{quote(login.removesuffix('[bot]'))}",
            "followers_url": f"{a}/users/{quote(login)}/followers",
            "following_url": f"{a}/users/{quote(login)}/following{{/other_user}}",
            "gists_url": f"{a}/users/{quote(login)}/gists{{/gist_id}}",
            "starred_url": f"{a}/users/{quote(login)}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{a}/users/{quote(login)}/subscriptions",
            "organizations_url": f"{a}/users/{quote(login)}/orgs",
            "repos_url": f"{a}/users/{quote(login)}/repos",
            "events_url": f"{a}/users/{quote(login)}/events{{/privacy}}",
            "received_events_url": f"{a}/users/{quote(login)}/received_events",
            "type": u.type,
            "site_admin": u.site_admin,
        }

    def public_user(self, u: User) -> dict[str, Any]:
        d = self.user(u)
        d["url"] = f"{self.api}/users/{quote(u.login)}"
        d.update({
            "user_view_type": "public",
            "name": u.name, "company": None, "blog": "", "location": None, "email": u.email,
            "hireable": None, "bio": None, "twitter_username": None,
            "public_repos": sum(1 for r in self.sb._repos.values() if r.owner is u and not r.private),
            "public_gists": 0, "followers": 0, "following": 0,
            "created_at": iso(u.created_at), "updated_at": iso(u.created_at),
        })
        return d

    def organization(self, u: User) -> dict[str, Any]:
        a, login = self.api, quote(u.login)
        return {
            "login": u.login, "id": u.id, "node_id": u.node_id,
            "url": f"{a}/orgs/{login}", "repos_url": f"{a}/orgs/{login}/repos",
            "events_url": f"{a}/orgs/{login}/events", "hooks_url": f"{a}/orgs/{login}/hooks",
            "issues_url": f"{a}/orgs/{login}/issues",
            "members_url": f"{a}/orgs/{login}/members{{/member}}",
            "public_members_url": f"{a}/orgs/{login}/public_members{{/member}}",
            "avatar_url": f"https://avatars.githubusercontent.com/u/{u.id}?v=4",
            "description": None,
        }

    def app(self, *, rest: bool = False) -> dict[str, Any]:
        sb = self.sb
        d = {
            "id": sb.app_id,
            "slug": sb.app_slug,
            "node_id": node_id("Integration", sb.app_id),
            "owner": self.user(sb.app_owner),
            "name": sb.app_name,
            "description": "fundbot sandbox app",
            "external_url": "https://example.org/fundbot",
            "html_url": f"{WEB}/apps/{sb.app_slug}",
            "created_at": iso(sb.created_at),
            "updated_at": iso(sb.created_at),
            "permissions": dict(sb.app_permissions),
            "events": list(sb.app_events),
        }
        if rest:
            d["client_id"] = f"Iv1.{sb.app_id:016x}"
            d["installations_count"] = len(sb._installations)
        return d

    def installation(self, inst: Installation, *, rest: bool = True) -> dict[str, Any]:
        a = self.api
        d = {
            "id": inst.id,
            "account": self.user(inst.account),
            "repository_selection": inst.repository_selection,
            "access_tokens_url": f"{a}/app/installations/{inst.id}/access_tokens",
            "repositories_url": f"{a}/installation/repositories",
            "html_url": (f"{WEB}/organizations/{quote(inst.account.login)}/settings/installations/{inst.id}"
                         if inst.account.type == "Organization" else f"{WEB}/settings/installations/{inst.id}"),
            "app_id": self.sb.app_id,
            "app_slug": self.sb.app_slug,
            "target_id": inst.account.id,
            "target_type": "Organization" if inst.account.type == "Organization" else "User",
            "permissions": dict(inst.permissions),
            "events": list(inst.events),
            "created_at": iso(inst.created_at),
            "updated_at": iso(inst.updated_at),
            "single_file_name": None,
            "has_multiple_single_files": False,
            "single_file_paths": [],
            "suspended_by": None,
            "suspended_at": iso(inst.suspended_at) if inst.suspended_at else None,
        }
        if rest:
            d["client_id"] = f"Iv1.{self.sb.app_id:016x}"
        return d

    def installation_lite(self, inst: Installation) -> dict[str, Any]:
        return {"id": inst.id, "node_id": inst.node_id}

    # --- repositories -------------------------------------------------------------------------
    def repo(self, r: RepoState, *, full: bool = False) -> dict[str, Any]:
        a, fn = self.api, r.full_name
        ra = f"{a}/repos/{fn}"
        d = {
            "id": r.id, "node_id": node_id("Repository", r.id), "name": r.name, "full_name": fn,
            "private": r.private, "owner": self.user(r.owner), "html_url": f"{WEB}/{fn}",
            "description": r.description, "fork": False, "url": ra,
            "forks_url": f"{ra}/forks", "keys_url": f"{ra}/keys{{/key_id}}",
            "collaborators_url": f"{ra}/collaborators{{/collaborator}}", "teams_url": f"{ra}/teams",
            "hooks_url": f"{ra}/hooks", "issue_events_url": f"{ra}/issues/events{{/number}}",
            "events_url": f"{ra}/events", "assignees_url": f"{ra}/assignees{{/user}}",
            "branches_url": f"{ra}/branches{{/branch}}", "tags_url": f"{ra}/tags",
            "blobs_url": f"{ra}/git/blobs{{/sha}}", "git_tags_url": f"{ra}/git/tags{{/sha}}",
            "git_refs_url": f"{ra}/git/refs{{/sha}}", "trees_url": f"{ra}/git/trees{{/sha}}",
            "statuses_url": f"{ra}/statuses/{{sha}}", "languages_url": f"{ra}/languages",
            "stargazers_url": f"{ra}/stargazers", "contributors_url": f"{ra}/contributors",
            "subscribers_url": f"{ra}/subscribers", "subscription_url": f"{ra}/subscription",
            "commits_url": f"{ra}/commits{{/sha}}", "git_commits_url": f"{ra}/git/commits{{/sha}}",
            "comments_url": f"{ra}/comments{{/number}}", "issue_comment_url": f"{ra}/issues/comments{{/number}}",
            "contents_url": f"{ra}/contents/{{+path}}", "compare_url": f"{ra}/compare/{{base}}...{{head}}",
            "merges_url": f"{ra}/merges", "archive_url": f"{ra}/{{archive_format}}{{/ref}}",
            "downloads_url": f"{ra}/downloads", "issues_url": f"{ra}/issues{{/number}}",
            "pulls_url": f"{ra}/pulls{{/number}}", "milestones_url": f"{ra}/milestones{{/number}}",
            "notifications_url": f"{ra}/notifications{{?since,all,participating}}",
            "labels_url": f"{ra}/labels{{/name}}", "releases_url": f"{ra}/releases{{/id}}",
            "deployments_url": f"{ra}/deployments",
            "created_at": iso(r.created_at), "updated_at": iso(r.updated_at), "pushed_at": iso(r.pushed_at),
            "git_url": f"git://github.com/{fn}.git", "ssh_url": f"git@github.com:{fn}.git",
            "clone_url": f"{WEB}/{fn}.git", "svn_url": f"{WEB}/{fn}", "homepage": None,
            "size": sum(len(b) for b in r.objects.blobs.values()) // 1024,
            "stargazers_count": 0, "watchers_count": 0, "language": None,
            "has_issues": True, "has_projects": True, "has_downloads": True, "has_wiki": True,
            "has_pages": False, "has_discussions": False, "forks_count": 0, "mirror_url": None,
            "archived": r.archived, "disabled": False,
            "open_issues_count": sum(1 for i in r.issues.values() if i.state == "open"),
            "license": None, "allow_forking": True, "is_template": False,
            "web_commit_signoff_required": False, "topics": [],
            "visibility": "private" if r.private else "public",
            "forks": 0, "open_issues": sum(1 for i in r.issues.values() if i.state == "open"),
            "watchers": 0, "default_branch": r.default_branch, "custom_properties": {},
        }
        if full:
            d["network_count"] = 0
            d["subscribers_count"] = 0
            d["temp_clone_token"] = None
            if r.owner.type == "Organization":
                d["organization"] = self.user(r.owner)
        return d

    def repo_mini(self, r: RepoState) -> dict[str, Any]:
        return {"id": r.id, "node_id": node_id("Repository", r.id), "name": r.name,
                "full_name": r.full_name, "private": r.private}

    # --- labels, reactions, comments, issues ---------------------------------------------------
    def label(self, r: RepoState, lb: Label) -> dict[str, Any]:
        return {
            "id": lb.id, "node_id": node_id("Label", lb.id),
            "url": f"{self.api}/repos/{r.full_name}/labels/{quote(lb.name, safe='')}",
            "name": lb.name, "color": lb.color, "default": lb.default, "description": lb.description,
        }

    def reaction_rollup(self, url: str, reactions: list[Reaction]) -> dict[str, Any]:
        d: dict[str, Any] = {"url": url, "total_count": len(reactions)}
        for c in REACTION_CONTENTS:
            d[c] = sum(1 for x in reactions if x.content == c)
        return d

    def reaction(self, x: Reaction) -> dict[str, Any]:
        return {"id": x.id, "node_id": node_id("Reaction", x.id), "user": self.user(x.user),
                "content": x.content, "created_at": iso(x.created_at)}

    def author_association(self, r: RepoState, u: User) -> str:
        if u is r.owner:
            return "OWNER"
        role = r.collaborators.get(u.login)
        if role and role != "none":
            return "MEMBER" if r.owner.type == "Organization" else "COLLABORATOR"
        # "Author has previously committed to the repository" (GraphQL CommentAuthorAssociation): a commit on
        # the default branch authored with their address
        email = u.email or f"{u.id}+{u.login}@users.noreply.github.com"
        if any(r.objects.commits[sha].author.email == email for sha in self.sb._ancestors(r, r.branch_sha(r.default_branch))
               if sha in r.objects.commits):
            return "CONTRIBUTOR"
        return "NONE"

    def comment(self, r: RepoState, c: Comment) -> dict[str, Any]:
        ra = f"{self.api}/repos/{r.full_name}"
        return {
            "url": f"{ra}/issues/comments/{c.id}",
            "html_url": f"{WEB}/{r.full_name}/issues/{c.issue_number}#issuecomment-{c.id}",
            "issue_url": f"{ra}/issues/{c.issue_number}",
            "id": c.id, "node_id": node_id("IssueComment", c.id), "user": self.user(c.user),
            "created_at": iso(c.created_at), "updated_at": iso(c.updated_at),
            "author_association": self.author_association(r, c.user),
            "body": c.body,
            "reactions": self.reaction_rollup(f"{ra}/issues/comments/{c.id}/reactions", c.reactions),
            "performed_via_github_app": self.app() if c.via_app else None,
        }

    def issue(self, r: RepoState, i: Issue) -> dict[str, Any]:
        ra = f"{self.api}/repos/{r.full_name}"
        kind = "pull" if i.pull else "issues"
        d = {
            "url": f"{ra}/issues/{i.number}", "repository_url": ra,
            "labels_url": f"{ra}/issues/{i.number}/labels{{/name}}",
            "comments_url": f"{ra}/issues/{i.number}/comments", "events_url": f"{ra}/issues/{i.number}/events",
            "html_url": f"{WEB}/{r.full_name}/{kind}/{i.number}",
            "id": i.id, "node_id": node_id("PullRequest" if i.pull else "Issue", i.id), "number": i.number,
            "title": i.title, "user": self.user(i.user),
            "labels": [self.label(r, lb) for lb in i.labels],
            "state": i.state, "locked": i.locked,
            "assignee": self.user(i.assignees[0]) if i.assignees else None,
            "assignees": [self.user(u) for u in i.assignees], "milestone": None,
            "comments": sum(1 for c in r.comments.values() if c.issue_number == i.number),
            "created_at": iso(i.created_at), "updated_at": iso(i.updated_at),
            "closed_at": iso(i.closed_at) if i.closed_at else None,
            "author_association": self.author_association(r, i.user),
            "active_lock_reason": i.active_lock_reason,
            "body": i.body,
            "reactions": self.reaction_rollup(f"{ra}/issues/{i.number}/reactions", i.reactions),
            "timeline_url": f"{ra}/issues/{i.number}/timeline",
            "performed_via_github_app": self.app() if i.via_app else None,
            "state_reason": i.state_reason,
        }
        if i.pull:
            d["draft"] = i.pull.draft
            d["pull_request"] = {
                "url": f"{ra}/pulls/{i.number}", "html_url": f"{WEB}/{r.full_name}/pull/{i.number}",
                "diff_url": f"{WEB}/{r.full_name}/pull/{i.number}.diff",
                "patch_url": f"{WEB}/{r.full_name}/pull/{i.number}.patch",
                "merged_at": iso(i.pull.merged_at) if i.pull.merged_at else None,
            }
        return d

    # --- pulls ---------------------------------------------------------------------------------
    def pull(self, r: RepoState, i: Issue) -> dict[str, Any]:
        p = i.pull
        assert p is not None
        ra = f"{self.api}/repos/{r.full_name}"
        html = f"{WEB}/{r.full_name}/pull/{i.number}"
        head_sha = r.branch_sha(p.head_ref) if (i.state == "open" and not p.merged) else None
        head_sha = head_sha or p.head_sha
        base_sha = r.branch_sha(p.base_ref) if i.state == "open" else None
        base_sha = base_sha or p.base_sha
        stats = self.sb._diff_stats(r, base_sha, head_sha)
        ncommits = self.sb._count_commits(r, base_sha, head_sha)
        owner = r.owner.login
        return {
            "url": f"{ra}/pulls/{i.number}", "id": p.id, "node_id": node_id("PullRequest", p.id),
            "html_url": html, "diff_url": html + ".diff", "patch_url": html + ".patch",
            "issue_url": f"{ra}/issues/{i.number}", "number": i.number, "state": i.state,
            "locked": i.locked, "title": i.title, "user": self.user(i.user), "body": i.body,
            "created_at": iso(i.created_at), "updated_at": iso(i.updated_at),
            "closed_at": iso(i.closed_at) if i.closed_at else None,
            "merged_at": iso(p.merged_at) if p.merged_at else None,
            "merge_commit_sha": p.merge_commit_sha,
            "assignee": self.user(i.assignees[0]) if i.assignees else None,
            "assignees": [self.user(u) for u in i.assignees],
            "requested_reviewers": [], "requested_teams": [],
            "labels": [self.label(r, lb) for lb in i.labels], "milestone": None,
            "commits_url": f"{ra}/pulls/{i.number}/commits",
            "review_comments_url": f"{ra}/pulls/{i.number}/comments",
            "review_comment_url": f"{ra}/pulls/comments{{/number}}",
            "comments_url": f"{ra}/issues/{i.number}/comments",
            "statuses_url": f"{ra}/statuses/{head_sha}",
            "head": {"label": f"{owner}:{p.head_ref}", "ref": p.head_ref, "sha": head_sha,
                     "user": self.user(r.owner), "repo": self.repo(r)},
            "base": {"label": f"{owner}:{p.base_ref}", "ref": p.base_ref, "sha": base_sha,
                     "user": self.user(r.owner), "repo": self.repo(r)},
            "_links": {
                "self": {"href": f"{ra}/pulls/{i.number}"}, "html": {"href": html},
                "issue": {"href": f"{ra}/issues/{i.number}"},
                "comments": {"href": f"{ra}/issues/{i.number}/comments"},
                "review_comments": {"href": f"{ra}/pulls/{i.number}/comments"},
                "review_comment": {"href": f"{ra}/pulls/comments{{/number}}"},
                "commits": {"href": f"{ra}/pulls/{i.number}/commits"},
                "statuses": {"href": f"{ra}/statuses/{head_sha}"},
            },
            "author_association": self.author_association(r, i.user),
            "auto_merge": None, "active_lock_reason": i.active_lock_reason, "draft": p.draft,
            "merged": p.merged, "mergeable": None if p.merged else True, "rebaseable": None if p.merged else True,
            "mergeable_state": "unknown" if p.merged else "clean",
            "merged_by": self.user(p.merged_by) if p.merged_by else None,
            "comments": sum(1 for c in r.comments.values() if c.issue_number == i.number),
            "review_comments": 0, "maintainer_can_modify": p.maintainer_can_modify,
            "commits": ncommits, "additions": stats[0], "deletions": stats[1], "changed_files": stats[2],
        }

    # --- releases, check runs -----------------------------------------------------------------
    def release(self, r: RepoState, rel: Release, *, rest: bool = True) -> dict[str, Any]:
        ra = f"{self.api}/repos/{r.full_name}"
        tag = quote(rel.tag_name, safe="")
        html = (f"{WEB}/{r.full_name}/releases/tag/{tag}" if not rel.draft
                else f"{WEB}/{r.full_name}/releases/tag/untagged-{rel.id:x}")
        d = {
            "url": f"{ra}/releases/{rel.id}", "assets_url": f"{ra}/releases/{rel.id}/assets",
            "upload_url": f"https://uploads.github.com/repos/{r.full_name}/releases/{rel.id}/assets{{?name,label}}",
            "html_url": html, "id": rel.id, "node_id": node_id("Release", rel.id),
            "tag_name": rel.tag_name, "target_commitish": rel.target_commitish,
            "name": rel.name if (rest or rel.name is not None) else "",
            "draft": rel.draft, "author": self.user(rel.author), "prerelease": rel.prerelease,
            "created_at": iso(rel.created_at),
            "published_at": iso(rel.published_at) if rel.published_at else None,
            "assets": [],
            "tarball_url": f"{ra}/tarball/{tag}", "zipball_url": f"{ra}/zipball/{tag}",
            "body": rel.body if (rest or rel.body is not None) else "",
        }
        if rest:
            d["updated_at"] = iso(rel.updated_at)
            d["mentions_count"] = 0
        return d

    def check_run(self, r: RepoState, cr: CheckRun) -> dict[str, Any]:
        ra = f"{self.api}/repos/{r.full_name}"
        return {
            "id": cr.id, "head_sha": cr.head_sha, "node_id": node_id("CheckRun", cr.id),
            "external_id": cr.external_id, "url": f"{ra}/check-runs/{cr.id}",
            "html_url": f"{WEB}/{r.full_name}/runs/{cr.id}", "details_url": cr.details_url or f"{WEB}/{r.full_name}/runs/{cr.id}",
            "status": cr.status, "conclusion": cr.conclusion,
            "started_at": iso(cr.started_at) if cr.started_at else None,
            "completed_at": iso(cr.completed_at) if cr.completed_at else None,
            "output": {
                "title": cr.output.get("title"), "summary": cr.output.get("summary"),
                "text": cr.output.get("text"), "annotations_count": len(cr.annotations),
                "annotations_url": f"{ra}/check-runs/{cr.id}/annotations",
            },
            "name": cr.name, "check_suite": {"id": cr.check_suite_id}, "app": self.app(rest=True),
            "pull_requests": [],
        }

    # --- git -------------------------------------------------------------------------------------
    def git_ref(self, r: RepoState, ref: str) -> dict[str, Any]:
        sha = r.refs[ref]
        kind = r.objects.kind(sha) or "commit"
        return {
            "ref": ref, "node_id": node_id("Ref", f"{r.id}:{ref}"),
            "url": f"{self.api}/repos/{r.full_name}/git/{quote(ref)}",
            "object": {"type": kind, "sha": sha, "url": f"{self.api}/repos/{r.full_name}/git/{kind}s/{sha}"},
        }

    def git_tree(self, r: RepoState, sha: str, *, recursive: bool = False) -> dict[str, Any]:
        ra = f"{self.api}/repos/{r.full_name}"
        items = r.objects.walk(sha) if recursive else [(e.name, e) for e in r.objects.trees[sha]]
        tree = []
        for path, e in items:
            item = {"path": path, "mode": e.mode, "type": e.type, "sha": e.sha}
            if e.type == "blob":
                item["size"] = len(r.objects.blobs.get(e.sha, b""))
                item["url"] = f"{ra}/git/blobs/{e.sha}"
            elif e.type == "tree":
                item["url"] = f"{ra}/git/trees/{e.sha}"
            tree.append(item)
        return {"sha": sha, "url": f"{ra}/git/trees/{sha}", "tree": tree, "truncated": False}

    def _verification(self) -> dict[str, Any]:
        return {"verified": False, "reason": "unsigned", "signature": None, "payload": None, "verified_at": None}

    def git_commit(self, r: RepoState, c: Commit) -> dict[str, Any]:
        ra = f"{self.api}/repos/{r.full_name}"
        return {
            "sha": c.sha, "node_id": node_id("Commit", c.sha[:12]), "url": f"{ra}/git/commits/{c.sha}",
            "html_url": f"{WEB}/{r.full_name}/commit/{c.sha}",
            "author": {"name": c.author.name, "email": c.author.email, "date": iso(c.author.timestamp)},
            "committer": {"name": c.committer.name, "email": c.committer.email, "date": iso(c.committer.timestamp)},
            "tree": {"sha": c.tree, "url": f"{ra}/git/trees/{c.tree}"},
            "message": c.message,
            "parents": [{"sha": p, "url": f"{ra}/git/commits/{p}", "html_url": f"{WEB}/{r.full_name}/commit/{p}"}
                        for p in c.parents],
            "verification": self._verification(),
        }

    def commit(self, r: RepoState, c: Commit) -> dict[str, Any]:
        """The ``commit`` schema (branches, commits API)."""
        ra = f"{self.api}/repos/{r.full_name}"
        author = self.sb._user_by_email(c.author.email)
        committer = self.sb._user_by_email(c.committer.email)
        return {
            "url": f"{ra}/commits/{c.sha}", "sha": c.sha, "node_id": node_id("Commit", c.sha[:12]),
            "html_url": f"{WEB}/{r.full_name}/commit/{c.sha}", "comments_url": f"{ra}/commits/{c.sha}/comments",
            "commit": {
                "url": f"{ra}/git/commits/{c.sha}",
                "author": {"name": c.author.name, "email": c.author.email, "date": iso(c.author.timestamp)},
                "committer": {"name": c.committer.name, "email": c.committer.email, "date": iso(c.committer.timestamp)},
                "message": c.message, "comment_count": 0,
                "tree": {"sha": c.tree, "url": f"{ra}/git/trees/{c.tree}"},
                "verification": self._verification(),
            },
            "author": self.user(author) if author else {},
            "committer": self.user(committer) if committer else {},
            "parents": [{"sha": p, "url": f"{ra}/commits/{p}", "html_url": f"{WEB}/{r.full_name}/commit/{p}"}
                        for p in c.parents],
        }

    def content_item(self, r: RepoState, path: str, kind: str, sha: str, size: int, ref: str) -> dict[str, Any]:
        ra = f"{self.api}/repos/{r.full_name}"
        qpath = quote(path)
        name = path.rsplit("/", 1)[-1]
        self_url = f"{ra}/contents/{qpath}?ref={quote(ref, safe='')}"
        git_url = f"{ra}/git/{'trees' if kind == 'dir' else 'blobs'}/{sha}"
        html_url = f"{WEB}/{r.full_name}/{'tree' if kind == 'dir' else 'blob'}/{quote(ref)}/{qpath}"
        return {
            "name": name, "path": path, "sha": sha, "size": size, "url": self_url, "html_url": html_url,
            "git_url": git_url,
            "download_url": None if kind == "dir" else f"https://raw.githubusercontent.com/{r.full_name}/{quote(ref)}/{qpath}",
            "type": kind, "_links": {"self": self_url, "git": git_url, "html": html_url},
        }

    def content_file(self, r: RepoState, path: str, sha: str, data: bytes, ref: str) -> dict[str, Any]:
        d = self.content_item(r, path, "file", sha, len(data), ref)
        b64 = base64.b64encode(data).decode()
        d["content"] = "".join(b64[i:i + 60] + "\n" for i in range(0, len(b64), 60))
        d["encoding"] = "base64"
        return d

    # --- issue events / timeline ----------------------------------------------------------------
    def issue_event(self, r: RepoState, i: Issue, ev: IssueEvent) -> dict[str, Any]:
        ra = f"{self.api}/repos/{r.full_name}"
        d: dict[str, Any] = {
            "id": ev.id, "node_id": node_id("IssueEvent", ev.id), "url": f"{ra}/issues/events/{ev.id}",
            "actor": self.user(ev.actor), "event": ev.event,
            "commit_id": ev.commit_id, "commit_url": f"{ra}/commits/{ev.commit_id}" if ev.commit_id else None,
            "created_at": iso(ev.created_at),
            "performed_via_github_app": self.app(rest=True) if ev.via_app else None,
        }
        if ev.event in ("labeled", "unlabeled"):
            color = ev.label.color if ev.label else "ededed"
            d["label"] = {"name": ev.label_name or (ev.label.name if ev.label else ""), "color": color}
        if ev.event in ("closed", "reopened"):
            d["state_reason"] = ev.state_reason
        return d

    def timeline_item(self, r: RepoState, i: Issue, ev: IssueEvent) -> dict[str, Any]:
        if ev.event == "cross-referenced":
            sr = self.sb._repo(ev.source_repo) if ev.source_repo else r
            src = sr.issues.get(ev.source_number or 0)
            return {
                "event": "cross-referenced", "actor": self.user(ev.actor),
                "created_at": iso(ev.created_at), "updated_at": iso(ev.created_at),
                "source": {"type": "issue", "issue": self.issue(sr, src) | {"repository": self.repo(sr)}
                           if src else None},
            }
        return self.issue_event(r, i, ev)

    def timeline_comment(self, r: RepoState, c: Comment) -> dict[str, Any]:
        d = self.comment(r, c)
        d["event"] = "commented"
        d["actor"] = self.user(c.user)
        return d

