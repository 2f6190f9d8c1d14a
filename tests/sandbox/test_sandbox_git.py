"""The sandbox's git objects have the ids real git computes."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.sandbox.gitobj import EMPTY_TREE_SHA, ObjectStore, Signature, git_hash

names = st.text(alphabet="abcXYZ019-_.", min_size=1, max_size=6).filter(lambda s: s not in (".", ".."))
paths = st.lists(names, min_size=1, max_size=3).map("/".join)
file_maps = st.dictionaries(paths, st.binary(max_size=40), min_size=1, max_size=8)


def _consistent(files: dict[str, bytes]) -> bool:
    """No path is both a file and a directory."""
    return not any(other.startswith(p + "/") for p in files for other in files)


@settings(max_examples=60, deadline=None)
@given(file_maps.filter(_consistent))
def test_tree_round_trip_and_order_independence(files):
    store = ObjectStore()
    flat = {p: ("100644", store.put_blob(b)) for p, b in files.items()}
    tree = store.build_tree(flat)
    assert store.flatten(tree) == flat
    again = ObjectStore().build_tree(dict(reversed(list(flat.items()))))
    assert again == tree
    for p, data in files.items():
        entry = store.lookup_path(tree, p)
        assert entry is not None and store.blobs[entry.sha] == data


def test_known_ids():
    assert git_hash("blob", b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    assert git_hash("blob", b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"
    assert ObjectStore().build_tree({}) == EMPTY_TREE_SHA


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_same_ids_as_git(tmp_path):
    files = {"README.md": b"# hi\n", "a/b.txt": b"b\n", "a-b": b"x", "a.c": b"y", "z/y/x": b""}
    store = ObjectStore()
    tree = store.build_tree({p: ("100644", store.put_blob(b)) for p, b in files.items()})
    sha = store.put_commit(tree, [], Signature("A U", "a@example.org", 1700000000),
                           Signature("C O", "c@example.org", 1700000060), "message\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "A U", "GIT_AUTHOR_EMAIL": "a@example.org",
           "GIT_AUTHOR_DATE": "1700000000 +0000", "GIT_COMMITTER_NAME": "C O",
           "GIT_COMMITTER_EMAIL": "c@example.org", "GIT_COMMITTER_DATE": "1700000060 +0000",
           "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp_path)}

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=tmp_path, env=env, check=True, capture_output=True,
                              text=True).stdout.strip()

    git("init", "-q")
    for p, b in files.items():
        (tmp_path / p).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / p).write_bytes(b)
    git("add", "-A")
    assert git("write-tree") == tree
    assert git("commit-tree", tree, "-m", "message") == sha
