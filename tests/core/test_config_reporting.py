"""Issue 3: configuration read from GitHub, reported as a check run, with the last valid config kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.core import config as core
from bot.services import config_loader
from tests.fixtures.bot_fixtures import settle

ROOT = Path(__file__).resolve().parents[2]
REPO = "octo-org/widgets"

VALID = "bounties:\n  deadline_days: 14\n  labels:\n    \"bounty: XL\": 5000\n"
INVALID = "bounties:\n  deadline_days: -3\nbountys: {}\nreleases:\n  footer: maybe\n"



def runs(sandbox, repo=REPO):
    return [r for r in sandbox.repo(repo).check_runs.values() if r.name == "fundbot/config"]


async def test_valid_config_push_gets_a_success_check_run(sandbox, sandbox_repo, sandbox_installation_id, bot):
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": VALID}, message="configure fundbot")
    await settle(sandbox, bot)
    [run] = runs(sandbox)
    assert run.head_sha == sandbox.repo(REPO).head
    assert (run.status, run.conclusion) == ("completed", "success")
    assert run.annotations == []
    assert "14 days" in run.output["summary"] and "bounty: XL" in run.output["summary"]


async def test_invalid_config_push_gets_annotations_at_the_right_lines(sandbox, sandbox_repo, sandbox_installation_id, bot):
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": INVALID})
    await settle(sandbox, bot)
    [run] = runs(sandbox)
    assert run.conclusion == "failure"
    by_line = {(a["start_line"], a.get("start_column"), a["annotation_level"]) for a in run.annotations}
    assert (2, 18, "failure") in by_line  # deadline_days: -3
    assert (3, 1, "warning") in by_line  # bountys: did you mean bounties
    assert (5, 11, "failure") in by_line  # footer: maybe
    assert all(a["path"] == ".github/fundbot.yml" for a in run.annotations)
    assert "keeps using the default settings" in run.output["summary"]
    messages = " ".join(a["message"] for a in run.annotations)
    assert "did you mean `bounties`" in messages


async def test_the_last_valid_config_is_kept_when_a_bad_one_is_pushed(sandbox, sandbox_repo, sandbox_installation_id, bot):
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": VALID})
    await settle(sandbox, bot)
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": INVALID})
    await settle(sandbox, bot)
    first, second = sorted(runs(sandbox), key=lambda r: r.id)
    assert (first.conclusion, second.conclusion) == ("success", "failure")
    assert "keeps using the last valid configuration" in second.output["summary"]
    gh = await bot.service.github.installation(sandbox_installation_id)
    loaded = await config_loader.load(gh, bot.service.ctx, {"full_name": REPO, "id": sandbox.repo(REPO).id})
    assert loaded.fallback == "last valid"
    assert loaded.config.bounties.deadline_days == 14 and "bounty: XL" in loaded.config.bounties.labels
    assert loaded.errors  # and it still says what is wrong


async def test_pushes_that_do_not_touch_the_config_get_no_check_run(sandbox, sandbox_repo, sandbox_installation_id, bot):
    await sandbox.push_files(REPO, "octocat", {"src/app.py": "print('hi')\n"})
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": INVALID}, branch="feature")
    await settle(sandbox, bot)
    assert runs(sandbox) == []


async def test_org_config_applies_and_its_changes_are_reported_on_inheriting_repos(sandbox, sandbox_repo, bot):
    sandbox.add_repo("octo-org/.github", files={"README.md": "org\n"}, owner_type="Organization")
    sandbox.add_repo("octo-org/gadgets", files={"README.md": "g\n"}, owner_type="Organization")
    sandbox.add_repo("octo-org/own", files={".github/fundbot.yml": VALID}, owner_type="Organization")
    iid = sandbox.add_installation("octo-org", repos=[REPO, "octo-org/.github", "octo-org/gadgets", "octo-org/own"])["id"]
    await sandbox.push_files("octo-org/.github", "octocat", {".github/fundbot.yml": INVALID})
    await settle(sandbox, bot)
    assert [r.conclusion for r in runs(sandbox, "octo-org/.github")] == ["failure"]
    for inheriting in (REPO, "octo-org/gadgets"):
        [run] = runs(sandbox, inheriting)
        assert run.conclusion == "failure" and run.head_sha == sandbox.repo(inheriting).head
        assert "organization" in run.output["summary"]
    assert runs(sandbox, "octo-org/own") == []  # has its own file: not affected
    gh = await bot.service.github.installation(iid)
    loaded = await config_loader.load(gh, bot.service.ctx, {"full_name": "octo-org/gadgets", "id": sandbox.repo("octo-org/gadgets").id})
    assert loaded.source == "organization" and loaded.fallback == "defaults"


async def test_extends_chain_is_followed_through_the_api(sandbox, sandbox_repo, sandbox_installation_id, bot):
    sandbox.add_repo("octo-org/shared", files={"fundbot/base.yml": "bounties:\n  deadline_days: 45\n  currency: EUR\n"}, owner_type="Organization")
    sandbox.installation(sandbox_installation_id).repo_ids.add(sandbox.repo("octo-org/shared").id)
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": "_extends: shared:fundbot/base.yml\nbounties:\n  currency: USD\n"})
    await settle(sandbox, bot)
    [run] = runs(sandbox)
    assert run.conclusion == "success", run.output
    gh = await bot.service.github.installation(sandbox_installation_id)
    loaded = await config_loader.load(gh, bot.service.ctx, {"full_name": REPO, "id": sandbox.repo(REPO).id})
    assert loaded.config.bounties.deadline_days == 45 and loaded.config.bounties.currency == "USD"
    # a second load costs no rate limit: every read is answered 304
    before = sandbox.rate_limit_remaining(sandbox_installation_id)
    await config_loader.load(gh, bot.service.ctx, {"full_name": REPO, "id": sandbox.repo(REPO).id})
    assert sandbox.rate_limit_remaining(sandbox_installation_id) == before


def test_check_config_cli(tmp_path):
    bad = tmp_path / "fundbot.yml"
    bad.write_text(INVALID)
    result = subprocess.run([sys.executable, "-m", "bot", "check-config", str(bad)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1
    assert f"{bad}:2:18: error:" in result.stdout and "[out-of-range]" in result.stdout
    good = tmp_path / "good.yml"
    good.write_text(core.onboarding_template())
    result = subprocess.run([sys.executable, "-m", "bot", "check-config", str(good)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0 and "0 error(s), 0 warning(s): valid" in result.stdout


def test_check_funding_cli():
    data = ROOT / "tests" / "data" / "github" / "real-world" / "funding"
    bad = subprocess.run([sys.executable, "-m", "bot", "check-funding", str(data / "0015__ThatProject.yml")], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 1 and ":1:9: error:" in bad.stdout and "[yaml-number]" in bad.stdout
    good = subprocess.run([sys.executable, "-m", "bot", "check-funding", str(data / "vuejs__core.yml")], capture_output=True, text=True, cwd=ROOT)
    assert good.returncode == 0
