"""In-memory GitHub world: users, repositories (with real git objects), issues, pulls, installations."""

from __future__ import annotations

import base64
import dataclasses
import time
from typing import Any

from .gitobj import ObjectStore

PERMISSION_ROLES = ("admin", "maintain", "write", "triage", "read", "none")


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def node_id(kind: str, ident: int | str) -> str:
    """GitHub's legacy global node id: base64("0<len>:<Type><id>")."""
    return base64.b64encode(f"0{len(kind)}:{kind}{ident}".encode()).decode()


@dataclasses.dataclass(eq=False)
class User:
    login: str
    id: int
    type: str = "User"  # User | Organization | Bot
    site_admin: bool = False
    name: str | None = None
    email: str | None = None
    created_at: float = 0.0
    sponsors_listing: bool = False  # has a GitHub Sponsors profile (GraphQL hasSponsorsListing), sponsored or not

    @property
    def node_id(self) -> str:
        kind = {"Organization": "Organization", "Bot": "Bot"}.get(self.type, "User")
        return node_id(kind, self.id)


@dataclasses.dataclass(eq=False)
class Label:
    id: int
    name: str
    color: str = "ededed"
    description: str | None = None
    default: bool = False


@dataclasses.dataclass(eq=False)
class Reaction:
    id: int
    user: User
    content: str
    created_at: float


@dataclasses.dataclass(eq=False)
class Comment:
    id: int
    issue_number: int
    user: User
    body: str
    created_at: float
    updated_at: float
    reactions: list[Reaction] = dataclasses.field(default_factory=list)
    via_app: bool = False
    order: int = 0  # creation order among comments and issue events (the timeline's order within a second)


@dataclasses.dataclass(eq=False)
class IssueEvent:
    id: int
    event: str  # closed, reopened, labeled, unlabeled, cross-referenced, merged, ...
    actor: User
    created_at: float
    label: Label | None = None
    label_name: str | None = None
    commit_id: str | None = None
    state_reason: str | None = None
    source_number: int | None = None  # cross-referenced: the referencing issue/PR (in source_repo)
    via_app: bool = False
    order: int = 0  # creation order among comments and issue events (the timeline's order within a second)
    source_repo: str | None = None  # cross-referenced from another repository: its full name (None: this one)


@dataclasses.dataclass(eq=False)
class PullInfo:
    id: int
    head_ref: str
    head_sha: str
    base_ref: str
    base_sha: str
    draft: bool = False
    maintainer_can_modify: bool = False
    merged: bool = False
    merged_at: float | None = None
    merged_by: User | None = None
    merge_commit_sha: str | None = None
    # issues linked from the Development sidebar, (owner/repo, number), in order (bot.sandbox.linking)
    linked_issues: list[tuple[str, int]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(eq=False)
class Issue:
    id: int
    number: int
    title: str
    body: str | None
    user: User
    created_at: float
    updated_at: float
    state: str = "open"
    state_reason: str | None = None
    labels: list[Label] = dataclasses.field(default_factory=list)
    assignees: list[User] = dataclasses.field(default_factory=list)
    locked: bool = False
    active_lock_reason: str | None = None
    closed_at: float | None = None
    closed_by: User | None = None
    reactions: list[Reaction] = dataclasses.field(default_factory=list)
    events: list[IssueEvent] = dataclasses.field(default_factory=list)
    pull: PullInfo | None = None
    via_app: bool = False

    @property
    def is_pull(self) -> bool:
        return self.pull is not None

    @property
    def label_names(self) -> list[str]:
        return [label.name for label in self.labels]


@dataclasses.dataclass(eq=False)
class Release:
    id: int
    tag_name: str
    target_commitish: str
    name: str | None
    body: str | None
    draft: bool
    prerelease: bool
    author: User
    created_at: float
    published_at: float | None
    updated_at: float


@dataclasses.dataclass(eq=False)
class CheckRun:
    id: int
    head_sha: str
    name: str
    status: str
    conclusion: str | None
    started_at: float | None
    completed_at: float | None
    external_id: str | None
    details_url: str | None
    output: dict[str, Any]
    annotations: list[dict[str, Any]]
    check_suite_id: int


@dataclasses.dataclass(eq=False)
class RepoState:
    id: int
    name: str
    owner: User
    private: bool
    default_branch: str
    created_at: float
    updated_at: float
    pushed_at: float
    description: str | None = None
    archived: bool = False
    objects: ObjectStore = dataclasses.field(default_factory=ObjectStore)
    refs: dict[str, str] = dataclasses.field(default_factory=dict)  # "refs/heads/main" -> commit sha
    labels: dict[str, Label] = dataclasses.field(default_factory=dict)  # lower-cased name -> label
    issues: dict[int, Issue] = dataclasses.field(default_factory=dict)  # number -> issue (PRs included)
    comments: dict[int, Comment] = dataclasses.field(default_factory=dict)  # comment id -> comment
    releases: dict[int, Release] = dataclasses.field(default_factory=dict)
    check_runs: dict[int, CheckRun] = dataclasses.field(default_factory=dict)
    collaborators: dict[str, str] = dataclasses.field(default_factory=dict)  # login -> role
    sha_alias: dict[str, str] = dataclasses.field(default_factory=dict)  # foreign sha -> local commit
    next_number: int = 1

    # --- convenience for tests -------------------------------------------------------------
    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"

    @property
    def head(self) -> str | None:
        return self.refs.get(f"refs/heads/{self.default_branch}")

    def branch_sha(self, branch: str | None = None) -> str | None:
        return self.refs.get(f"refs/heads/{branch or self.default_branch}")

    def resolve(self, ref: str | None) -> str | None:
        """A commit sha for a branch name, tag, full ref or commit sha (None = default branch)."""
        if not ref:
            return self.head
        for candidate in (ref, f"refs/heads/{ref}", f"refs/tags/{ref}"):
            if candidate in self.refs:
                return self.refs[candidate]
        if ref in self.objects.commits:
            return ref
        if ref in self.sha_alias:
            return self.sha_alias[ref]
        if len(ref) >= 7 and all(c in "0123456789abcdef" for c in ref):
            matches = [s for s in self.objects.commits if s.startswith(ref)]
            if len(matches) == 1:
                return matches[0]
        return None

    def files(self, ref: str | None = None) -> dict[str, bytes]:
        """Every file at a ref (default branch head), ``{path: bytes}``."""
        sha = self.resolve(ref)
        if sha is None:
            return {}
        flat = self.objects.flatten(self.objects.commits[sha].tree)
        return {path: self.objects.blobs.get(blob, b"") for path, (_mode, blob) in flat.items()}

    def file(self, path: str, ref: str | None = None) -> bytes | None:
        sha = self.resolve(ref)
        if sha is None:
            return None
        entry = self.objects.lookup_path(self.objects.commits[sha].tree, path)
        if entry is None or entry.type != "blob":
            return None
        return self.objects.blobs[entry.sha]

    def issue(self, number: int) -> Issue:
        return self.issues[number]

    @property
    def pulls(self) -> list[Issue]:
        return [i for i in self.issues.values() if i.pull is not None]

    def label(self, name: str) -> Label | None:
        return self.labels.get(name.lower())

    def comments_on(self, number: int) -> list[Comment]:
        return sorted((c for c in self.comments.values() if c.issue_number == number), key=lambda c: c.id)

    def branches(self) -> list[str]:
        return [r[len("refs/heads/"):] for r in self.refs if r.startswith("refs/heads/")]


@dataclasses.dataclass(eq=False)
class Installation:
    id: int
    account: User
    repository_selection: str  # all | selected
    repo_ids: set[int]
    permissions: dict[str, str]
    events: list[str]
    created_at: float
    updated_at: float
    suspended_at: float | None = None

    @property
    def node_id(self) -> str:
        return node_id("Installation", self.id)


@dataclasses.dataclass(eq=False)
class Token:
    token: str
    installation_id: int
    expires_at: float
    permissions: dict[str, str]
    repo_ids: set[int] | None  # None = everything the installation covers


@dataclasses.dataclass(eq=False)
class Delivery:
    id: int
    guid: str
    delivered_at: float
    redelivery: bool
    duration: float
    status: str
    status_code: int
    event: str
    action: str | None
    installation_id: int | None
    repository_id: int | None
    request_headers: dict[str, str]
    body: bytes
    response_headers: dict[str, str]
    response_body: str | None
    url: str | None


@dataclasses.dataclass(eq=False)
class Sponsorship:
    id: int
    maintainer: User
    sponsor: User
    monthly_usd: int
    created_at: float
    privacy: str = "PUBLIC"
    one_time: bool = False
    active: bool = True
    tier_name: str | None = None


@dataclasses.dataclass
class Call:
    """One request the sandbox received."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    body: Any
    installation_id: int | None
    auth: str | None  # "jwt" | "token" | None
    ts: float
    operation_id: str | None = None
    faulted: bool = False
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class RateBucket:
    limit: int
    reset: float
    used: int = 0

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)
