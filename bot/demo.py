"""``python -m bot demo``: the whole bot against the built-in GitHub sandbox, on the embedded database.

Nothing here is faked on the bot's side: the sandbox delivers signed webhooks to the real endpoint, the
deliveries go through the SQLite inbox and the workers, and every GitHub call goes over HTTP to the
sandbox (which checks each one against GitHub's OpenAPI description). The scenario prints what fundbot did.
"""

from __future__ import annotations

import asyncio
import collections
import tempfile
import textwrap
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot import logs
from bot.app import Service, wait_until_idle
from bot.core import readme
from bot.core.funding import FUNDING_PATH
from bot.sandbox import Sandbox
from bot.services.sponsor_tokens import SponsorTokens
from bot.settings import Settings

REPO = "octo-org/hello-fundbot"
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
readme:
  debounce_seconds: 0
"""


def _section(title: str) -> None:
    print()
    print(f"== {title} " + "=" * max(0, 72 - len(title)))


def _quote(text: str, limit: int | None = None) -> str:
    lines = text.rstrip().splitlines()
    if limit is not None and len(lines) > limit:
        lines = lines[:limit] + [f"... ({len(lines) - limit} more lines)"]
    return textwrap.indent("\n".join(lines), "   | ", predicate=lambda _line: True)


def _show_comment(comment: dict) -> None:
    who = (comment.get("user") or {}).get("login")
    print(f"-- comment by {who}:")
    print(_quote(comment.get("body") or ""))


def _show_run(run) -> None:
    print(f"-- check run {run.name}: {run.conclusion} - {run.output.get('title')}")
    for a in run.annotations:
        where = f"{a['path']}:{a['start_line']}" + (f":{a['start_column']}" if a.get("start_column") else "")
        print(f"   {a['annotation_level']:8} {where}  {a['message']}")


async def _settle(sandbox, store) -> None:
    """Until the sandbox has sent every webhook (also those about the bot's own actions) and the bot has
    processed them, a few times over, since processing can cause new deliveries."""
    for _ in range(3):
        await sandbox.drain()
        await wait_until_idle(store)
        await asyncio.sleep(0.05)


Settle = Callable[[], Awaitable[None]]


async def run_demo(*, verbose: bool = False) -> int:
    logs.setup("INFO" if verbose else "ERROR", "text")
    sandbox = Sandbox(validate=True)
    await sandbox.start()
    with tempfile.TemporaryDirectory(prefix="fundbot-demo-") as tmp:
        settings = Settings().for_sandbox(sandbox, database_url=f"sqlite:///{Path(tmp) / 'fundbot.db'}")
        service = Service(settings, poll_interval=0.05)
        await service.open()
        try:
            port = await service.start_web()
            service.start_workers()
            sandbox.webhook_url = f"http://127.0.0.1:{port}{settings.webhook_path}"
            settle = lambda: _settle(sandbox, service.store)  # noqa: E731
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
            await _ask_how_to_fund(sandbox, settle, issue)
            await _crowdfund(sandbox, settle, issue["number"])
            await _deliver(sandbox, settle, issue["number"])
            await _publish_release(sandbox, settle)
            _show_readme_section(sandbox)
            return await _summarize(sandbox, service.store)
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
    await sandbox.push_files(REPO, "lena-dev", {".github/fundbot.yml": BAD_CONFIG}, message="configure fundbot")
    await settle()
    for run in sandbox.repo(REPO).check_runs.values():
        _show_run(run)


async def _fix_config(sandbox, settle: Settle) -> None:
    _section("3. ... and fixes it: FUNDING.yml is kept in sync through one rolling pull request")
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
    await settle()
    for comment in sandbox.comments(REPO, issue["number"]):
        _show_comment(comment)
    return issue


async def _redeliver(sandbox, settle: Settle, issue: dict) -> None:
    _section("5. GitHub redelivers that event: nothing new is posted")
    [opened] = [d for d in sandbox.deliveries if d["event"] == "issues" and d["action"] == "opened"]
    status = await sandbox.redeliver(opened["id"])
    await settle()
    answer = sandbox.deliveries[-1].get("response_body")
    print(f"redelivery of {opened['guid']}: fundbot answered {status} {answer}")
    print(f"comments on #{issue['number']}: {len(sandbox.comments(REPO, issue['number']))}")


async def _ask_how_to_fund(sandbox, settle: Settle, issue: dict) -> None:
    _section("6. Someone asks how to help: /fund")
    asked = await sandbox.comment(REPO, issue["number"], "hubot", "Happy to chip in!\n\n/fund")
    await settle()
    reactions = [r.content for r in sandbox.repo(REPO).comments[asked["id"]].reactions]
    print(f"reactions on the /fund comment: {reactions}")
    _show_comment(sandbox.comments(REPO, issue["number"])[-1])


def _campaign_comment(sandbox, n: int) -> dict:
    return next(c for c in sandbox.comments(REPO, n) if "fundbot:campaign" in (c.get("body") or ""))


async def _crowdfund(sandbox, settle: Settle, n: int) -> None:
    _section("7. A campaign: the maintainer puts a price on the issue, backers pledge")
    for login in ("alice", "bob", "carol"):
        sandbox.add_user(login)
    await sandbox.comment(REPO, n, "lena-dev", "Let's crowdfund this one.\n\n/bounty 300 in 14 days")
    refused = await sandbox.comment(REPO, n, "bob", "/bounty 5000")
    await sandbox.comment(REPO, n, "alice", "/pledge 100")
    await sandbox.comment(REPO, n, "bob", "/pledge $50")
    await settle()
    print(f"bob's /bounty (not a maintainer): reactions {[r.content for r in sandbox.repo(REPO).comments[refused['id']].reactions]}")
    await sandbox.comment(REPO, n, "carol", "/pledge 150 USD")
    await settle()
    print("-- the status comment, edited in place, once the goal is reached:")
    print(_quote(_campaign_comment(sandbox, n)["body"], limit=40))
    print("issue labels: " + ", ".join(sorted(sandbox.labels(REPO, n))))


async def _deliver(sandbox, settle: Settle, n: int) -> None:
    _section("8. hubot fixes it; the merged pull request delivers the campaign")
    pull = await sandbox.open_pull(REPO, "hubot", "Handle empty config files", f"Fixes #{n}", head="empty-config")
    await sandbox.merge_pull(REPO, pull["number"], "lena-dev")
    await settle()
    print(_quote(_campaign_comment(sandbox, n)["body"], limit=12))
    print("issue labels: " + ", ".join(sorted(sandbox.labels(REPO, n))))


async def _publish_release(sandbox, settle: Settle) -> None:
    _section("9. A release is published: funding footer and thanks to the backers")
    sandbox.add_sponsorship("octo-org", "megacorp", monthly_usd=500, sponsor_type="Organization")
    sandbox.add_sponsorship("octo-org", "dana", monthly_usd=5)
    rel = await sandbox.publish_release(REPO, "lena-dev", "v1.0.0", "## What's new\n\n* Empty config files work\n")
    await settle()
    print(_quote(sandbox.repo(REPO).releases[rel["id"]].body or ""))


def _show_readme_section(sandbox) -> None:
    _section("10. The README sponsor section, in the rolling pull request from fundbot/update")
    proposed = sandbox.file(REPO, "README.md", ref="fundbot/update") or b""
    print(_quote(readme.extract(proposed) or "(no section yet)"))


async def _summarize(sandbox, store) -> int:
    """What fundbot did; 1 if the sandbox saw a request GitHub's OpenAPI description refuses or a job failed."""
    _section("What fundbot did")
    calls = collections.Counter(f"{c.method} {c.status}" for c in sandbox.calls)
    print(f"GitHub API calls: {len(sandbox.calls)} (" + ", ".join(f"{k}: {v}" for k, v in sorted(calls.items())) + ")")
    counts = await store.counts()
    print(f"inbox: {counts}")
    if sandbox.violations:
        print("OpenAPI violations:", *sandbox.violations, sep="\n  ")
        return 1
    return 0 if counts.get("failed", 0) == 0 else 1
