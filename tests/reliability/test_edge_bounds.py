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

from tests.fixtures.helpers import github_headers, payload_bytes, sign
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
    """Budget 1 MB (bodies over 16 KB may hold 768 KB together): two 380 KB bodies sent all but their last
    KB hold 758 KB; a third large body gets 503 + Retry-After at once, without being read; a real 13.5 KB
    delivery still gets 202; once the holders finish (202), the budget is empty again."""
    async with running_edge(tmp_path, max_inflight_body_bytes=1024 * KB) as service:
        port = service.port
        bodies = [b'{"action": "opened", "n": %d, "pad": "' % i + b"x" * (380 * KB) + b'"}' for i in range(3)]
        holders = []
        for body in bodies[:2]:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(signed_head(body, length=len(body)) + body[:-KB])
            await writer.drain()
            holders.append((reader, writer, body))
        held = 2 * (len(bodies[0]) - KB)
        await wait_for(lambda: budget(service).large_used == held, timeout=5, what="two bodies received but a KB")

        answer = await raw_request(port, signed_head(bodies[2], length=len(bodies[2])) + bodies[2][: 10 * KB])
        assert answer.status == 503, answer
        assert answer.headers["retry-after"].isdigit()
        assert answer.headers.get("connection", "").lower() == "close"
        status, elapsed = await post_signed(port)
        assert status == 202 and elapsed < 1.0, (status, elapsed)

        for reader, writer, body in holders:
            writer.write(body[-KB:])
            await writer.drain()
            assert (await asyncio.wait_for(read_answer(reader), 5)).status == 202
            writer.close()
        assert budget(service).used == 0 and budget(service).large_used == 0
        assert await total_jobs(service) == 3  # the two holders and the real delivery, not the refused one


async def test_a_body_whose_bytes_pass_the_large_share_while_read_is_503_and_gives_them_back(tmp_path):
    """The budget is charged as bytes arrive: a large body admitted while there was room is refused (503 +
    Retry-After) once its received bytes would pass the large share, and what it held is given back."""
    async with running_edge(tmp_path, max_inflight_body_bytes=1024 * KB) as service:
        holder = b'{"action": "opened", "pad": "' + b"x" * (700 * KB) + b'"}'
        reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
        writer.write(signed_head(holder, length=len(holder)) + holder[:-KB])
        await writer.drain()
        await wait_for(lambda: budget(service).large_used == len(holder) - KB, timeout=5, what="the holder")

        late = b'{"action": "opened", "pad": "' + b"y" * (300 * KB) + b'"}'
        r2, w2 = await asyncio.open_connection("127.0.0.1", service.port)
        w2.write(signed_head(late, length=len(late)) + late[: 100 * KB])  # 68 KB would still fit in the share
        await w2.drain()
        answer = await asyncio.wait_for(read_answer(r2), 5)
        assert answer.status == 503 and answer.headers["retry-after"].isdigit(), answer
        w2.close()
        await wait_for(lambda: budget(service).large_used == len(holder) - KB and budget(service).reading == 1,
                       timeout=5, what="the refused body's bytes given back")
        assert budget(service).large_used <= budget(service).large_capacity
        status, _ = await post_signed(service.port)
        assert status == 202

        writer.write(holder[-KB:])
        await writer.drain()
        assert (await asyncio.wait_for(read_answer(reader), 5)).status == 202
        writer.close()
        assert budget(service).used == 0 and budget(service).reading == 0
        assert await total_jobs(service) == 2


async def test_small_bodies_share_the_whole_budget_and_are_refused_beyond_it(tmp_path):
    """Budget 256 KB (small bodies: up to 4 KB each): 64 4 KB bodies sent all but their last byte fill it
    (64 bytes short); the 65th gets 503."""
    async with running_edge(tmp_path, max_inflight_body_bytes=256 * KB) as service:
        body = b'{"action": "opened", "pad": "' + b"x" * (4 * KB - 31) + b'"}'
        assert len(body) == 4 * KB
        conns = []
        for _ in range(64):
            reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
            writer.write(signed_head(body, length=len(body)) + body[:-1])
            conns.append((reader, writer))
        await wait_for(lambda: budget(service).used == 256 * KB - 64, timeout=5, what="a full budget")
        assert budget(service).large_used == 0
        answer = await raw_request(service.port, signed_head(body, length=len(body)) + body)
        assert answer.status == 503 and "retry-after" in answer.headers
        for _, writer in conns:
            writer.close()
        await wait_for(lambda: budget(service).used == 0 and budget(service).reading == 0, timeout=5,
                       what="the budget given back")
        assert await total_jobs(service) == 0


async def test_idle_connections_announcing_bodies_hold_nothing_and_do_not_starve_real_deliveries(tmp_path):
    """Attack review: 64 connections announce a small body (each 1/64 of the budget) and 8 more a large one,
    and send not a byte of them. They hold nothing of the budget (it is charged as bytes arrive), so a real
    delivery meanwhile is stored at once; closing them leaves nothing behind."""
    async with running_edge(tmp_path, max_inflight_body_bytes=64 * 64 * KB) as service:
        small = budget(service).small
        held = []
        try:
            for i in range(72):
                length = small if i < 64 else 2 * 1024 * KB
                reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
                writer.write(head([("X-Hub-Signature-256", "sha256=" + "0" * 64), ("X-GitHub-Event", "issues"),
                                   ("X-GitHub-Delivery", f"idle-{i}"), ("Content-Length", str(length))]))
                await writer.drain()
                held.append(writer)
            await wait_for(lambda: budget(service).reading == 72, timeout=5, what="72 bodies awaited")
            assert (budget(service).used, budget(service).large_used) == (0, 0)
            for _ in range(3):
                status, elapsed = await post_signed(service.port)
                assert status == 202 and elapsed < 1.0, (status, elapsed)
            assert budget(service).refused == 0
        finally:
            for writer in held:
                writer.close()
        await wait_for(lambda: budget(service).reading == 0, timeout=5, what="every idle body given up")
        assert budget(service).used == 0
        assert await total_jobs(service) == 3


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
        # the first delivery also pays the cold start (first write, first session) and, in the parallel suite,
        # another test's CPU: the bound is on the others; the first must still come back well inside a second
        assert latencies[0] < 2.0 and max(latencies[1:]) < 0.25, latencies
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
    connection closed, the bytes it held given back, nothing stored; a real delivery meanwhile gets 202."""
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
        await wait_for(lambda: 0 < budget(service).used < len(BODY), timeout=2, what="the first bytes charged")
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
    """Announcing 20 MB and sending none of it: the 401 comes at once and holds nothing."""
    async with running_edge(tmp_path) as service:
        headers = github_headers("issues", BODY, None)
        headers["X-Hub-Signature-256"] = "sha1=" + "0" * 40
        started = time.monotonic()
        answer = await raw_request(service.port, head([*headers.items(), ("Content-Length", str(20 * 1024 * KB))]))
        assert answer.status == 401 and time.monotonic() - started < 1.0
        assert budget(service).refused == 0 and budget(service).used == 0


# ================================================================================= Expect: 100-continue


async def _answer_to_expect(port: int, headers) -> tuple[bytes, bool]:
    """The first status line answered to a head with ``Expect: 100-continue`` (no body sent), and whether the
    server then closes the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head([*headers, ("Expect", "100-continue"), ("X-GitHub-Event", "issues"),
                           ("X-GitHub-Delivery", "expect-1")]))
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), 5)
        return line, await closed_by_server(reader, timeout=3)
    finally:
        writer.close()


@pytest.mark.parametrize(("headers", "status"), [
    ([("X-Hub-Signature-256", "sha1=" + "0" * 40), ("Content-Length", str(24 * 1024 * KB))], b"401"),
    ([("Content-Length", "1000")], b"401"),
    ([("X-Hub-Signature-256", "sha256=" + "0" * 64), ("Content-Length", str(30 * 1024 * KB))], b"413"),
    ([("X-Hub-Signature-256", "sha256=" + "0" * 64), ("Content-Length", str(2 * 1024 * KB))], b"413"),
    ([("X-Hub-Signature-256", "sha256=" + "0" * 64), ("Content-Encoding", "gzip"), ("Content-Length", "1000")],
     b"415"),
], ids=["sha1", "no-signature", "over-25MB", "over-the-budget", "gzip"])
async def test_expect_100_continue_is_not_sent_to_a_refused_request(tmp_path, headers, status):
    """Attack review: the checks before the body run before any ``100 Continue``: a request they refuse gets
    its refusal as the first answer (the body is never invited) and the connection is closed."""
    async with running_edge(tmp_path, max_inflight_body_bytes=2 * 1024 * KB) as service:
        line, closed = await _answer_to_expect(service.port, headers)
        assert line.split()[1] == status, line
        assert closed
        assert await total_jobs(service) == 0
        status_, _ = await post_signed(service.port, Expect="100-continue")
        assert status_ == 202  # aiohttp's client waits for the 100 before it sends the body


async def test_expect_100_continue_is_503_while_the_budget_is_full(tmp_path):
    async with running_edge(tmp_path, max_inflight_body_bytes=64 * KB) as service:  # large bodies: 48 KB
        holder = b'{"pad": "' + b"x" * (47 * KB) + b'"}'
        reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
        writer.write(signed_head(holder, length=len(holder)) + holder[:-1])
        await writer.drain()
        await wait_for(lambda: budget(service).large_used == len(holder) - 1, timeout=5, what="the holder")
        line, closed = await _answer_to_expect(service.port, [("X-Hub-Signature-256", "sha256=" + "0" * 64),
                                                              ("Content-Length", str(20 * KB))])
        assert line.split()[1] == b"503" and closed, line
        writer.write(holder[-1:])
        await writer.drain()
        assert (await asyncio.wait_for(read_answer(reader), 5)).status == 202
        writer.close()
        assert await total_jobs(service) == 1


async def test_expect_100_continue_still_invites_and_stores_a_real_delivery(tmp_path):
    """A signed delivery sent the way curl sends large bodies: 100 Continue, then the body, then 202."""
    async with running_edge(tmp_path) as service:
        reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
        try:
            writer.write(signed_head(BODY, length=len(BODY), Expect="100-continue"))
            await writer.drain()
            assert (await asyncio.wait_for(reader.readline(), 5)).split()[1] == b"100"
            assert await reader.readline() == b"\r\n"
            writer.write(BODY)
            await writer.drain()
            answer = await asyncio.wait_for(read_answer(reader), 5)
            assert answer.status == 202, answer
        finally:
            writer.close()
        assert await total_jobs(service) == 1


def test_the_edge_limits_are_read_from_the_environment():
    from bot.settings import Settings

    env = {"MAX_INFLIGHT_BODY_BYTES": "1048576", "MAX_CHUNKED_BODY_BYTES": "4096", "HEADER_TIMEOUT_SECONDS": "2.5",
           "BODY_TIMEOUT_SECONDS": "7", "KEEPALIVE_TIMEOUT_SECONDS": "3"}
    s = Settings.from_env(env, dotenv=None)
    assert (s.max_inflight_body_bytes, s.max_chunked_body_bytes, s.header_timeout, s.body_timeout,
            s.keepalive_timeout) == (1048576, 4096, 2.5, 7.0, 3.0)
    d = Settings.from_env({}, dotenv=None)
    assert (d.max_inflight_body_bytes, d.header_timeout, d.body_timeout) == (64 * 1024 * 1024, 10.0, 30.0)
