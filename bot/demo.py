"""``python -m bot demo``: the whole bot against the built-in GitHub sandbox, on the embedded database.

Nothing here is faked on the bot's side: the sandbox delivers signed webhooks to the real endpoint, the
deliveries go through the SQLite inbox and the workers, and every GitHub call goes over HTTP to the
sandbox. The scenario prints what fundbot did.
"""

from __future__ import annotations

import dataclasses
import tempfile
import textwrap
from pathlib import Path

from bot import logs
from bot.service import Service, wait_until_idle
from bot.settings import Settings

REPO = "octo-org/hello-fundbot"
FUNDING_YML = """\
# Funding links shown by GitHub's Sponsor button and by fundbot
github: [octocat]
open_collective: hello-fundbot
ko_fi: octocat
custom: ["https://www.paypal.me/octocat", octocat.com]
"""


def _section(title: str) -> None:
    print()
    print(f"== {title} " + "=" * max(0, 70 - len(title)))


def _quote(text: str) -> str:
    return textwrap.indent(text.rstrip(), "   | ", predicate=lambda _line: True)


def _show_comment(comment: dict) -> None:
    who = (comment.get("user") or {}).get("login")
    print(f"-- comment by {who}:")
    print(_quote(comment.get("body") or ""))


async def _settle(sandbox, store) -> None:
    """Until the sandbox has sent every webhook (also those about the bot's own actions) and the bot has
    processed them; twice, since processing can cause new deliveries."""
    for _ in range(2):
        await sandbox.drain()
        await wait_until_idle(store)


async def run_demo(*, verbose: bool = False) -> int:
    from bot.sandbox import Sandbox

    logs.setup("INFO" if verbose else "WARNING", "text")
    sandbox = Sandbox(validate=True)
    await sandbox.start()
    with tempfile.TemporaryDirectory(prefix="fundbot-demo-") as tmp:
        settings = dataclasses.replace(
            Settings(),
            app_id=str(sandbox.app_id),
            private_key=sandbox.private_key_pem.decode(),
            webhook_secret=sandbox.webhook_secret,
            github_api_url=sandbox.base_url,
            database_url=f"sqlite:///{Path(tmp) / 'fundbot.db'}",
            host="127.0.0.1",
            port=0,
        )
        service = Service(settings, poll_interval=0.05)
        await service.open()
        try:
            port = await service.start_web()
            service.start_workers()
            sandbox.webhook_url = f"http://127.0.0.1:{port}{settings.webhook_path}"
            print("fundbot demo: the bot and an in-memory GitHub (the sandbox) on this machine")
            print(f"  sandbox API {sandbox.base_url}   bot webhook {sandbox.webhook_url}")
            print(f"  database    {settings.database_url}")

            _section("1. octo-org installs fundbot on octo-org/hello-fundbot")
            sandbox.add_user("octocat")
            sandbox.add_user("hubot")
            sandbox.add_repo(REPO, files={".github/FUNDING.yml": FUNDING_YML, "README.md": "# hello-fundbot\n"}, owner_type="Organization")
            installation = await sandbox.install("octo-org", [REPO])
            await _settle(sandbox, service.store)
            print(f"installation {installation['id']} created; the repository has .github/FUNDING.yml:")
            print(_quote(FUNDING_YML))

            _section("2. hubot opens an issue")
            issue = await sandbox.open_issue(REPO, "hubot", "Crash when the config file is empty", "Steps to reproduce: ...")
            await _settle(sandbox, service.store)
            for comment in sandbox.comments(REPO, issue["number"]):
                _show_comment(comment)

            _section("3. GitHub redelivers the same event: nothing new is posted")
            [opened] = [d for d in sandbox.deliveries if d["event"] == "issues" and d["action"] == "opened"]
            status = await sandbox.redeliver(opened["id"])
            await _settle(sandbox, service.store)
            answer = sandbox.deliveries[-1].get("response_body")
            print(f"redelivery of {opened['guid']}: fundbot answered {status} {answer}")
            print(f"comments on #{issue['number']}: {len(sandbox.comments(REPO, issue['number']))}")

            _section("What fundbot did (GitHub API calls)")
            for call in sandbox.calls:
                print(f"  {call.method:6} {call.path} -> {call.status}")
            counts = await service.store.counts()
            print(f"inbox: {counts}")
            if sandbox.violations:
                print("OpenAPI violations:", *sandbox.violations, sep="\n  ")
                return 1
            return 0
        finally:
            await service.close(grace=2)
            await sandbox.stop()
