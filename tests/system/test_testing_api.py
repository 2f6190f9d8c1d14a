"""Issue 11.7: ``bot.testing``, the public testing API, used the way a maintainer would use it.

* A maintainer's scenario through the public names only: a ``fundbot.yml`` with its own bounty label, an
  issue, the label, two pledges; the clock passes the deadline (expired) or the goal is reached (funded).
* The ``fundbot`` pytest fixture, in this process and in a maintainer's own project (a subprocess).
* Stability: the names in ``__all__`` exist, and the documented parameters and methods stay.
* Layers: nothing in ``bot/`` imports ``bot.testing``; ``bot.testing`` imports without pytest.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import bot.testing
from bot.testing import FakeClock, fundbot_world
from bot.testing.pytest_plugin import fundbot  # noqa: F401  (the fixture, as pytest_plugins would give it)
from tests.system.test_layers import BOT, graph

ROOT = Path(__file__).resolve().parents[2]
CONFIG = """\
bounties:
  labels:
    "bounty: feature": 50
  deadline_days: 7
"""


async def test_a_campaign_from_the_maintainers_config_expires_after_its_deadline(tmp_path):
    config = tmp_path / "fundbot.yml"
    config.write_text(CONFIG)
    async with fundbot_world(config=config) as world:
        issue = await world.as_user("alice").open_issue("Dark mode")
        await world.maintainer.label(issue, "bounty: feature")
        await world.as_user("bob").comment(issue, "/pledge 20")
        carol = await world.as_user("carol").comment(issue, "/pledge 10")
        await world.settle()
        [status] = world.bot_comments(issue, marker="campaign")
        assert "50" in status["body"] and "30" in status["body"]
        assert "💰 bounty" in world.labels(issue) and world.reactions(carol) == ["+1"]

        await world.advance(days=6)  # not yet
        assert "💰 bounty" in world.labels(issue)
        await world.advance(days=2)  # the 7 days are over (the deadline is the end of that day, UTC)
        [status] = world.bot_comments(issue, marker="campaign")
        assert "expired" in status["body"]
        assert "💰 bounty" not in world.labels(issue)
        assert await world.jobs("failed") == []


async def test_a_campaign_that_reaches_its_goal_is_funded():
    async with fundbot_world(config=CONFIG) as world:
        issue = await world.as_user("alice").open_issue("Dark mode")
        await world.maintainer.label(issue, "bounty: feature")
        for who, amount in (("bob", 30), ("carol", "$20")):
            await world.as_user(who).comment(issue, f"/pledge {amount}")
        counts = await world.settle()
        assert counts["failed"] == 0
        assert "💸 funded" in world.labels(issue)
        [status] = world.bot_comments(issue, marker="campaign")
        assert "https://github.com/sponsors/octocat" in status["body"]  # the payment links, once funded
        pull = await world.as_user("dave").open_pull("Add dark mode", f"Fixes #{issue['number']}", head="dark")
        await world.maintainer.merge(pull)
        await world.settle()
        assert "✅ delivered" in world.labels(issue)
        release = await world.maintainer.publish_release("v1.0.0", "Dark mode!")
        await world.settle()
        assert "Thank you, backers" in world.release(release)["body"]


async def test_a_broken_config_push_fails_the_config_check_run():
    async with fundbot_world(config=CONFIG) as world:
        await world.maintainer.push({".github/fundbot.yml": "bounties:\n  deadline_days: forever\n"})
        await world.settle()
        [run] = world.check_runs(name="fundbot/config")
        assert run["conclusion"] == "failure" and run["output"]["title"] == "1 error in the fundbot configuration"
        [note] = world.annotations(run)
        assert note["path"] == ".github/fundbot.yml" and note["start_line"] == 2 and "deadline_days" in note["message"]
        assert world.file(".github/fundbot.yml").startswith("bounties:")
        assert world.file("missing.txt") is None


async def test_the_pytest_fixture_gives_a_world_and_closes_it(fundbot):  # noqa: F811
    world = await fundbot(config=CONFIG, files={".github/FUNDING.yml": "ko_fi: widgets\n"})
    issue = await world.as_user("newcomer").open_issue("It crashes")
    await world.settle()
    [greeting] = world.bot_comments(issue, marker="funding-links")
    assert "https://ko-fi.com/widgets" in greeting["body"] and "@newcomer" in greeting["body"]
    second = await fundbot(repo="someone/else", maintainer="someone")  # a second world in the same test
    assert second.sandbox is not world.sandbox and second.repo == "someone/else"
    assert world.bot.service.port != second.bot.service.port


MAINTAINER_TEST = '''\
from pathlib import Path

async def test_my_bounty_label(fundbot):
    world = await fundbot(config=Path(".github/fundbot.yml"))
    issue = await world.as_user("alice").open_issue("Dark mode")
    await world.maintainer.label(issue, "bounty: feature")
    await world.as_user("bob").comment(issue, "/pledge 50")
    await world.settle()
    assert "💸 funded" in world.labels(issue)
'''


@pytest.mark.slow  # a pytest subprocess: about 4 s
async def test_a_maintainers_own_project_uses_the_plugin(tmp_path):
    """A project that is not fundbot: a conftest naming the plugin, its fundbot.yml, a 10-line test."""
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "fundbot.yml").write_text(CONFIG)
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["bot.testing.pytest_plugin"]\n')
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
    (tmp_path / "test_fundbot_config.py").write_text(MAINTAINER_TEST)
    broken = tmp_path / "test_broken.py"
    broken.write_text(MAINTAINER_TEST.replace('"💸 funded" in', '"no such label" in'))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                                  cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert "1 failed, 1 passed" in run.stdout, run.stdout + run.stderr
    assert "test_broken.py::test_my_bounty_label" in run.stdout


# --- bad input gives a clear error -------------------------------------------------------------------------------
def test_the_clock_moves_forward_only():
    clock = FakeClock(start=1000.0)
    assert clock.advance(30, minutes=1) == 1090.0 and clock.time() == 1090.0
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-1)


async def test_a_real_time_world_cannot_advance_and_a_clock_with_real_time_is_refused():
    with pytest.raises(ValueError, match="not both"):
        async with fundbot_world(clock=FakeClock(), real_time=True):
            pass
    async with fundbot_world(real_time=True) as world:
        issue = await world.as_user("hubot").open_issue("Question")
        await world.settle()
        assert len(world.bot_comments(issue, marker="funding-links")) == 1
        with pytest.raises(RuntimeError, match="real clock"):
            await world.advance(days=1)


# --- stability ---------------------------------------------------------------------------------------------------
PUBLIC = {"Actor", "BOT_LOGIN", "BotUnderTest", "DEFAULT_FILES", "DEFAULT_MAINTAINER", "DEFAULT_REPO", "FAST_POLICY",
          "FakeClock", "World", "bot_settings", "fundbot_world", "running_bot", "settle", "webhook_headers"}
WORLD_PARAMETERS = {"config", "repo", "maintainer", "files", "clock", "real_time", "sandbox", "database_dir"}
ACTOR_METHODS = {"open_issue", "edit_issue", "comment", "edit_comment", "delete_comment", "label", "unlabel", "close",
                 "reopen", "open_pull", "merge", "push", "publish_release"}
WORLD_METHODS = {"as_user", "settle", "advance", "issue", "comments", "bot_comments", "labels", "reactions", "release",
                 "check_runs", "annotations", "file", "pulls", "jobs"}


def test_the_public_names_exist_and_stay():
    assert PUBLIC <= set(bot.testing.__all__)  # later versions may add, never remove
    assert all(hasattr(bot.testing, name) for name in bot.testing.__all__)
    assert WORLD_PARAMETERS <= set(inspect.signature(fundbot_world).parameters)
    assert {"sandbox", "where", "workers", "clock", "policy", "backoff"} <= set(
        inspect.signature(bot.testing.running_bot).parameters)
    assert {"within", "timeout"} <= set(inspect.signature(bot.testing.settle).parameters)
    assert ACTOR_METHODS <= {n for n in dir(bot.testing.Actor) if not n.startswith("_")}
    assert WORLD_METHODS <= {n for n in dir(bot.testing.World) if not n.startswith("_")}
    assert bot.testing.World.__doc__ and bot.testing.__doc__ and "fundbot_world" in bot.testing.__doc__


def test_nothing_in_bot_imports_the_testing_api_and_it_imports_without_pytest():
    edges, _ = graph(BOT)
    users = sorted(m for m, targets in edges.items() if not m.startswith("bot.testing")
                   and any(t == "bot.testing" or t.startswith("bot.testing.") for t in targets))
    # the demo and the playground drive fundbot against the sandbox through the public API, as a maintainer's tests do
    assert users == ["bot.demo", "bot.playground"]
    assert "bot.app" in edges["bot.testing.harness"]  # the scanner sees bot.testing's own imports
    script = ("import sys; sys.modules['pytest'] = None; sys.modules['pytest_asyncio'] = None\n"
              "import bot.testing; print(len(bot.testing.__all__))")
    run = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0 and int(run.stdout) >= len(PUBLIC), run.stderr
