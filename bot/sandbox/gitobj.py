"""Git objects computed exactly like git: blobs, trees and commits with SHA-1 ids.

Only what the REST API exposes is modelled: no packs, no tags. Trees are stored as parsed entry lists
next to their canonical serialization, so ids match ``git hash-object`` / ``git write-tree`` output.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping

from bot.core import filediff

EMPTY_TREE_SHA = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

MODE_FILE = "100644"
MODE_EXEC = "100755"
MODE_TREE = "040000"
MODE_SYMLINK = "120000"
MODE_SUBMODULE = "160000"


def git_hash(kind: str, data: bytes) -> str:
    return hashlib.sha1(kind.encode() + b" " + str(len(data)).encode() + b"\0" + data).hexdigest()


@dataclasses.dataclass(frozen=True, slots=True)
class TreeEntry:
    mode: str  # "100644", "100755", "040000", "120000", "160000"
    name: str
    sha: str

    @property
    def type(self) -> str:
        if self.mode == MODE_TREE:
            return "tree"
        if self.mode == MODE_SUBMODULE:
            return "commit"
        return "blob"


@dataclasses.dataclass(frozen=True, slots=True)
class Signature:
    name: str
    email: str
    timestamp: int  # epoch seconds, UTC

    def to_git(self) -> str:
        return f"{self.name} <{self.email}> {self.timestamp} +0000"


@dataclasses.dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    tree: str
    parents: tuple[str, ...]
    author: Signature
    committer: Signature
    message: str


def _tree_sort_key(entry: TreeEntry) -> bytes:
    # git sorts tree entries by name, comparing a directory as if its name ended with "/"
    name = entry.name.encode()
    return name + b"/" if entry.mode == MODE_TREE else name


def serialize_tree(entries: Iterable[TreeEntry]) -> bytes:
    out = bytearray()
    for e in sorted(entries, key=_tree_sort_key):
        mode = "40000" if e.mode == MODE_TREE else e.mode  # git writes trees without the leading zero
        out += mode.encode() + b" " + e.name.encode() + b"\0" + bytes.fromhex(e.sha)
    return bytes(out)


def serialize_commit(tree: str, parents: Iterable[str], author: Signature, committer: Signature,
                     message: str) -> bytes:
    lines = [f"tree {tree}"]
    lines += [f"parent {p}" for p in parents]
    lines.append(f"author {author.to_git()}")
    lines.append(f"committer {committer.to_git()}")
    return ("\n".join(lines) + "\n\n" + message).encode()


class ObjectStore:
    """Content-addressed store of one repository's git objects."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.trees: dict[str, tuple[TreeEntry, ...]] = {EMPTY_TREE_SHA: ()}
        self.commits: dict[str, Commit] = {}

    # --- writing ---------------------------------------------------------------------------
    def put_blob(self, data: bytes) -> str:
        sha = git_hash("blob", data)
        self.blobs[sha] = data
        return sha

    def put_tree(self, entries: Iterable[TreeEntry]) -> str:
        entries = tuple(sorted(entries, key=_tree_sort_key))
        names = [e.name for e in entries]
        if len(set(names)) != len(names):
            raise ValueError("duplicate entry names in tree")
        sha = git_hash("tree", serialize_tree(entries))
        self.trees[sha] = entries
        return sha

    def put_commit(self, tree: str, parents: Iterable[str], author: Signature, committer: Signature,
                   message: str) -> str:
        parents = tuple(parents)
        sha = git_hash("commit", serialize_commit(tree, parents, author, committer, message))
        self.commits[sha] = Commit(sha, tree, parents, author, committer, message)
        return sha

    def kind(self, sha: str) -> str | None:
        if sha in self.blobs:
            return "blob"
        if sha in self.trees:
            return "tree"
        if sha in self.commits:
            return "commit"
        return None

    # --- flat views --------------------------------------------------------------------------
    def flatten(self, tree_sha: str, prefix: str = "") -> dict[str, tuple[str, str]]:
        """All non-tree entries below a tree: ``{path: (mode, sha)}``."""
        out: dict[str, tuple[str, str]] = {}
        for e in self.trees[tree_sha]:
            path = prefix + e.name
            if e.mode == MODE_TREE:
                out.update(self.flatten(e.sha, path + "/"))
            else:
                out[path] = (e.mode, e.sha)
        return out

    def walk(self, tree_sha: str, prefix: str = "") -> list[tuple[str, TreeEntry]]:
        """Every entry below a tree, trees included, in git's order: ``[(path, entry)]``."""
        out: list[tuple[str, TreeEntry]] = []
        for e in self.trees[tree_sha]:
            path = prefix + e.name
            out.append((path, e))
            if e.mode == MODE_TREE:
                out.extend(self.walk(e.sha, path + "/"))
        return out

    def build_tree(self, files: Mapping[str, tuple[str, str]]) -> str:
        """Write the trees for a flat ``{path: (mode, sha)}`` mapping and return the root tree id."""
        clean = {}
        for path, entry in files.items():
            parts = [p for p in path.split("/") if p]
            if not parts:
                raise ValueError(f"bad path {path!r}")
            clean["/".join(parts)] = entry
        root = filediff.nested(clean)

        def write(node: dict) -> str:
            entries = []
            for name, value in node.items():
                if isinstance(value, dict):
                    entries.append(TreeEntry(MODE_TREE, name, write(value)))
                else:
                    entries.append(TreeEntry(value[0], name, value[1]))
            return self.put_tree(entries)

        return write(root)

    def lookup_path(self, tree_sha: str, path: str) -> TreeEntry | None:
        """The entry at ``path`` (``""`` = the root tree itself, as a tree entry)."""
        parts = [p for p in path.split("/") if p]
        if not parts:
            return TreeEntry(MODE_TREE, "", tree_sha)
        entries = self.trees.get(tree_sha, ())
        entry = None
        for i, part in enumerate(parts):
            entry = next((e for e in entries if e.name == part), None)
            if entry is None:
                return None
            if i < len(parts) - 1:
                if entry.mode != MODE_TREE:
                    return None
                entries = self.trees[entry.sha]
        return entry
