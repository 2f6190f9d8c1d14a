"""GET /metrics: Prometheus text with deliveries, jobs, queue and GitHub calls; bounded label cardinality."""

from __future__ import annotations

import re

from tests.helpers import payload_bytes

REPO = "octo-org/widgets"


def samples(text: str) -> dict[str, float]:
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return out


async def test_metrics_count_what_happened(sandbox, sandbox_repo, sandbox_installation_id, bot):
    await sandbox.open_issue(REPO, "hubot", "x")
    for _ in range(3):
        await sandbox.drain()
        await bot.settle()
    body = payload_bytes("issues", "opened")
    await bot.send("issues", body, delivery="same")
    await bot.send("issues", body, delivery="same")  # a duplicate
    await bot.send("issues", body, secret="wrong")  # rejected
    for i in range(300):  # odd event names must not grow the label set
        await bot.send(f"made_up_event_{chr(97 + i % 26)}{chr(97 + i // 26)}", b"{}")
    await bot.settle()
    async with bot.session.get(f"http://127.0.0.1:{bot.service.port}/metrics") as r:
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain")
        text = await r.text()
    m = samples(text)
    assert m['fundbot_deliveries_received_total{event="issues"}'] >= 2
    assert m['fundbot_deliveries_duplicate_total{event="issues"}'] == 1
    assert m['fundbot_deliveries_rejected_total{status="401"}'] == 1
    assert m['fundbot_deliveries_received_total{event="other"}'] == 300
    assert not any("made_up_event" in line for line in text.splitlines())
    assert m['fundbot_jobs_processed_total{kind="webhook",event="issues",outcome="done"}'] >= 1
    assert m['fundbot_job_duration_seconds_count{kind="webhook"}'] >= 1
    assert m['fundbot_queue_jobs{status="failed"}'] == 0
    assert m['fundbot_github_calls_total{status="201"}'] >= 1  # the funding comment
    assert m[f'fundbot_github_rate_limit_remaining{{installation="{sandbox_installation_id}"}}'] <= 5000
    assert len(re.findall(r"^fundbot_", text, re.M)) < 200  # bounded
