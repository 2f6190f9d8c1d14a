"""``python -m bot demo``: the whole bot against the built-in GitHub sandbox, on the embedded database.

Nothing here is faked on the bot's side: the sandbox delivers signed webhooks to the real endpoint, the
deliveries go through the SQLite inbox and the workers, and every GitHub call goes over HTTP to the
sandbox (which checks each one against GitHub's OpenAPI description). The scenario prints what fundbot did:
acts 1-6 set the project up (bot.demo), acts 7-14 are the seed story of issue 14 (bot.demo_story), each typed
command printed before fundbot's answer.
"""

from __future__ import annotations

import collections
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot import logs
from bot.app import Service
from bot.core.funding import FUNDING_PATH
from bot.demo_story import REPO, REWARDS, Story, rewards, seed_story
from bot.demo_story import quote as _quote
from bot.sandbox import Sandbox
from bot.services.sponsor_tokens import SponsorTokens
from bot.settings import Settings
from bot.testing import harness

FUNDING_YML = """\
# Funding links shown by GitHub's Sponsor button and by fundbot
github: [lena-dev]
ko_fi: lena-dev
"""
BAD_CONFIG = """\
bountys:
  enabled: true
bounties:
  deadline_days: 0
"""
GOOD_CONFIG = """\
funding:
  github: [lena-dev]
  open_collective: hello-fundbot
  custom: ["https://www.paypal.me/lena-dev"]
bounties:
  deadline_days: 21
""" + REWARDS + """\
readme:
  debounce_seconds: 0
"""


def _section(title: str) -> None:
    print()
    print(f"== {title} " + "=" * max(0, 72 - len(title)))


def _show_comment(comment: dict) -> None:
    who = (comment.get("user") or {}).get("login")
    print(f"-- comment by {who}:")
    print(_quote(comment.get("body") or ""))


def _show_run(run) -> None:
    print(f"-- check run {run.name}: {run.conclusion} - {run.output.get('title')}")
    for a in run.annotations:
        where = f"{a['path']}:{a['start_line']}" + (f":{a['start_column']}" if a.get("start_column") else "")
        print(f"   {a['annotation_level']:8} {where}  {a['message']}")


_KINDS = {"funding-links": "greeting", "campaign": "status comment", "notice": "notices", "reply": "replies"}
Settle = Callable[[], Awaitable[None]]


async def run_demo(*, verbose: bool = False) -> int:
    logs.setup("INFO" if verbose else "ERROR", "text")
    clock = harness.FakeClock()  # the sandbox's clock: it moves when the story says so
    sandbox = Sandbox(validate=True, clock=clock.time)
    await sandbox.start()
    with tempfile.TemporaryDirectory(prefix="fundbot-demo-") as tmp:
        settings = Settings().for_sandbox(sandbox, database_url=f"sqlite:///{Path(tmp) / 'fundbot.db'}")
        service = Service(settings, poll_interval=0.05)
        await service.open()
        try:
            port = await service.start_web()
            service.start_workers()
            sandbox.webhook_url = f"http://127.0.0.1:{port}{settings.webhook_path}"
            settle = lambda: harness.settle(sandbox, service)  # noqa: E731
            # the organization's owner connects a Sponsors token, as `python -m bot sponsors connect` does
            sandbox.add_org_owner("octo-org", "lena-dev")
            await SponsorTokens(service.store, settings.secret_key).connect(
                "octo-org", sandbox.add_user_token("lena-dev", ("read:org",)), scopes=("read:org",))
            print("fundbot demo: the bot and an in-memory GitHub (the sandbox) on this machine")
            print(f"  sandbox API {sandbox.base_url}   bot webhook {sandbox.webhook_url}")
            print(f"  database    {settings.database_url}")
            await _install(sandbox, settle)
            await _push_bad_config(sandbox, settle)
            await _fix_config(sandbox, settle)
            issue = await _open_issue(sandbox, settle)
            await _redeliver(sandbox, settle, issue)
            story = Story(sandbox, settle)
            await _ask_how_to_fund(story, issue)
            await seed_story(story, clock)
            await rewards(story, clock)
            return await _summarize(sandbox, service.store, story)
        finally:
            await service.close(grace=2)
            await sandbox.stop()


async def _install(sandbox, settle: Settle) -> None:
    _section("1. octo-org installs fundbot on octo-org/hello-fundbot")
    sandbox.add_user("lena-dev")
    sandbox.add_user("hubot")
    sandbox.add_repo(REPO, files={FUNDING_PATH: FUNDING_YML, "README.md": "# hello-fundbot\n"},
                     owner_type="Organization")
    sandbox.set_permission(REPO, "lena-dev", "admin")
    installation = await sandbox.install("octo-org", [REPO])
    await settle()
    print(f"installation {installation['id']} created")
    print("labels: " + ", ".join(sorted(sandbox.labels(REPO))))
    for number, item in sorted(sandbox.repo(REPO).issues.items()):
        if sandbox.issue(REPO, number).get("pull_request"):
            print(f"-- pull request #{number}: {item.title}")
            print(_quote(item.body or "", limit=6))
    template = sandbox.file(REPO, ".github/fundbot.yml", ref="fundbot/onboarding") or b""
    print("-- .github/fundbot.yml proposed on branch fundbot/onboarding (funding: pre-filled from FUNDING.yml):")
    print(_quote(template.decode(), limit=14))


async def _push_bad_config(sandbox, settle: Settle) -> None:
    _section("2. The maintainer pushes a config with mistakes: a check run reports them")
    print('> lena-dev pushes .github/fundbot.yml ("configure fundbot")')
    await sandbox.push_files(REPO, "lena-dev", {".github/fundbot.yml": BAD_CONFIG}, message="configure fundbot")
    await settle()
    for run in sandbox.repo(REPO).check_runs.values():
        _show_run(run)


async def _fix_config(sandbox, settle: Settle) -> None:
    _section("3. ... and fixes it: FUNDING.yml is kept in sync through one rolling pull request")
    print('> lena-dev pushes .github/fundbot.yml ("fix config"), with the rewards of its campaigns:')
    print(_quote(REWARDS))
    await sandbox.push_files(REPO, "lena-dev", {".github/fundbot.yml": GOOD_CONFIG}, message="fix config")
    await settle()
    head = sandbox.repo(REPO).head
    for run in sandbox.repo(REPO).check_runs.values():
        if run.head_sha == head:
            _show_run(run)
    print("-- .github/FUNDING.yml on branch fundbot/update:")
    print(_quote((sandbox.file(REPO, FUNDING_PATH, ref="fundbot/update") or b"").decode()))


async def _open_issue(sandbox, settle: Settle) -> dict:
    _section("4. hubot opens an issue")
    issue = await sandbox.open_issue(REPO, "hubot", "Crash when the config file is empty", "Steps to reproduce: ...")
    print(f"> hubot opens issue #{issue['number']} \"{issue['title']}\"")
    await settle()
    for comment in sandbox.comments(REPO, issue["number"]):
        _show_comment(comment)
    return issue


async def _redeliver(sandbox, settle: Settle, issue: dict) -> None:
    _section("5. GitHub redelivers that event: nothing new is posted")
    [opened] = [d for d in sandbox.deliveries if d["event"] == "issues" and d["action"] == "opened"]
    status = await sandbox.redeliver(opened["id"])
    await settle()
    answer = sandbox.deliveries[-1].get("response_body") or ""
    print(f"> GitHub redelivers {opened['guid']} (issues.opened)")
    print(f"fundbot answers {status}" + (" (a duplicate: already handled)" if '"duplicate":true' in answer else answer))
    print(f"comments on #{issue['number']}: {len(sandbox.comments(REPO, issue['number']))}")


async def _ask_how_to_fund(story: Story, issue: dict) -> None:
    _section("6. Someone asks how to help: /fund")
    story.issue = issue["number"]
    await story.say("hubot", issue["number"], "Happy to chip in!\n/fund")


async def _summarize(sandbox, store, story) -> int:
    """What fundbot did; 1 if the sandbox saw a request GitHub's OpenAPI description refuses or a job failed."""
    _section("What fundbot did")
    counts = story.comment_counts(story.issue)
    print(f"fundbot's comments on #{story.issue}, the whole campaign: {sum(counts.values())} ("
          + ", ".join(f"{_KINDS.get(k, k)}: {v}" for k, v in counts.items()) + ")")
    calls = collections.Counter(f"{c.method} {c.status}" for c in sandbox.calls)
    print(f"GitHub API calls: {len(sandbox.calls)} (" + ", ".join(f"{k}: {v}" for k, v in sorted(calls.items())) + ")")
    inbox = await store.counts()
    print(f"inbox: {inbox}")
    if sandbox.violations:
        print("OpenAPI violations:", *sandbox.violations, sep="\n  ")
        return 1
    return 0 if inbox.get("failed", 0) == 0 else 1
