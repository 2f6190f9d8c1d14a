"""Issue 10, point 2: a seeded fuzz test of the webhook edge through a real socket.

Thousands of hostile requests built from raw bytes (random methods, paths and versions; header names and
values with NUL, CR, non-UTF-8 and huge values; duplicated and contradictory headers; odd and forged
signatures; Content-Encoding, Transfer-Encoding and mismatched Content-Length; truncated, oversized and
pipelined bodies), mixed with real signed deliveries, many connections at once, with short header and body
timeouts. What must hold:

* no response is a 5xx (a connection may be closed without an answer: a request that never completes);
* nothing unsigned is stored, and exactly the new signed deliveries are, byte for byte;
* the edge still answers a real delivery at once afterwards, and every body reservation was given back.

``EDGE_FUZZ_SEED`` and ``EDGE_FUZZ_REQUESTS`` replay or enlarge a run.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import os
import random
import time
import uuid

import pytest

from bot.core import signing
from tests.fixtures.helpers import github_headers, payload_files, sign
from tests.reliability.edge_harness import (
    HOOK_PATH,
    SECRET,
    budget,
    head,
    read_answer,
    running_edge,
    wait_for,
)

SEED = int(os.environ.get("EDGE_FUZZ_SEED", "20260510"))
REQUESTS = int(os.environ.get("EDGE_FUZZ_REQUESTS", "3000"))
CONCURRENCY = 48
PAYLOADS = [(event, path.read_bytes()) for event, path in payload_files() if event != "ping"]

METHODS = [b"POST"] * 8 + [b"GET", b"PUT", b"DELETE", b"PATCH", b"HEAD", b"OPTIONS", b"CONNECT", b"TRACE", b"post",
                           b"P0ST", b"PO ST", b"POST\x00", b"\xffPOST", b"", b"X" * 300, b"PRI", b"BREW"]
PATHS = [HOOK_PATH.encode()] * 8 + [
    b"/", b"/healthz", b"/metrics", b"/api/github/webhooks/", b"//api/github/webhooks", b"/api/github/webhooks?a=1",
    b"/api/github/webhooks#x", b"/api/github/%77ebhooks", b"/API/GITHUB/WEBHOOKS", b"http://127.0.0.1/api/github/webhooks",
    b"*", b"", b"/../../etc/passwd", b"/\x00", b"/\xff\xfe", b"/" + b"a" * 9000, b"/%00", b"/%zz", b"/ /",
]
VERSIONS = [b"HTTP/1.1"] * 8 + [b"HTTP/1.0", b"HTTP/2.0", b"HTTP/0.9", b"HTTP/1.1 x", b"http/1.1", b"HTTP/1.10",
                                b"HTTP/9.9", b"", b"HTTP/1.1\x00", b"\xff"]
ENCODINGS = ["gzip", "deflate", "br", "zstd", "compress", "x-gzip", "GZIP", "identity, gzip", "gzip, identity",
             "\x00", "gzip\x00", "aes128gcm", "*"]
TRANSFER = ["chunked", "chunked, chunked", "gzip, chunked", "identity", "gzip", " chunked", "chunked ",
            "CHUNKED", "chunked;q=1", "x", "\x00chunked"]
LENGTHS = ["-1", "+5", "0x10", "1e3", "99999999999999999999", " 10", "10 ", "", "abc", "1,1", "0", "\x00",
           str(100 * 1024 * 1024)]
SIGNATURES = ["sha1=" + "0" * 40, "sha256=", "sha256=" + "0" * 63, "sha256=" + "0" * 65, "sha256=" + "A" * 64,
              "sha256=" + "g" * 64, "SHA256=" + "0" * 64, "sha512=" + "0" * 128, "md5=x", "=", "", "sha256",
              "sha256==" + "0" * 64, "sha256=" + "0" * 64 + "\x00", "sha256=\xff" * 8]


def random_bytes(rng: random.Random, n: int) -> bytes:
    return rng.randbytes(n)


def parseable_header_bytes(rng: random.Random) -> bytes:
    """A value the HTTP parser lets through (visible ASCII and obs-text), so the request reaches the edge."""
    kind = rng.randrange(4)
    if kind == 0:
        return bytes(rng.choice(range(0x21, 0x7F)) for _ in range(rng.randrange(1, 80)))
    if kind == 1:
        return "é€😀\u202e".encode() * rng.randrange(1, 5)
    if kind == 2:
        return b"\xc3\x28\xa0\xa1\xff\xfe" * rng.randrange(1, 4)
    return rng.choice([b"0", b"-1", b"sha256=", b"chunked", b"gzip", b"100-continue", b"close", b"%00", b"a" * 4000])


def hostile_header_bytes(rng: random.Random, *, parseable: bool = False) -> bytes:
    if parseable:
        return parseable_header_bytes(rng)
    kind = rng.randrange(7)
    if kind == 0:
        return random_bytes(rng, rng.randrange(1, 40))  # anything: NUL, CR, LF, 0x80-0xff
    if kind == 1:
        return "é€😀\u202e".encode() * rng.randrange(1, 5)
    if kind == 2:
        return b"\xc3\x28\xa0\xa1\xf0\x28\x8c\x28" * rng.randrange(1, 4)  # invalid UTF-8
    if kind == 3:
        return b"a" * rng.choice([8000, 8190, 8191, 9000, 70000])  # around and past aiohttp's line limit
    if kind == 4:
        return b"x\x00y"
    if kind == 5:
        return b" \t " + random_bytes(rng, 4).replace(b"\n", b"") + b" "
    return b"\r\n\r\n" if rng.random() < 0.5 else b"\n"


def hostile_body(rng: random.Random) -> bytes:
    kind = rng.randrange(6)
    if kind == 0:
        return b""
    if kind == 1:
        return random_bytes(rng, rng.randrange(1, 4096))
    if kind == 2:
        return rng.choice(PAYLOADS)[1]
    if kind == 3:
        return json.dumps({"action": "opened", "x": "y" * rng.randrange(100)}).encode()
    if kind == 4:
        return gzip.compress(rng.choice(PAYLOADS)[1])
    return b"{" * rng.randrange(1, 50000)


def valid_request(rng: random.Random) -> tuple[str, bytes, bytes]:
    event, body = rng.choice(PAYLOADS)
    guid = f"v-{uuid.UUID(int=rng.getrandbits(128))}"
    headers = github_headers(event, body, SECRET, delivery=guid)
    if rng.random() < 0.2:
        headers["Content-Encoding"] = "identity"
    junk = [(f"X-Junk-{i}".encode(), parseable_header_bytes(rng)) for i in range(rng.choice([0, 0, 1, 3]))]
    return guid, body, head([*headers.items(), *junk, ("Content-Length", str(len(body)))]) + body


def hostile_request(rng: random.Random) -> bytes:  # noqa: C901 - one branch per way to be hostile
    event, original = rng.choice(PAYLOADS)
    body = hostile_body(rng) if rng.random() < 0.6 else original
    guid = f"h-{uuid.UUID(int=rng.getrandbits(128))}"
    headers: list[tuple[bytes | str, bytes | str]] = [
        ("Content-Type", "application/json"), ("User-Agent", "GitHub-Hookshot/fuzz"),
        ("X-GitHub-Event", event), ("X-GitHub-Delivery", guid),
    ]
    signature = rng.randrange(6)
    if signature == 0:
        headers.append(("X-Hub-Signature-256", rng.choice(SIGNATURES)))
    elif signature == 1:
        headers.append(("X-Hub-Signature-256", sign(body, "not-" + SECRET)))
    elif signature == 2:
        headers.append(("X-Hub-Signature-256", sign(original if body != original else b"x" + body, SECRET)))
    elif signature == 3:
        headers.append(("X-Hub-Signature-256", hostile_header_bytes(rng)))
    elif signature == 4:
        headers.append(("X-Hub-Signature", signing.signature_1(body, SECRET)))
    # signature == 5: none at all
    method, path, version = b"POST", HOOK_PATH.encode(), b"HTTP/1.1"
    framing = "length"
    parseable = rng.random() < 0.5  # half the requests get past the HTTP parser to the edge itself
    for _ in range(rng.randrange(1, 5)):
        what = rng.randrange(12)
        if what == 0 and not parseable:
            method = rng.choice(METHODS)
        elif what == 1 and not parseable:
            path = rng.choice(PATHS)
        elif what == 2 and not parseable:
            version = rng.choice(VERSIONS)
        elif what == 3:
            name = b"X-" + bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz-") for _ in range(8))
            headers.append((name if parseable else hostile_header_bytes(rng), hostile_header_bytes(rng, parseable=parseable)))
        elif what == 4:
            name = rng.choice(["X-GitHub-Event", "X-GitHub-Delivery", "Content-Type", "Host", "X-Hub-Signature-256",
                               "Content-Length", "Connection", "Expect", "Upgrade", "Cookie", "Content-Encoding",
                               "Transfer-Encoding", "Accept", "Authorization"])
            headers.append((name, hostile_header_bytes(rng, parseable=parseable)))
        elif what == 5:
            dup = rng.choice(headers)
            headers.append(dup)  # a duplicated header
        elif what == 6:
            headers.append(("Content-Encoding", rng.choice(ENCODINGS)))
        elif what == 7:
            headers.append(("Transfer-Encoding", rng.choice(TRANSFER)))
            framing = rng.choice(["chunked", "chunked", "bad-chunks", "length"])
        elif what == 8:
            headers.append(("Content-Length", rng.choice(LENGTHS)))
            framing = "none"
        elif what == 9:
            framing = rng.choice(["short", "long", "none"])
        elif what == 10:
            headers.append(("Expect", rng.choice(["100-continue", "200-ok", "\x00"])))
        else:
            headers.extend((f"X-Pad-{i}", "p" * rng.randrange(100)) for i in range(rng.choice([10, 50, 200])))
    if framing == "length":
        headers.append(("Content-Length", str(len(body))))
    elif framing == "short":
        headers.append(("Content-Length", str(max(0, len(body) - rng.randrange(1, 100)))))
    elif framing == "long":
        headers.append(("Content-Length", str(len(body) + rng.randrange(1, 10000))))
    data = head(headers, method=method, path=path, version=version)
    if framing in ("chunked", "bad-chunks"):
        size = rng.randrange(1, 5000)
        pieces = [body[i:i + size] for i in range(0, len(body), size)]
        if framing == "chunked":
            data += b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
        else:
            data += rng.choice([b"zz\r\nabc\r\n", b"-1\r\n", b"5\r\nabc\r\n0\r\n\r\n", b"fffffffffffffffff\r\n",
                                b"3;ext\x00\r\nabc\r\n0\r\n\r\n", b"\r\n\r\n"])
    else:
        data += body
    if rng.random() < 0.05:  # a pipelined second request, hostile too
        data += hostile_request(rng)
    return data


async def exchange(port: int, data: bytes, *, timeout: float) -> int | None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        try:
            return (await asyncio.wait_for(read_answer(reader), timeout)).status
        except TimeoutError:
            return -1
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


@pytest.mark.slow  # thousands of requests through a real server: with the slow tests (tests/reliability/test_hostile_input.py keeps fuzzed deliveries in the quick run)
async def test_thousands_of_hostile_requests_get_no_5xx_and_only_the_signed_deliveries_are_stored(tmp_path):
    rng = random.Random(SEED)
    plan: list[tuple[str | None, bytes, bytes]] = []
    for _ in range(REQUESTS):
        if rng.random() < 0.1:
            plan.append(valid_request(rng))
        else:
            plan.append((None, b"", hostile_request(rng)))
    expected = {guid: body for guid, body, _ in plan if guid is not None}
    assert len(expected) > REQUESTS // 20

    async with running_edge(tmp_path, header_timeout=1.0, body_timeout=1.0, keepalive_timeout=1.0,
                            max_inflight_body_bytes=8 * 1024 * 1024) as service:
        statuses: dict[int | None, int] = {}
        valid_statuses: list[int | None] = []
        gate = asyncio.Semaphore(CONCURRENCY)
        started = time.monotonic()

        async def one(guid, data):
            async with gate:
                status = await exchange(service.port, data, timeout=8.0)
            statuses[status] = statuses.get(status, 0) + 1
            if guid is not None:
                valid_statuses.append(status)

        await asyncio.gather(*(one(guid, data) for guid, _, data in plan))
        took = time.monotonic() - started

        five_xx = {s: n for s, n in statuses.items() if s is not None and s >= 500}
        assert not five_xx, (SEED, five_xx, statuses)
        past_the_parser = sum(statuses.get(s, 0) for s in (401, 408, 413, 415, 417))
        assert past_the_parser > REQUESTS // 10, statuses  # the edge itself was exercised, not just aiohttp's parser
        assert statuses.get(-1, 0) == 0, (SEED, statuses)  # every connection answered or was closed in time
        assert valid_statuses == [202] * len(expected), (SEED, valid_statuses)
        assert sum(n for s, n in statuses.items() if s is not None and 400 <= s < 500) > REQUESTS // 2, statuses
        jobs = await service.store.list_jobs(None, limit=1_000_000)
        stored = {job.key: job.payload for job in jobs}
        assert set(stored) == set(expected), (SEED, set(stored) ^ set(expected))
        assert all(stored[guid] == body for guid, body in expected.items())
        await wait_for(lambda: budget(service).used == 0, timeout=5, what="every reservation given back")
        assert took < 120, took

        guid, body, data = valid_request(random.Random(SEED + 1))  # and it still answers at once
        started = time.monotonic()
        assert await exchange(service.port, data, timeout=5) == 202
        assert time.monotonic() - started < 1.0
        assert len(await service.store.list_jobs(None, limit=1_000_000)) == len(expected) + 1
