"""``python -m bot sandbox --port N``: the sandbox on its own, with a demo installation and repository."""

from __future__ import annotations

import asyncio
import os
import tempfile

from . import Sandbox

DEMO_OWNER = "octo-org"
DEMO_REPO = f"{DEMO_OWNER}/hello-fundbot"
DEMO_FILES = {
    "README.md": "# hello-fundbot\n\nA demo repository in the fundbot GitHub sandbox.\n",
    ".github/fundbot.yml": "funding:\n  github: [octocat]\nbounties:\n  enabled: true\n",
}


def build_demo(sandbox: Sandbox) -> int:
    """Add the demo organization, repository, users and installation; returns the installation id."""
    sandbox.add_user(DEMO_OWNER, type="Organization")
    sandbox.add_repo(DEMO_REPO, files=DEMO_FILES, owner_type="Organization")
    sandbox.add_user("octocat")
    sandbox.set_permission(DEMO_REPO, "octocat", "admin")
    sandbox.add_user("backer")
    inst = sandbox.add_installation(DEMO_OWNER, repos=[DEMO_REPO])
    sandbox.add_sponsorship(DEMO_OWNER, "backer", monthly_usd=25)
    return inst["id"]


async def serve_forever(port: int, host: str = "127.0.0.1", *, webhook_url: str | None = None) -> None:
    """Start a sandbox on ``host:port``, print how to point the bot at it, and run until cancelled."""
    sandbox = Sandbox(validate=True)
    sandbox.webhook_url = webhook_url or os.environ.get("SANDBOX_WEBHOOK_URL") or None
    installation_id = build_demo(sandbox)
    base_url = await sandbox.start(host, port)
    key_dir = tempfile.mkdtemp(prefix="fundbot-sandbox-")
    key_path = os.path.join(key_dir, "private-key.pem")
    with open(key_path, "wb") as f:
        f.write(sandbox.private_key_pem)
    os.chmod(key_path, 0o600)
    print("fundbot GitHub sandbox running", flush=True)
    print(f"  GITHUB_API_URL={base_url}")
    print(f"  APP_ID={sandbox.app_id}")
    print(f"  PRIVATE_KEY_PATH={key_path}")
    print(f"  WEBHOOK_SECRET={sandbox.webhook_secret}")
    print(f"  installation id {installation_id} on {DEMO_REPO}")
    print(f"  webhooks go to {sandbox.webhook_url or '(nowhere: set SANDBOX_WEBHOOK_URL)'}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await sandbox.stop()
        try:
            os.remove(key_path)
            os.rmdir(key_dir)
        except OSError:
            pass
