"""Pure helpers for writing generated files: which paths really change, and the git ids they produce.

No I/O. ``bot.writer`` reads a repository, calls these, and writes what they return.

* ``changed_paths`` compares desired contents with current contents (``None`` desired = leave alone).
* ``blob_sha`` / ``tree_sha`` compute git object ids exactly like ``git hash-object`` / ``git write-tree``,
  so the writer can tell whether a branch already holds the tree it would build without writing anything.
* ``tree_entries`` builds the ``tree`` list of ``POST /repos/{owner}/{repo}/git/trees``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

MODE_FILE = "100644"
MODE_EXEC = "100755"
MODE_SYMLINK = "120000"
MODE_SUBMODULE = "160000"
MODE_TREE = "040000"
LEAF_MODES = frozenset({MODE_FILE, MODE_EXEC, MODE_SYMLINK, MODE_SUBMODULE})


def normalize_path(path: str) -> str:
    """``path`` without leading/trailing slashes; rejects empty, ``.`` and ``..`` segments."""
    parts = path.strip("/").split("/")
    if not path.strip("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"bad repository path {path!r}")
    return "/".join(parts)


def git_hash(kind: str, data: bytes) -> str:
    return hashlib.sha1(kind.encode() + b" " + str(len(data)).encode() + b"\0" + data).hexdigest()


def blob_sha(data: bytes) -> str:
    """The git id of a blob holding ``data`` (``git hash-object``)."""
    return git_hash("blob", data)


def changed_paths(current: Mapping[str, bytes | None], desired: Mapping[str, bytes | None]) -> dict[str, bytes]:
    """``{path: new content}`` for every path whose desired content is not None and differs from the current
    content (None current = the file is missing). Comparison is byte for byte: a changed line ending or BOM
    is a change."""
    out: dict[str, bytes] = {}
    for path, want in desired.items():
        if want is None:
            continue
        if current.get(path) != want:
            out[path] = bytes(want)
    return out


def conflicting_path(flat: Mapping[str, tuple[str, str]], path: str) -> str | None:
    """A reason why a regular file cannot be written at ``path`` given the tree's leaf entries
    (``{path: (mode, sha)}``), or None. A leaf above it (``.github`` is a file) or below it (``path`` is
    a directory) would need a deletion the writer never makes."""
    parts = path.split("/")
    for i in range(1, len(parts)):
        prefix = "/".join(parts[:i])
        if prefix in flat:
            return f"{prefix} is not a directory"
    below = path + "/"
    if any(p.startswith(below) for p in flat):
        return f"{path} is a directory"
    entry = flat.get(path)
    if entry is not None and entry[0] not in (MODE_FILE, MODE_EXEC):
        return f"{path} is a {'symlink' if entry[0] == MODE_SYMLINK else 'submodule'}"
    return None


def apply_changes(flat: Mapping[str, tuple[str, str]], changes: Mapping[str, bytes]) -> dict[str, tuple[str, str]]:
    """The leaf entries after writing ``changes`` (existing files keep their mode, new ones are 100644)."""
    out = dict(flat)
    for path, data in changes.items():
        mode = flat[path][0] if path in flat else MODE_FILE
        out[path] = (mode, blob_sha(data))
    return out


def tree_sha(flat: Mapping[str, tuple[str, str]]) -> str:
    """The git id of the root tree holding the leaf entries ``{path: (mode, sha)}`` (what ``git write-tree``
    prints). Modes are git's (``100644``, ``100755``, ``120000``, ``160000``)."""
    def write(node: dict) -> str:
        entries: list[tuple[bytes, bytes]] = []
        for name, value in node.items():
            raw = name.encode()
            if isinstance(value, dict):
                # git sorts a directory as if its name ended with "/"; its mode is written as "40000"
                entries.append((raw + b"/", b"40000 " + raw + b"\0" + bytes.fromhex(write(value))))
            else:
                entries.append((raw, value[0].encode() + b" " + raw + b"\0" + bytes.fromhex(value[1])))
        entries.sort(key=lambda e: e[0])
        return git_hash("tree", b"".join(e[1] for e in entries))

    return write(nested(flat))


def nested(flat: Mapping[str, tuple[str, str]]) -> dict:
    """The leaf entries ``{path: (mode, sha)}`` as nested directories: ``{name: {...} | (mode, sha)}``.
    A path through a file, or a file where a directory is, is a ValueError."""
    root: dict = {}
    for path, (mode, sha) in flat.items():
        parts = path.split("/")
        node = root
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ValueError(f"{path!r}: {part!r} is not a directory")
            node = child
        if isinstance(node.get(parts[-1]), dict):
            raise ValueError(f"{path!r} is a directory")
        node[parts[-1]] = (mode, sha)
    return root


def flat_from_listing(items: list[dict]) -> dict[str, tuple[str, str]]:
    """Leaf entries ``{path: (mode, sha)}`` from the ``tree`` list of ``GET git/trees/{sha}?recursive=1``."""
    return {
        item["path"]: (item["mode"], item["sha"])
        for item in items
        if item.get("type") in ("blob", "commit") and item.get("mode") in LEAF_MODES
    }


def tree_entries(changes: Mapping[str, bytes], blob_shas: Mapping[str, str],
                 flat: Mapping[str, tuple[str, str]]) -> list[dict]:
    """The ``tree`` parameter of ``POST git/trees`` (with ``base_tree``) writing ``changes``: one blob entry
    per path, sorted, existing files keeping their mode."""
    return [
        {"path": path, "mode": flat[path][0] if path in flat else MODE_FILE, "type": "blob", "sha": blob_shas[path]}
        for path in sorted(changes)
    ]
