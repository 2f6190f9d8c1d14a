"""``python -m bot sandbox --port N``: the sandbox on its own, with a demo installation and repository.

``--seed FILE`` adds what a JSON file describes (``seed_world``): ``repos`` (``full_name``, optional ``id``,
``owner_type``, ``files``), ``installations`` (``id``, ``account``, ``repos``) and ``payloads`` (``event``,
``payload``: real webhook payloads, whose users, issues and labels are created with their ids, as
``seed_from_payload`` does). The benchmarks seed the installations and repositories their deliveries name,
so the workers of the ``serve`` they measure process every delivery. ``--latency SECONDS`` delays every
answer (GitHub's round trip, for scale-out figures).
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from pathlib import Path

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


class SeedError(ValueError):
    """A seed file that cannot be read or does not describe a world (one line for the command line)."""


def load_seed(path: str | Path) -> dict:
    try:
        spec = json.loads(Path(path).read_bytes())
    except OSError as exc:
        raise SeedError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise SeedError(f"{path} is not JSON: {exc}") from None
    if not isinstance(spec, dict) or any(not isinstance(spec.get(k, []), list)
                                         for k in ("repos", "installations", "payloads")):
        raise SeedError(f"{path}: expected an object with lists 'repos', 'installations', 'payloads'")
    return spec


def seed_world(sandbox: Sandbox, spec: dict) -> int:
    """Add the repositories, installations and payload objects of ``spec`` (see the module docstring);
    returns how many installations were added."""
    try:
        for repo in spec.get("repos", []):
            owner = repo["full_name"].split("/")[0]
            owner_type = repo.get("owner_type", "User")
            sandbox.add_user(owner, type=owner_type)
            sandbox.add_repo(repo["full_name"], id=repo.get("id"), files=repo.get("files"), owner_type=owner_type)
        for inst in spec.get("installations", []):
            sandbox.add_installation(inst["account"], id=inst.get("id"), repos=inst.get("repos", []))
        for item in spec.get("payloads", []):
            sandbox.seed_from_payload(item["event"], item["payload"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SeedError(f"seed: {type(exc).__name__}: {exc}") from None
    return len(spec.get("installations", []))


async def serve_forever(port: int, host: str = "127.0.0.1", *, webhook_url: str | None = None,
                        seed: dict | None = None, latency: float = 0.0) -> None:
    """Start a sandbox on ``host:port``, print how to point the bot at it, and run until cancelled."""
    sandbox = Sandbox(validate=True)
    sandbox.webhook_url = webhook_url or os.environ.get("SANDBOX_WEBHOOK_URL") or None
    installation_id = build_demo(sandbox)
    seeded = seed_world(sandbox, seed) if seed else 0
    sandbox.latency = latency
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
    if seed:
        print(f"  seeded: {seeded} installation(s), {len(seed.get('repos', []))} repositories, "
              f"{len(seed.get('payloads', []))} payload(s)")
    if latency:
        print(f"  every answer delayed {latency * 1000:g} ms")
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
