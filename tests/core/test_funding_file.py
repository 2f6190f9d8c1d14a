"""Issue 4: a push that changes FUNDING.yml gets a `fundbot/funding` check run with one annotation per problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.bot_fixtures import settle

REPO = "octo-org/widgets"
REALWORLD = Path(__file__).parents[1] / "data" / "github" / "real-world" / "funding"



def runs(sandbox):
    return [r for r in sandbox.repo(REPO).check_runs.values() if r.name == "fundbot/funding"]


async def test_valid_funding_file_gets_a_success_run_listing_the_links(sandbox, sandbox_repo, sandbox_installation_id, bot):
    await sandbox.push_files(REPO, "octocat", {".github/FUNDING.yml": "github: [octocat]\nko_fi: widgets\n"})
    await settle(sandbox, bot)
    [run] = runs(sandbox)
    assert run.conclusion == "success" and run.head_sha == sandbox.repo(REPO).head
    assert "https://ko-fi.com/widgets" in run.output["summary"]


@pytest.mark.parametrize(("name", "line", "column", "code"), [
    ("0015__ThatProject.yml", 1, 9, "yaml-number"),
    ("archledger__irlume.yml", None, None, "unknown-key"),
    ("ohmyzsh__ohmyzsh.yml", None, None, "too-many"),
])
async def test_real_world_problems_become_annotations(sandbox, sandbox_repo, sandbox_installation_id, bot, name, line, column, code):
    await sandbox.push_files(REPO, "octocat", {".github/FUNDING.yml": (REALWORLD / name).read_bytes()})
    await settle(sandbox, bot)
    [run] = runs(sandbox)
    assert run.conclusion == "failure"
    hits = [a for a in run.annotations if f"[{code}]" in a["title"]]
    assert hits and all(a["path"] == ".github/FUNDING.yml" and a["annotation_level"] == "failure" for a in hits)
    if line is not None:
        assert (hits[0]["start_line"], hits[0]["start_column"]) == (line, column)


async def test_other_pushes_get_no_funding_check(sandbox, sandbox_repo, sandbox_installation_id, bot):
    await sandbox.push_files(REPO, "octocat", {"docs/index.md": "# docs\n"})
    await sandbox.push_files(REPO, "octocat", {".github/FUNDING.yml": "github: 0326\n"}, branch="wip")
    await settle(sandbox, bot)
    assert runs(sandbox) == []
