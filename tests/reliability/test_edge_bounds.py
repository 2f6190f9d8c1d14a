"""Issue 10, point 2: the edge is bounded whatever unsigned senders do (memory, time, headers).

Every test drives the real endpoint through a real socket; timeouts and the body budget are set short and
small through ``Settings`` so the bounds show within a second or two."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import hmac
import time
import zlib

import aiohttp
import pytest

from tests.helpers import github_headers, payload_bytes, sign
from tests.reliability.edge_harness import (
    HOOK_PATH,
    SECRET,
    budget,
    closed_by_server,
    head,
    raw_request,
    read_answer,
    running_edge,
    total_jobs,
    wait_for,
)

BODY = payload_bytes("issues", "opened")  # 13.5 KB, a real delivery
KB = 1024


async def post_signed(port: int, body: bytes = BODY, **extra) -> tuple[int, float]:
    started = time.monotonic()
    headers = github_headers("issues", body, SECRET)
    headers.update(extra)
    async with aiohttp.ClientSession() as session:
        async with session.post(f"http://127.0.0.1:{port}{HOOK_PATH}", data=body, headers=headers) as r:
            await r.read()
            return r.status, time.monotonic() - started


def signed_head(body: bytes, *, length: int | None = None, **extra) -> bytes:
    headers = github_headers("issues", body, SECRET)
    headers.update(extra)
    pairs = list(headers.items())
    if length is not None:
        pairs.append(("Content-Length", str(length)))
    return head(pairs)


# ====================================================================================== memory: the body budget


async def test_the_budget_answers_503_with_retry_after_while_other_bodies_hold_it(tmp_path):
    """Budget 1 MB: two 300 KB bodies half-sent hold 600 KB of the 768 KB large bodies may take; a third
    large body gets 503 + Retry-After at once, without being read; a real 13.5 KB delivery still gets 202;
    once the holders finish (202), the budget is empty again."""
    async with running_edge(tmp_path, max_inflight_body_bytes=1024 * KB) as service:
        port = service.port
        bodies = [b'{"action": "opened", "n": %d, "pad": "' % i + b"x" * (300 * KB) + b'"}' for i in range(3)]
        holders = []
        for body in bodies[:2]:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(signed_head(body, length=len(body)) + body[: 10 * KB])
            await writer.drain()
            holders.append((reader, writer, body))
        await wait_for(lambda: budget(service).used == 2 * len(bodies[0]), timeout=5, what="two reservations")

        answer = await raw_request(port, signed_head(bodies[2], length=len(bodies[2])) + bodies[2][: 10 * KB])
        assert answer.status == 503, answer
        assert answer.headers["retry-after"].isdigit()
        assert answer.headers.get("connection", "").lower() == "close"
        status, elapsed = await post_signed(port)
        assert status == 202 and elapsed < 1.0, (status, elapsed)

        for reader, writer, body in holders:
            writer.write(body[10 * KB:])
            await writer.drain()
            assert (await asyncio.wait_for(read_answer(reader), 5)).status == 202
            writer.close()
        assert budget(service).used == 0 and budget(service).large_used == 0
        assert await total_jobs(service) == 3  # the two holders and the real delivery, not the refused one


async def test_small_bodies_share_the_whole_budget_and_are_refused_beyond_it(tmp_path):
    """Budget 256 KB (small bodies: up to 4 KB each): 64 half-sent 4 KB bodies fill it; the 65th gets 503."""
    async with running_edge(tmp_path, max_inflight_body_bytes=256 * KB) as service:
        body = b'{"action": "opened", "pad": "' + b"x" * (4 * KB - 31) + b'"}'
        assert len(body) == 4 * KB
        conns = []
        for _ in range(64):
            reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
            writer.write(signed_head(body, length=len(body)) + body[:100])
            conns.append((reader, writer))
        await wait_for(lambda: budget(service).used == 256 * KB, timeout=5, what="a full budget")
        answer = await raw_request(service.port, signed_head(body, length=len(body)) + body)
        assert answer.status == 503 and "retry-after" in answer.headers
        for _, writer in conns:
            writer.close()
        await wait_for(lambda: budget(service).used == 0, timeout=5, what="the budget given back")
        assert await total_jobs(service) == 0


async def test_a_body_larger_than_the_budget_allows_is_413_not_a_503_forever(tmp_path):
    async with running_edge(tmp_path, max_inflight_body_bytes=64 * KB) as service:
        body = b'{"pad": "' + b"x" * (60 * KB) + b'"}'
        answer = await raw_request(service.port, signed_head(body, length=len(body)))
        assert answer.status == 413
        assert "MAX_INFLIGHT_BODY_BYTES" in answer.body.decode()
        assert await total_jobs(service) == 0


async def test_a_chunked_body_is_capped_at_max_chunked_body_bytes(tmp_path):
    """No Content-Length (GitHub always sends one): accepted up to MAX_CHUNKED_BODY_BYTES, 413 beyond."""
    async with running_edge(tmp_path, max_chunked_body_bytes=64 * KB) as service:
        def chunked(body: bytes) -> bytes:
            return b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 4096]), body[i:i + 4096])
                            for i in range(0, len(body), 4096)) + b"0\r\n\r\n"

        ok = await raw_request(service.port, signed_head(BODY, **{"Transfer-Encoding": "chunked"}) + chunked(BODY))
        big = b'{"pad": "' + b"x" * (80 * KB) + b'"}'
        refused = await raw_request(service.port, signed_head(big, **{"Transfer-Encoding": "chunked"}) + chunked(big))
        assert (ok.status, refused.status) == (202, 413)
        assert budget(service).used == 0
        assert await total_jobs(service) == 1


# ==================================================================================== encodings: never inflated


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "GZIP", "identity, gzip", "x-gzip", "compress"])
async def test_an_encoded_body_is_415_before_it_is_inflated(tmp_path, encoding):
    """A 64 MB gzip bomb (65 KB on the wire), signed over the compressed bytes and, separately, over what it
    inflates to: refused with 415 in either case, quickly, and nothing stored."""
    inflated = b"\0" * (64 * 1024 * KB)
    bomb = zlib.compress(inflated, 9) if encoding == "deflate" else gzip.compress(inflated, 9)
    async with running_edge(tmp_path) as service:
        started = time.monotonic()
        for signed_over in (bomb, inflated):
            headers = github_headers("issues", bomb, None)
            headers["X-Hub-Signature-256"] = sign(signed_over, SECRET)
            headers["Content-Encoding"] = encoding
            answer = await raw_request(service.port, head([*headers.items(), ("Content-Length", str(len(bomb)))]) + bomb)
            assert answer.status == 415, answer
        assert time.monotonic() - started < 2.0
        assert await total_jobs(service) == 0
        status, _ = await post_signed(service.port, **{"Content-Encoding": "identity"})
        assert status == 202  # identity is no encoding


async def test_a_transfer_coding_other_than_chunked_is_415(tmp_path):
    async with running_edge(tmp_path) as service:
        gz = gzip.compress(BODY)
        data = signed_head(BODY, **{"Transfer-Encoding": "gzip, chunked"}) + b"%x\r\n%s\r\n0\r\n\r\n" % (len(gz), gz)
        assert (await raw_request(service.port, data)).status == 415
        assert await total_jobs(service) == 0


# ========================================================================== time: slow senders are dropped


async def test_slow_loris_headers_are_dropped_after_the_timeout_while_a_real_delivery_gets_202(tmp_path):
    """50 connections trickle header bytes (one every 50 ms, never finishing), 10 more send nothing at all:
    a real delivery meanwhile is acknowledged in well under the header timeout, and every slow connection is
    closed by the server once its 0.5 s are up, not before."""
    timeout = 0.5
    async with running_edge(tmp_path, header_timeout=timeout) as service:
        port = service.port
        opened = time.monotonic()
        silent = [await asyncio.open_connection("127.0.0.1", port) for _ in range(10)]
        trickling = [await asyncio.open_connection("127.0.0.1", port) for _ in range(50)]
        stop = asyncio.Event()

        async def trickle(writer):
            data = head([("X-Pad", "a" * 4000)])[:-4]  # never the blank line that ends the head
            for byte in data:
                if stop.is_set():
                    return
                try:
                    writer.write(bytes([byte]))
                    await writer.drain()
                except ConnectionError:
                    return
                await asyncio.sleep(0.05)

        tasks = [asyncio.create_task(trickle(w)) for _, w in trickling]
        latencies = []
        for _ in range(5):
            status, elapsed = await post_signed(port)
            assert status == 202
            latencies.append(elapsed)
        assert max(latencies) < 0.25, latencies
        closed = await asyncio.gather(*(closed_by_server(r, timeout=timeout * 6) for r, _ in silent + trickling))
        dropped_after = time.monotonic() - opened
        stop.set()
        await asyncio.gather(*tasks)
        for _, w in silent + trickling:
            w.close()
        assert all(closed), closed.count(False)
        assert dropped_after >= timeout
        assert service.guard.dropped >= 60
        assert await total_jobs(service) == 5


async def test_an_idle_keep_alive_connection_is_closed_after_keepalive_timeout(tmp_path):
    async with running_edge(tmp_path, keepalive_timeout=0.4) as service:
        reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
        writer.write(signed_head(BODY, length=len(BODY)) + BODY)
        assert (await read_answer(reader)).status == 202
        started = time.monotonic()
        assert await closed_by_server(reader, timeout=3)
        assert 0.3 <= time.monotonic() - started < 3
        writer.close()


async def test_a_trickled_body_is_dropped_after_body_timeout_and_gives_its_budget_back(tmp_path):
    """Headers at once, then the body one byte every 20 ms (it would take 4.5 minutes): 408 after 0.5 s, the
    connection closed, the reservation returned, nothing stored; a real delivery meanwhile gets 202."""
    async with running_edge(tmp_path, body_timeout=0.5) as service:
        reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
        started = time.monotonic()
        writer.write(signed_head(BODY, length=len(BODY)))
        answer_task = asyncio.create_task(read_answer(reader))

        async def trickle():
            for byte in BODY:
                if answer_task.done():
                    return
                try:
                    writer.write(bytes([byte]))
                    await writer.drain()
                except ConnectionError:
                    return
                await asyncio.sleep(0.02)

        sender = asyncio.create_task(trickle())
        await wait_for(lambda: budget(service).used == len(BODY), timeout=2, what="the reservation")
        status, elapsed = await post_signed(service.port)
        assert status == 202 and elapsed < 0.25
        answer = await asyncio.wait_for(answer_task, 5)
        took = time.monotonic() - started
        assert answer.status == 408 and 0.5 <= took < 3.5, (answer, took)
        assert await closed_by_server(reader, timeout=3)
        await sender
        writer.close()
        assert budget(service).used == 0
        assert await total_jobs(service) == 1


# ========================================================================================= signature format


def _hex(body: bytes, algo=hashlib.sha256) -> str:
    return hmac.new(SECRET.encode(), body, algo).hexdigest()


@pytest.mark.parametrize(("name", "value"), [
    ("sha1-correct-digest", "sha1=" + _hex(BODY, hashlib.sha1)),
    ("sha512-correct-digest", "sha512=" + _hex(BODY, hashlib.sha512)),
    ("md5-correct-digest", "md5=" + _hex(BODY, hashlib.md5)),
    ("sha256-63-hex", "sha256=" + _hex(BODY)[:63]),
    ("sha256-65-hex", "sha256=" + _hex(BODY) + "0"),
    ("sha256-128-hex", "sha256=" + _hex(BODY) * 2),
    ("sha256-uppercase", "sha256=" + _hex(BODY).upper()),
    ("SHA256-prefix", "SHA256=" + _hex(BODY)),
    ("space-after-equals", "sha256= " + _hex(BODY)),
    ("trailing-garbage", "sha256=" + _hex(BODY) + ";x"),
    ("non-hex", "sha256=" + "g" * 64),
    ("no-algorithm", "=" + _hex(BODY)),
    ("bare-digest", _hex(BODY)),
])
async def test_a_signature_that_is_not_sha256_and_64_hex_digits_is_401(tmp_path, name, value):
    async with running_edge(tmp_path) as service:
        headers = github_headers("issues", BODY, None)
        headers["X-Hub-Signature-256"] = value
        answer = await raw_request(service.port, head([*headers.items(), ("Content-Length", str(len(BODY)))]) + BODY)
        assert answer.status == 401, (name, answer)
        assert await total_jobs(service) == 0


async def test_two_signature_headers_are_401_even_if_one_is_right(tmp_path):
    async with running_edge(tmp_path) as service:
        headers = list(github_headers("issues", BODY, SECRET).items())
        for extra in (("X-Hub-Signature-256", "sha256=" + "0" * 64), ("X-Hub-Signature-256", sign(BODY, SECRET))):
            answer = await raw_request(service.port, head([*headers, extra, ("Content-Length", str(len(BODY)))]) + BODY)
            assert answer.status == 401
        assert await total_jobs(service) == 0


async def test_a_malformed_signature_is_refused_without_reading_the_body(tmp_path):
    """Announcing 20 MB and sending none of it: the 401 comes at once and reserves nothing."""
    async with running_edge(tmp_path) as service:
        headers = github_headers("issues", BODY, None)
        headers["X-Hub-Signature-256"] = "sha1=" + "0" * 40
        started = time.monotonic()
        answer = await raw_request(service.port, head([*headers.items(), ("Content-Length", str(20 * 1024 * KB))]))
        assert answer.status == 401 and time.monotonic() - started < 1.0
        assert budget(service).refused == 0 and budget(service).used == 0


def test_the_edge_limits_are_read_from_the_environment():
    from bot.settings import Settings

    env = {"MAX_INFLIGHT_BODY_BYTES": "1048576", "MAX_CHUNKED_BODY_BYTES": "4096", "HEADER_TIMEOUT_SECONDS": "2.5",
           "BODY_TIMEOUT_SECONDS": "7", "KEEPALIVE_TIMEOUT_SECONDS": "3"}
    s = Settings.from_env(env, dotenv=None)
    assert (s.max_inflight_body_bytes, s.max_chunked_body_bytes, s.header_timeout, s.body_timeout,
            s.keepalive_timeout) == (1048576, 4096, 2.5, 7.0, 3.0)
    d = Settings.from_env({}, dotenv=None)
    assert (d.max_inflight_body_bytes, d.header_timeout, d.body_timeout) == (64 * 1024 * 1024, 10.0, 30.0)
