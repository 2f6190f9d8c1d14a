"""Issue 7, hostile input: what an attacker (or a broken sender) can put in front of fundbot.

Two harnesses, both the real thing:

* ``edge``: the web endpoint alone in setup mode (deliveries are verified and stored, nothing processes them),
  for the HTTP-level tests: fuzzing, oversized and slow bodies, forged signatures.
* ``bot`` (``tests/bot_fixtures.py``): the real endpoint and workers against the GitHub sandbox, for what the
  handlers do with hostile content: schema-invalid payloads, bot authors, missing permissions, Markdown/HTML
  injection and impostor status comments.

The five bugs this suite found (500s on ids beyond 64 bits and on lone surrogates, NaN accepted as JSON, a
malformed ``full_name`` reaching request paths, a refused command echoing a marker into fundbot's reply) are
fixed; their tests below pass, and the fuzz test tolerates no 500 at all.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import json
import logging
import re
import time
import uuid

import aiohttp
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict

from bot.app import Service
from bot.core import config as core_config
from bot.core import markdown, signing
from bot.core.campaign import Campaign
from bot.edge.web import parse_json
from bot.services import campaigns as shell
from bot.services.repo import Repo
from bot.settings import MAX_WEBHOOK_BYTES, Settings
from tests.fixtures.bot_fixtures import settle
from tests.fixtures.depth import examples
from tests.fixtures.helpers import WEBHOOKS, github_headers, payload_bytes, payload_files, sign

SECRET = "edge-secret"
HOOK_PATH = "/api/github/webhooks"


# ==================================================================================================== harness


@pytest.fixture
async def edge(tmp_path):
    """The web endpoint alone, in setup mode (no App credentials): deliveries are stored, not processed.
    (The pattern of ``tests/edge/test_webhook_edge.py``.)"""
    service = Service(Settings(webhook_secret=SECRET, database_url=f"sqlite:///{tmp_path / 'edge.db'}",
                               host="127.0.0.1", port=0))
    await service.open()
    port = await service.start_web()
    async with aiohttp.ClientSession() as session:
        yield service, session, f"http://127.0.0.1:{port}"
    await service.close(grace=1)


async def total_jobs(service) -> int:
    return sum((await service.store.counts()).values())


async def post(session, url, event, body, *, secret=SECRET, delivery=None, headers=None):
    h = github_headers(event, body, secret, delivery=delivery)
    h.update(headers or {})
    async with session.post(url + HOOK_PATH, data=body, headers={k: v for k, v in h.items() if v is not None}) as r:
        return r.status, await r.read()


class _Constant(Exception):
    pass


def _refuse_constant(token: str):
    raise _Constant(token)


def strict_json(body: bytes):
    """RFC 8259 JSON, what the edge documents it accepts: orjson, or the standard library for what orjson
    refuses (e.g. 1e400, some escapes), but without NaN/Infinity, which are not JSON."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body, parse_constant=_refuse_constant)


def lenient_json(body: bytes):
    """Also NaN and Infinity (Python's json takes them)."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)


# ============================================================================== 1. fuzzing the webhook endpoint

PAYLOADS = [(event, path.read_bytes()) for event, path in payload_files()]
_DEEP = "\x00deep:{}:{}\x00"  # sentinel strings replaced after encoding (json.dumps cannot nest 3,000 deep)
_CONSTANTS = {"\x00NaN\x00": b"NaN", "\x00Inf\x00": b"Infinity", "\x00-Inf\x00": b"-Infinity"}


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


def _set(doc, path, value):
    if not path:
        return value
    target = doc
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return doc


def _delete(doc, path):
    if path:
        target = doc
        for part in path[:-1]:
            target = target[part]
        del target[path[-1]]
    return doc


def _encode(doc, *, ascii_only: bool) -> bytes:
    text = json.dumps(doc, ensure_ascii=ascii_only)
    raw = text.encode("utf-8", "surrogatepass")  # a lone surrogate unescaped: bytes that are not UTF-8
    for sentinel, token in _CONSTANTS.items():
        raw = raw.replace(json.dumps(sentinel, ensure_ascii=ascii_only).encode(), token)

    def deep(m: re.Match) -> bytes:
        kind, depth = m.group(1).decode(), int(m.group(2))
        return (b"[" * depth + b"]" * depth) if kind == "list" else (b'{"a":' * depth + b"1" + b"}" * depth)

    return re.sub(rb'"\\u0000deep:(list|dict):(\d+)\\u0000"', deep, raw)


EDGE_FIELDS = [("installation", "id"), ("repository", "id"), ("issue", "number"), ("pull_request", "number")]
INTERESTING_KEYS = {"installation", "repository", "issue", "pull_request", "comment", "id", "number", "action",
                    "full_name", "body", "labels", "label", "name", "sender", "login", "type"}
header_text = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=80)

hostile_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64 - 1, 2**64, 10**30, -(2**63), -(2**63) - 1, -(10**40)]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(list(_CONSTANTS)),  # NaN, Infinity, -Infinity as bare tokens
    st.text(max_size=40),  # any unicode
    st.sampled_from(["\ud800", "a\udfffb", "\u202egnp.exe", "\x00", "<script>alert(1)</script>", "-->",
                     "<!-- fundbot:campaign v1 {} -->", "](javascript:alert(1))", "😀" * 50, "../../etc/passwd"]),
    st.integers(10_000, 1_500_000).map(lambda n: "A" * n),  # huge strings
    st.tuples(st.sampled_from(["list", "dict"]), st.integers(1, 3_000)).map(lambda t: _DEEP.format(*t)),  # deep nesting
    st.lists(st.integers(), max_size=4),
    st.dictionaries(st.text(max_size=6), st.integers(), max_size=3),
)

edge_values = st.one_of(st.sampled_from([2**63, 2**64 - 1, 2**64, -(2**63) - 1, "\ud800", "a\udfffb", None, True, "1", [], {}]),
                        hostile_values)


@st.composite
def mutated_bodies(draw, original: bytes) -> bytes:
    kind = draw(st.sampled_from(["json", "json", "json", "json", "edge-fields", "flip", "truncate", "insert", "concat",
                                 "none"]))
    if kind == "none":
        return original
    if kind == "edge-fields":  # the fields the edge itself reads (installation id, ordering key)
        doc = json.loads(original)
        for outer, inner in draw(st.lists(st.sampled_from(EDGE_FIELDS), min_size=1, max_size=3, unique=True)):
            if not isinstance(doc.get(outer), dict):
                doc[outer] = {}
            doc[outer][inner] = draw(edge_values)
        return _encode(doc, ascii_only=draw(st.booleans()))
    if kind == "flip":
        body = bytearray(original)
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(body) - 1))
            body[i] ^= draw(st.integers(1, 255))
        return bytes(body)
    if kind == "truncate":
        return original[: draw(st.integers(0, len(original) - 1))]
    if kind == "insert":
        i = draw(st.integers(0, len(original)))
        return original[:i] + draw(st.binary(min_size=1, max_size=20)) + original[i:]
    if kind == "concat":
        return original + draw(st.sampled_from([b"", b" ", b"\n", b"{}", original, b"\x00"]))
    doc = json.loads(original)
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(doc))
        keyed = [p for p in paths if p and p[-1] in INTERESTING_KEYS]
        if keyed and draw(st.booleans()):  # half the time, a field the edge or the handlers look at
            paths = keyed
        path = draw(st.sampled_from(paths))
        if path and draw(st.integers(0, 4)) == 0:
            doc = _delete(doc, path)
        else:
            doc = _set(doc, path, draw(hostile_values))
    return _encode(doc, ascii_only=draw(st.booleans()))


SIGNATURES = ["valid"] * 8 + ["missing", "other-secret", "sha1-only", "other-body", "uppercase", "prefix-upper",
                              "truncated", "extra", "padded", "garbage", "empty", "valid+garbage", "garbage+valid"]


@st.composite
def requests(draw):
    event, original = draw(st.sampled_from(PAYLOADS))
    body = draw(mutated_bodies(original))
    headers = CIMultiDict()
    event_kind = draw(st.sampled_from(["real"] * 6 + ["missing", "empty", "garbage", "odd", "twice"]))
    if event_kind == "real":
        headers["X-GitHub-Event"] = event
    elif event_kind in ("garbage", "empty"):
        headers["X-GitHub-Event"] = "" if event_kind == "empty" else draw(header_text)
    elif event_kind == "odd":
        headers["X-GitHub-Event"] = draw(st.sampled_from(["ISSUES", "issue-comment", "../issues", "a" * 65, "ping ",
                                                          "issues;drop", "ïssues", "issues\u200b"]))
    elif event_kind == "twice":
        headers.add("X-GitHub-Event", event)
        headers.add("X-GitHub-Event", draw(st.sampled_from(["ping", "push", "garbage!"])))
    delivery_kind = draw(st.sampled_from(["uuid"] * 6 + ["missing", "empty", "garbage", "odd", "twice"]))
    if delivery_kind == "uuid":
        headers["X-GitHub-Delivery"] = str(uuid.uuid4())
    elif delivery_kind in ("garbage", "empty"):
        headers["X-GitHub-Delivery"] = "" if delivery_kind == "empty" else draw(header_text)
    elif delivery_kind == "odd":
        headers["X-GitHub-Delivery"] = draw(st.sampled_from(["a/b", "x y", "é", "a" * 129, "<script>", "../../x",
                                                             "%00", "😀", "id'; DROP TABLE jobs;--", "a" * 128]))
    elif delivery_kind == "twice":
        headers.add("X-GitHub-Delivery", str(uuid.uuid4()))
        headers.add("X-GitHub-Delivery", str(uuid.uuid4()))
    content_type = draw(st.sampled_from(["application/json"] * 4 + [None, "text/plain", "application/x-www-form-urlencoded",
                                                                      "multipart/form-data; boundary=x", "garbage/\u00e9"]))
    if content_type is not None:
        headers["Content-Type"] = content_type
    good = sign(body, SECRET)
    variant = draw(st.sampled_from(SIGNATURES))
    value = {
        "valid": good,
        "other-secret": sign(body, "not-the-secret"),
        "other-body": sign(original if original != body else original + b" ", SECRET),
        "uppercase": "sha256=" + good[7:].upper(),
        "prefix-upper": "SHA256=" + good[7:],
        "truncated": good[: draw(st.integers(7, len(good) - 1))],
        "extra": good + "0",
        "padded": f"  {good} ",
        "garbage": draw(header_text),
        "empty": "",
    }.get(variant)
    if variant == "valid+garbage":
        headers.add("X-Hub-Signature-256", good)
        headers.add("X-Hub-Signature-256", "sha256=" + "0" * 64)
    elif variant == "garbage+valid":
        headers.add("X-Hub-Signature-256", "sha256=" + "0" * 64)
        headers.add("X-Hub-Signature-256", good)
    elif variant == "sha1-only":
        headers["X-Hub-Signature"] = signing.signature_1(body, SECRET)
    elif value is not None:
        headers["X-Hub-Signature-256"] = value
    return event, body, headers


async def test_fuzzed_webhooks_never_get_a_5xx_and_only_signed_json_objects_are_stored(edge):
    """Mutated real payloads and headers through the real HTTP endpoint (one server for every example)."""
    service, session, url = edge
    loop = asyncio.get_running_loop()
    seen: dict[int, int] = {}

    async def one(body: bytes, headers: CIMultiDict) -> tuple[int, bytes, int, int]:
        before = await total_jobs(service)
        async with session.post(url + HOOK_PATH, data=body, headers=headers) as r:
            status, answer = r.status, await r.read()
        return status, answer, before, await total_jobs(service)

    @settings(max_examples=examples(300), deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
    @given(requests())
    def check(request):
        event, body, headers = request
        status, answer, before, after = asyncio.run_coroutine_threadsafe(one(body, headers), loop).result(30)
        seen[status] = seen.get(status, 0) + 1
        good = sign(body, SECRET)
        # HTTP strips optional whitespace (SP, HTAB) around header values
        signatures = [v.strip(" \t") for v in headers.getall("X-Hub-Signature-256", [])]
        signed = good in signatures  # some header carried the HMAC of these exact bytes
        first_signed = bool(signatures) and signatures[0] == good
        try:
            lenient = lenient_json(body)
        except (ValueError, RecursionError):
            lenient = None
        try:
            strict = strict_json(body)
        except (ValueError, RecursionError, _Constant):
            strict = None
        events = [v.strip(" \t") for v in headers.getall("X-GitHub-Event", [])]
        deliveries = [v.strip(" \t") for v in headers.getall("X-GitHub-Delivery", [])]
        plain = (len(signatures) == 1 and first_signed and len(events) == 1 and events[0] == event
                 and len(deliveries) == 1 and re.fullmatch(r"[0-9a-f-]{36}", deliveries[0]) is not None)

        assert status in (200, 202, 400, 401, 413), (status, answer[:300], body[:300], dict(headers))
        if not signed:
            assert status == 401, (status, answer[:300])  # signature first: nothing else is looked at
        if status in (200, 202):
            assert signed and isinstance(lenient, dict), (status, body[:300])
            assert events and deliveries
        if status == 200:
            assert events[0] == "ping" and after == before
        if status == 202:
            answered = json.loads(answer)
            assert answered["delivery"] == deliveries[0]
            assert after == before + (0 if answered["duplicate"] else 1)
            # strict JSON only, except the known NaN/Infinity leniency pinned below
            assert isinstance(strict, dict) or known_constant(body), body[:300]
        else:
            assert after == before, (status, "a refused request stored something")
        if plain and status != 500:  # a correct delivery with ordinary headers: the outcome is fully determined
            if isinstance(strict, dict):
                assert status == (200 if event == "ping" else 202), (status, answer[:300], body[:300])
            elif lenient is None or not isinstance(lenient, dict):
                assert status == 400, (status, answer[:300], body[:300])

    await asyncio.to_thread(check)
    # the fuzzing ran, and reached past the signature check into the parser and the store
    assert sum(seen.values()) >= 100, seen
    assert seen.get(202, 0) >= 10 and seen.get(400, 0) >= 5 and seen.get(401, 0) >= 10, seen
    assert set(seen) <= {200, 202, 400, 401, 413, 500}, seen


def edge_view(body: bytes):
    try:
        return parse_json(body)
    except (ValueError, RecursionError):
        return None


def known_constant(body: bytes) -> bool:
    try:
        strict_json(body)
    except _Constant:
        return True
    except (ValueError, RecursionError):
        return False
    return False


# ----- the bugs the fuzzing finds, pinned


async def test_installation_id_beyond_64_bits_is_not_a_500(edge):
    service, session, url = edge
    status, answer = await post(session, url, "issues", b'{"action": "opened", "installation": {"id": 9223372036854775808}}')
    assert status in (202, 400), answer


async def test_lone_surrogate_in_the_ordering_key_is_not_a_500(edge):
    service, session, url = edge
    status, answer = await post(session, url, "issues", b'{"repository": {"id": 1}, "issue": {"number": "\\ud800"}}')
    assert status in (202, 400), answer


async def test_nan_is_not_json(edge):
    service, session, url = edge
    status, _ = await post(session, url, "issues", b'{"action": "opened", "x": NaN}')
    assert status == 400
    assert await total_jobs(service) == 0


async def test_the_edge_still_answers_after_the_known_500s(edge):
    """Whatever the fate of the requests above, one bad request never takes the endpoint (or the group commit
    of the store) down with it."""
    service, session, url = edge
    for body in (b'{"installation": {"id": 9223372036854775808}}', b'{"repository": {"id": "\\udfff"}}'):
        await post(session, url, "issues", body)
    status, _ = await post(session, url, "issues", payload_bytes("issues", "opened"))
    assert status == 202
    async with session.get(url + "/healthz") as r:
        assert r.status == 200


# ======================================================= 3. oversized bodies and slow senders cannot exhaust memory


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


async def _read_status(reader: asyncio.StreamReader) -> int:
    line = await reader.readline()
    assert line.startswith(b"HTTP/1.1 "), line
    return int(line.split()[1])


def _request_head(port: int, headers: dict[str, str]) -> bytes:
    lines = [f"POST {HOOK_PATH} HTTP/1.1", f"Host: 127.0.0.1:{port}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def test_a_body_announced_at_100_mb_is_refused_without_being_read(edge):
    service, session, url = edge
    port = int(url.rsplit(":", 1)[1])
    rss_before = _rss()
    started = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    headers = github_headers("issues", b"", SECRET)
    headers["Content-Length"] = str(100 * 1024 * 1024)
    writer.write(_request_head(port, headers) + b'{"action": "opened", "padding": "' + b"a" * 65536)
    await writer.drain()
    status = await asyncio.wait_for(_read_status(reader), timeout=5)  # no need to send the other 99.9 MB
    elapsed = time.monotonic() - started
    writer.close()
    assert status == 413 and elapsed < 2.0, (status, elapsed)
    assert _rss() - rss_before < 50 * 1024 * 1024
    assert await total_jobs(service) == 0
    status, _ = await post(session, url, "issues", payload_bytes("issues", "opened"))  # and it still serves
    assert status == 202


async def test_a_chunked_body_growing_past_25_mb_is_refused(edge):
    service, session, url = edge
    port = int(url.rsplit(":", 1)[1])
    chunk = b"a" * (1024 * 1024)
    headers = github_headers("issues", b"", SECRET)
    headers["Transfer-Encoding"] = "chunked"
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    peak = baseline = _rss()
    done = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _rss())
            await asyncio.sleep(0.005)

    async def send() -> int:
        sent = 0
        try:
            writer.write(_request_head(port, headers))
            for _ in range(160):  # 160 MB, if the server kept reading
                writer.write(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                await writer.drain()
                sent += len(chunk)
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        except (ConnectionError, OSError):
            pass  # the server may stop reading once it has answered
        return sent

    sampler = asyncio.create_task(sample())
    sender = asyncio.create_task(send())
    status = await asyncio.wait_for(_read_status(reader), timeout=30)
    await asyncio.wait_for(sender, timeout=30)
    done.set()
    await sampler
    writer.close()
    assert status == 413
    assert await total_jobs(service) == 0
    # the server held at most the 25 MB limit (a growing buffer may briefly exist twice: 25-40 MB measured), not
    # the 160 MB sent: the rest was refused or discarded, never kept
    assert peak - baseline < MAX_WEBHOOK_BYTES * 3, (peak - baseline) / 2**20
    status, _ = await post(session, url, "issues", payload_bytes("issues", "opened"))
    assert status == 202


async def test_slow_senders_do_not_block_other_deliveries(edge):
    """20 connections trickle a signed body at 1 byte / 50 ms for 2 s; a normal delivery meanwhile is
    acknowledged promptly, and the trickled ones are accepted in the end."""
    service, session, url = edge
    port = int(url.rsplit(":", 1)[1])

    async def trickle(i: int) -> int:
        body = json.dumps({"action": "opened", "n": i, "p": ""}).encode()
        body = body[:-2] + b"x" * (40 - len(body)) + b'"}'  # 40 bytes: 2 s at 1 byte / 50 ms
        assert len(body) == 40 and json.loads(body)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        headers = github_headers("issues", body, SECRET)
        headers["Content-Length"] = str(len(body))
        writer.write(_request_head(port, headers))
        for byte in body:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.05)
        status = await asyncio.wait_for(_read_status(reader), timeout=10)
        writer.close()
        return status

    slow = [asyncio.create_task(trickle(i)) for i in range(20)]
    await asyncio.sleep(0.3)  # every slow sender is mid-body
    latencies = []
    for _ in range(5):
        started = time.monotonic()
        status, _ = await post(session, url, "issues", payload_bytes("issues", "opened"))
        latencies.append(time.monotonic() - started)
        assert status == 202
        await asyncio.sleep(0.1)
    assert max(latencies) < 0.5, latencies
    assert not any(t.done() for t in slow)  # they really were still sending
    assert await asyncio.gather(*slow) == [202] * 20
    assert await total_jobs(service) == 25


# ========================================================================= 4. forged signatures and replays

OTHER_BODY = payload_bytes("issue_comment", "created")


def _forged(variant: str, body: bytes) -> dict[str, str]:
    good = sign(body, SECRET)
    headers = github_headers("issues", body, None)
    value = {
        "another-secret": sign(body, "not-" + SECRET),
        "another-body": sign(OTHER_BODY, SECRET),
        "truncated-hex": good[:-1],
        "half-hex": good[: 7 + 32],
        "uppercase-hex": "sha256=" + good[7:].upper(),
        "no-prefix": good[7:],
        "sha1-prefix-on-sha256": "sha1=" + good[7:],
        "empty-digest": "sha256=",
        "sha512-of-body": "sha512=" + hmac.new(SECRET.encode(), body, hashlib.sha512).hexdigest(),
        "hmac-of-empty-secret": sign(body, ""),
        "plain-sha256-not-hmac": "sha256=" + hashlib.sha256(body).hexdigest(),
    }.get(variant)
    if variant == "sha1-only":
        headers["X-Hub-Signature"] = signing.signature_1(body, SECRET)
    else:
        headers["X-Hub-Signature-256"] = value
    return headers


@pytest.mark.parametrize("variant", ["another-secret", "another-body", "truncated-hex", "half-hex", "uppercase-hex",
                                     "no-prefix", "sha1-prefix-on-sha256", "empty-digest", "sha512-of-body",
                                     "hmac-of-empty-secret", "plain-sha256-not-hmac", "sha1-only"])
async def test_forged_signatures_are_401_and_store_nothing(edge, variant):
    service, session, url = edge
    body = payload_bytes("issues", "opened")
    async with session.post(url + HOOK_PATH, data=body, headers=_forged(variant, body)) as r:
        assert r.status == 401, await r.text()
    assert await total_jobs(service) == 0


async def test_a_correct_signature_on_the_same_request_is_accepted(edge):
    """The control for the forgeries above: the same request correctly signed is stored."""
    service, session, url = edge
    status, _ = await post(session, url, "issues", payload_bytes("issues", "opened"))
    assert status == 202 and await total_jobs(service) == 1


# ====================================================================== the bot against the sandbox: helpers

REPO = "octo-org/widgets"  # tests/sandbox_fixtures.py: FUNDING.yml github: [octocat]; octocat is an admin


@pytest.fixture
def repo(sandbox, sandbox_repo, sandbox_installation_id):
    for login in ("alice", "bob", "carol", "dave", "mallory"):
        sandbox.add_user(login)
    return sandbox_repo


@pytest.fixture
async def quick_bot(make_bot):
    """The ``bot`` fixture, parking a failing job after 3 attempts instead of 8 (hostile payloads fail fast)."""
    return await make_bot(max_attempts=3)


def fundbot_comments(sandbox, number, repo=REPO):
    return [c for c in sandbox.comments(repo, number) if c["user"]["login"] == "fundbot[bot]"]


def status_comments(sandbox, number, repo=REPO):
    return [c for c in fundbot_comments(sandbox, number, repo) if markdown.has_marker(c["body"], "campaign")]


def replies(sandbox, number, repo=REPO):
    return [c for c in fundbot_comments(sandbox, number, repo) if markdown.has_marker(c["body"], "reply")]


def snapshot(sandbox, number, repo=REPO) -> Campaign:
    [comment] = status_comments(sandbox, number, repo)
    [data] = [d for name, _, d in markdown.find_markers(comment["body"]) if name == "campaign"]
    return Campaign.from_snapshot(data)


def reactions(sandbox, comment_id, repo=REPO):
    return [r.content for r in sandbox.repo(repo).comments[comment_id].reactions]


def delivery_of(sandbox, event, **match):
    """The last webhook the sandbox sent for ``event`` whose payload matches ``match`` (``a__b`` = a.b)."""
    def get(payload, dotted):
        for part in dotted.split("."):
            payload = payload.get(part) if isinstance(payload, dict) else None
        return payload

    found = [d for d in sandbox.deliveries if d["event"] == event
             and all(get(d["payload"], k.replace("__", ".")) == v for k, v in match.items())]
    assert found, (event, match)
    return found[-1]


async def refold(bot, sandbox, number, repo=REPO):
    """What ``python -m bot rebuild`` computes: the campaign and fundbot's status comment, from GitHub alone."""
    ctx = bot.service.ctx
    repository = {"id": sandbox.repo(repo).id, "full_name": repo, "default_branch": "main"}
    gh = await bot.service.github.installation(next(iter(sandbox._installations)))
    s = await shell.setup(Repo(gh, ctx, repository))
    events, status_id = await shell.events_from_github(Repo(gh, ctx, repository), number, s)
    return shell.ledger.fold(events, now=ctx.clock.time(), **s.kwargs()), status_id


# ============================================================ 2. schema-invalid payloads never crash a worker


def _drop(key):
    return lambda p: {k: v for k, v in p.items() if k != key}


def _set_in(path, value):
    def mutate(p):
        p = copy.deepcopy(p)
        target = p
        for part in path[:-1]:
            if not isinstance(target.get(part), dict):
                target[part] = {}
            target = target[part]
        target[path[-1]] = value
        return p
    return mutate


# (event, which real delivery, mutation) - each one a payload GitHub would never send, correctly signed
INVALID_PAYLOADS = {
    "issue-is-a-string": ("issue_comment", "pledge", _set_in(("issue",), "#1")),
    "issue-is-a-list": ("issue_comment", "pledge", _set_in(("issue",), [1, 2])),
    "comment-body-a-number": ("issue_comment", "pledge", _set_in(("comment", "body"), 12345)),
    "comment-body-a-dict": ("issue_comment", "pledge", _set_in(("comment", "body"), {"text": "/pledge 5"})),
    "comment-is-null": ("issue_comment", "pledge", _set_in(("comment",), None)),
    "comment-id-a-string": ("issue_comment", "pledge", _set_in(("comment", "id"), "not-an-id")),
    "comment-user-a-string": ("issue_comment", "pledge", _set_in(("comment", "user"), "bob")),
    "comment-user-login-a-number": ("issue_comment", "pledge", _set_in(("comment", "user", "login"), 42)),
    "comment-created-at-garbage": ("issue_comment", "pledge", _set_in(("comment", "created_at"), "yesterday")),
    "issue-number-a-string": ("issue_comment", "pledge", _set_in(("issue", "number"), "1")),
    "issue-number-huge": ("issue_comment", "pledge", _set_in(("issue", "number"), 10**30)),
    "issue-number-negative": ("issue_comment", "pledge", _set_in(("issue", "number"), -1)),
    "repository-missing": ("issue_comment", "pledge", _drop("repository")),
    "repository-a-string": ("issue_comment", "pledge", _set_in(("repository",), "octo-org/widgets")),
    "full-name-a-number": ("issue_comment", "pledge", _set_in(("repository", "full_name"), 7)),
    "installation-a-string": ("issue_comment", "pledge", _set_in(("installation",), "1")),
    "installation-missing": ("issue_comment", "pledge", _drop("installation")),
    "action-a-list": ("issue_comment", "pledge", _set_in(("action",), ["created"])),
    "action-a-dict": ("issue_comment", "pledge", _set_in(("action",), {"created": True})),
    "changes-a-string": ("issue_comment", "pledge", lambda p: {**p, "action": "edited", "changes": "everything"}),
    "deleted-comment-body-a-list": ("issue_comment", "pledge",  # (another comment: bob's pledge stays)
                                    lambda p: {**_set_in(("comment", "body"), ["/unpledge"])(_set_in(("comment", "id"), 987654321)(p)),
                                               "action": "deleted"}),
    "labels-not-a-list": ("issues", "labeled", _set_in(("issue", "labels"), "bounty: S")),
    "labels-of-strings": ("issues", "labeled", _set_in(("issue", "labels"), ["bounty: S", 5, None])),
    "label-a-string": ("issues", "labeled", _set_in(("label",), "bounty: S")),
    "label-name-a-number": ("issues", "labeled", _set_in(("label", "name"), 500)),
    "sender-a-list": ("issues", "labeled", _set_in(("sender",), ["octocat"])),
    "issue-body-a-number": ("issues", "opened", _set_in(("issue", "body"), 3.5)),
    "issue-user-null": ("issues", "opened", _set_in(("issue", "user"), None)),
    "closed-state-reason-a-dict": ("issues", "closed", _set_in(("issue", "state_reason"), {"x": 1})),
    "pull-body-a-number": ("pull_request", "merged", _set_in(("pull_request", "body"), 99)),
    "pull-merged-a-string": ("pull_request", "merged", _set_in(("pull_request", "merged"), "yes")),
    "pull-user-a-string": ("pull_request", "merged", _set_in(("pull_request", "user"), "dave")),
    "push-commits-a-string": ("push", "push", _set_in(("commits",), "many")),
    "push-ref-a-number": ("push", "push", _set_in(("ref",), 1)),
    "push-head-commit-a-list": ("push", "push", _set_in(("head_commit",), [])),
    "release-body-a-number": ("release", "published", _set_in(("release", "body"), 1)),
    "release-a-string": ("release", "published", _set_in(("release",), "v1")),
    "installation-repositories-a-dict": ("installation_repositories", "added",
                                         _set_in(("repositories_added",), {"full_name": "octo-org/widgets"})),
}


async def test_schema_invalid_payloads_end_done_or_parked_and_the_workers_keep_going(sandbox, repo, quick_bot, caplog):
    bot = quick_bot
    caplog.set_level(logging.INFO)
    # real deliveries of every kind, made by the sandbox for the seeded repository
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    n = issue["number"]
    await sandbox.label_issue(REPO, n, "octocat", "bounty: S")
    pledge = await sandbox.comment(REPO, n, "bob", "/pledge 10")
    await sandbox.close_issue(REPO, n, "octocat")
    await sandbox.reopen_issue(REPO, n, "octocat")
    pull = await sandbox.open_pull(REPO, "dave", "Dark mode", f"Fixes #{n}", head="dark-mode")
    await sandbox.merge_pull(REPO, pull["number"], "octocat")
    await sandbox.push_files(REPO, "octocat", {"docs/x.md": "x"})
    await sandbox.publish_release(REPO, "octocat", "v0.1.0", "First")
    await settle(sandbox, bot)
    assert snapshot(sandbox, n).raised() == 10
    base = {
        ("issue_comment", "pledge"): delivery_of(sandbox, "issue_comment", comment__id=pledge["id"]),
        ("issues", "labeled"): delivery_of(sandbox, "issues", action="labeled"),
        ("issues", "opened"): delivery_of(sandbox, "issues", action="opened"),
        ("issues", "closed"): delivery_of(sandbox, "issues", action="closed"),
        ("pull_request", "merged"): delivery_of(sandbox, "pull_request", action="closed"),
        ("push", "push"): delivery_of(sandbox, "push"),
        ("release", "published"): delivery_of(sandbox, "release", action="published"),
    }
    inst = sandbox.installation(next(iter(sandbox._installations)))
    base[("installation_repositories", "added")] = {"payload": {
        "action": "added", "installation": {"id": inst.id, "account": {"login": "octo-org"}},
        "repository_selection": "selected", "repositories_added": [], "repositories_removed": [],
        "sender": {"login": "octocat", "id": 1, "type": "User"}}}
    comments_before = len(sandbox.comments(REPO, n))

    sent = []
    for name, (event, which, mutate) in INVALID_PAYLOADS.items():
        payload = mutate(copy.deepcopy(base[(event, which)]["payload"]))
        delivery = f"hostile-{name}"
        response = await bot.send(event, payload, delivery=delivery)
        assert response.status == 202, name
        sent.append(delivery)
    await settle(sandbox, bot)
    for _ in range(200):  # parked jobs need their 3 attempts; wait for every hostile delivery to finish
        jobs = {k: (await bot.store.get_job_by_key(k)) for k in sent}
        if all(j.status in ("done", "failed") for j in jobs.values()):
            break
        await asyncio.sleep(0.05)
        await settle(sandbox, bot)
    outcome = {k.removeprefix("hostile-"): j.status for k, j in jobs.items()}
    assert set(outcome.values()) <= {"done", "failed"}, outcome

    # the worker loop survived every one of them: all tasks alive, and a valid delivery still works
    worker = bot.service.worker
    assert len([t for t in worker._tasks if re.fullmatch(r"worker-\d+", t.get_name()) and not t.done()]) == worker.concurrency
    later = await sandbox.comment(REPO, n, "carol", "/pledge 25")
    await settle(sandbox, bot)
    assert reactions(sandbox, later["id"]) == ["+1"]
    assert snapshot(sandbox, n).raised() == 35
    assert len(status_comments(sandbox, n)) == 1
    # nothing the hostile payloads carried was acted on as a command (no reply, no extra comment)
    assert len(sandbox.comments(REPO, n)) == comments_before + 1  # carol's comment only
    # no crash of the loop itself (store errors), no lost task exception, no traceback logged at all
    assert "store error" not in caplog.text and "Traceback" not in caplog.text
    assert "exception was never retrieved" not in caplog.text
    assert not [r for r in caplog.records if r.name == "bot.jobs.worker" and r.exc_info], \
        [r.getMessage() for r in caplog.records if r.name == "bot.jobs.worker" and r.exc_info]
    # the bot's API calls stayed valid even for garbage input (the sandbox checks them against GitHub's schema)
    assert sandbox.violations == []


EXAMPLES = [("issue_comment", "created"), ("issues", "labeled"), ("issues", "opened"), ("pull_request", "closed"),
            ("push", "with-organization"), ("release", "published")]
EXAMPLE_MUTATIONS = {
    "as-is": lambda p: p,
    "issue-a-string": _set_in(("issue",), "x"),
    "comment-body-a-number": _set_in(("comment", "body"), 7),
    "repository-missing": _drop("repository"),
    "labels-not-a-list": _set_in(("issue", "labels"), {"name": "bug"}),
    "sender-null": _set_in(("sender",), None),
    "action-null": _set_in(("action",), None),
}


async def test_mutated_example_payloads_against_a_seeded_sandbox(sandbox, quick_bot, caplog):
    """The octokit example payloads (tests/data/github/webhooks), seeded into the sandbox, as-is and mutated."""
    bot = quick_bot
    keys = []
    for event, name in EXAMPLES:
        original = json.loads((WEBHOOKS / event / f"{name}.payload.json").read_bytes())
        sandbox.seed_from_payload(event, original)
        for label, mutate in EXAMPLE_MUTATIONS.items():
            key = f"example-{event}-{name}-{label}"
            response = await bot.send(event, mutate(copy.deepcopy(original)), delivery=key)
            assert response.status == 202, key
            keys.append(key)
    for _ in range(200):
        await settle(sandbox, bot)
        jobs = {k: await bot.store.get_job_by_key(k) for k in keys}
        if all(j.status in ("done", "failed") for j in jobs.values()):
            break
        await asyncio.sleep(0.05)
    assert {k: j.status for k, j in jobs.items() if j.status not in ("done", "failed")} == {}
    # the unmodified examples are handled, not parked
    assert {k: j.last_error for k, j in jobs.items() if k.endswith("-as-is") and j.status != "done"} == {}
    worker = bot.service.worker
    assert len([t for t in worker._tasks if re.fullmatch(r"worker-\d+", t.get_name()) and not t.done()]) == worker.concurrency
    assert "store error" not in caplog.text and "Traceback" not in caplog.text


async def test_a_malformed_full_name_makes_no_request_outside_the_api(sandbox, repo, quick_bot):
    bot = quick_bot
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    n = issue["number"]
    await sandbox.comment(REPO, n, "octocat", "/bounty 100")
    pledge = await sandbox.comment(REPO, n, "bob", "/pledge 10")
    await settle(sandbox, bot)
    payload = copy.deepcopy(delivery_of(sandbox, "issue_comment", comment__id=pledge["id"])["payload"])
    payload["repository"]["full_name"] = "widgets"
    payload["action"], payload["changes"] = "edited", {"body": {"from": "/pledge 5"}}
    payload["comment"]["body"] = "/pledge 11"
    try:
        await bot.send("issue_comment", payload, delivery="malformed-full-name")
        for _ in range(100):
            await settle(sandbox, bot)
            if (await bot.store.get_job_by_key("malformed-full-name")).status in ("done", "failed"):
                break
            await asyncio.sleep(0.05)
        violations = list(sandbox.violations)
    finally:
        sandbox.violations.clear()  # reported here, not as a fixture error
    assert violations == []


# ============================================================================= 4. replays are processed once


async def test_a_replayed_delivery_is_stored_once_and_processed_once(sandbox, repo, bot):
    issue = await sandbox.open_issue(REPO, "alice", "Where do I donate?")
    n = issue["number"]
    asked = await sandbox.comment(REPO, n, "alice", "/fund")
    await settle(sandbox, bot)
    fund_replies = [c for c in fundbot_comments(sandbox, n) if markdown.has_marker(c["body"], "reply")
                    and "sponsors/octocat" in c["body"]]  # the comment's one reply, holding /fund's answer
    assert len(fund_replies) == 1
    before = len(sandbox.comments(REPO, n))
    delivery = delivery_of(sandbox, "issue_comment", comment__id=asked["id"])
    # the same GUID again: sequentially, concurrently, and through GitHub's "redeliver"
    answers = [await bot.send("issue_comment", delivery["body"], delivery=delivery["guid"]) for _ in range(3)]
    answers += await asyncio.gather(*(bot.send("issue_comment", delivery["body"], delivery=delivery["guid"])
                                      for _ in range(10)))
    await sandbox.redeliver(delivery["id"])
    await settle(sandbox, bot)
    assert [a.status for a in answers] == [202] * 13
    assert len(sandbox.comments(REPO, n)) == before  # no second reply
    assert reactions(sandbox, asked["id"]) == ["+1"]
    assert len([j for j in await bot.store.list_jobs(None, limit=10_000) if j.key == delivery["guid"]]) == 1
    # a replay under a new GUID is a new delivery, but the comment is still answered once
    await bot.send("issue_comment", delivery["body"])
    await settle(sandbox, bot)
    assert len(sandbox.comments(REPO, n)) == before
    assert reactions(sandbox, asked["id"]) == ["+1"]


# ============================================================================ 5. commands written by bots


async def test_commands_by_bots_and_by_fundbot_itself_change_nothing(sandbox, repo, bot):
    sandbox.add_user("helper[bot]", type="Bot")
    for login in ("helper[bot]", "fundbot[bot]"):  # even with admin rights: a bot is never a maintainer or a backer
        sandbox.set_permission(REPO, login, "admin")
    quiet = await sandbox.open_issue(REPO, "alice", "No campaign here")
    busy = await sandbox.open_issue(REPO, "alice", "Dark mode")
    await sandbox.comment(REPO, busy["number"], "octocat", "/bounty 100")
    await settle(sandbox, bot)
    before_quiet = len(sandbox.comments(REPO, quiet["number"]))
    before_busy = snapshot(sandbox, busy["number"])
    posted = []
    for login in ("helper[bot]", "fundbot[bot]"):
        posted.append(await sandbox.comment(REPO, quiet["number"], login, "/bounty 500 in 10 days\n/pledge 50"))
        posted.append(await sandbox.comment(REPO, busy["number"], login, "/pledge 100"))
        posted.append(await sandbox.comment(REPO, busy["number"], login, "/bounty cancel"))
        posted.append(await sandbox.comment(REPO, busy["number"], login, "/bounty 10"))
    await settle(sandbox, bot)
    # the issue without a campaign still has none: no status comment, label, reaction or reply
    assert status_comments(sandbox, quiet["number"]) == []
    assert sandbox.labels(REPO, quiet["number"]) == []
    assert len(sandbox.comments(REPO, quiet["number"])) == before_quiet + 2  # the two bot comments only
    # the open campaign is exactly as before
    after = snapshot(sandbox, busy["number"])
    assert (after.state, after.goal, after.pledges, after.deadline) == (
        before_busy.state, before_busy.goal, before_busy.pledges, before_busy.deadline) == ("open", 100, (), before_busy.deadline)
    assert all(reactions(sandbox, c["id"]) == [] for c in posted)
    assert replies(sandbox, quiet["number"]) == replies(sandbox, busy["number"]) == []
    rebuilt, _ = await refold(bot, sandbox, busy["number"])  # and GitHub's history agrees
    assert (rebuilt.state, rebuilt.goal, rebuilt.pledges) == ("open", 100, ())
    # a human's pledge right after is counted: the bots were ignored, not the issue
    await sandbox.comment(REPO, busy["number"], "bob", "/pledge 5")
    await settle(sandbox, bot)
    assert snapshot(sandbox, busy["number"]).raised() == 5


# ============================================================ 6. maintainer commands from users without permission


async def test_maintainer_commands_from_readers_are_refused_and_change_nothing(sandbox, repo, bot):
    sandbox.set_permission(REPO, "reader", "read")
    sandbox.set_permission(REPO, "triager", "triage")
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    n = issue["number"]
    await sandbox.comment(REPO, n, "octocat", "/bounty 100 in 10 days")
    await sandbox.comment(REPO, n, "dave", "/offer 80")
    await sandbox.comment(REPO, n, "bob", "/pledge 30")
    await settle(sandbox, bot)
    before = snapshot(sandbox, n)
    labels = sorted(sandbox.labels(REPO, n))
    syncs = [(j.key, j.run_at) for j in await bot.store.list_jobs(["pending"]) if j.kind == "files.sync"]
    attempts = {}
    for who in ("reader", "triager"):
        for command in ("/bounty 5000", "/bounty cancel", "/bounty extend 30 days", "/bounty accept @dave",
                        "/sponsors refresh"):
            attempts[(who, command)] = await sandbox.comment(REPO, n, who, command)
    await settle(sandbox, bot)
    after = snapshot(sandbox, n)
    assert (after.state, after.goal, after.deadline, after.pledges, after.implementer) == (
        before.state, before.goal, before.deadline, before.pledges, before.implementer)
    assert after.state == "open" and after.goal == 100 and after.implementer is None
    assert sorted(sandbox.labels(REPO, n)) == labels
    assert [(j.key, j.run_at) for j in await bot.store.list_jobs(["pending"]) if j.kind == "files.sync"] == syncs
    assert sandbox.calls_to("POST", r"/git/commits$") == [] and sandbox.calls_to("POST", r"/pulls$") == []
    answers = {c["body"] for c in replies(sandbox, n)}
    for (who, command), comment in attempts.items():
        assert reactions(sandbox, comment["id"]) == ["confused"], (who, command)
        [reply] = [b for b in answers if re.search(rf'"to":{comment["id"]}[,}}]', b)]
        assert command.split()[0] in reply and "maintainer" in reply.lower(), reply
    # the same commands from the maintainer do work (the refusals were about permission)
    await sandbox.comment(REPO, n, "octocat", "/bounty accept @dave")
    await settle(sandbox, bot)
    assert snapshot(sandbox, n).implementer == "dave"


# ====================================================================== 7. Markdown/HTML injection in user text

HOSTILE = "<!-- fundbot:campaign v1 {} --> --> <script>alert(1)</script> [x](javascript:alert(1))"
HOSTILE_CONFIG = f"""\
bounties:
  rewards:
    - {{min: 5, reward: {HOSTILE!r}}}
    - {{min: 50, reward: "](javascript:alert(1)) <img src=x onerror=alert(1)> <!--"}}
links:
  - {{title: {HOSTILE!r}, url: "https://example.org/pay?x=<script>&y=javascript:1"}}
readme:
  update: commit
  debounce_seconds: 0
  sponsors:
    - {{name: {HOSTILE!r}, url: "https://acme.example/<script>", tier: Gold}}
    - {{name: "-->", tier: Backers}}
    - {{name: "<!-- fundbot:sponsors:end -->", tier: Backers}}
"""


def _outside_code(body: str) -> str:
    """The text GitHub renders as Markdown/HTML: fenced blocks and code spans removed."""
    body = re.sub(r"```.*?```", "", body, flags=re.S)
    return re.sub(r"`[^`\n]*`", "", body)


def assert_inert(body: str, *, markers: int | None = 1, what: str = "") -> None:
    """No HTML tag a user wrote, no javascript: link, no marker but fundbot's own."""
    rendered = _outside_code(body)
    if markers is not None:
        assert len(markdown.find_markers(body)) == markers, (what, markdown.find_markers(body), body)
        assert rendered.count("<!--") == rendered.count("-->") == markers, (what, body)
    rendered = re.sub(r"<!-- fundbot:[^\n]*? -->", "", rendered)  # fundbot's markers: hidden, JSON inside
    assert "<script" not in rendered.lower() and "<img" not in rendered.lower(), (what, body)
    assert not re.search(r"(?<!\\)\]\(\s*javascript:", rendered, re.I), (what, body)
    assert 'href="javascript' not in rendered.lower(), (what, body)


async def test_hostile_names_rewards_and_amounts_stay_inert_text(sandbox, repo, bot):
    assert core_config.validate(HOSTILE_CONFIG).errors == []  # the hostile text is valid configuration
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": HOSTILE_CONFIG})
    sandbox.add_user("eve", name=HOSTILE)  # a display name can hold anything
    await settle(sandbox, bot)
    issue = await sandbox.open_issue(REPO, "eve", HOSTILE, body=HOSTILE)
    n = issue["number"]
    await sandbox.comment(REPO, n, "octocat", "/bounty 100")
    accepted = [await sandbox.comment(REPO, n, "eve", "/pledge 60"),
                await sandbox.comment(REPO, n, "carol", '/pledge 50 <!-- fundbot:campaign v1 {"state":"delivered"} -->')]
    refused = {
        "/pledge 5<script>": await sandbox.comment(REPO, n, "bob", "/pledge 5<script>"),
        "/pledge 1e9": await sandbox.comment(REPO, n, "bob", "/pledge 1e9"),
        "/offer 10](javascript:alert(1))": await sandbox.comment(REPO, n, "dave", "/offer 10](javascript:alert(1))"),
        "/bounty accept @<script>": await sandbox.comment(REPO, n, "octocat", "/bounty accept @<script>"),
        "/pledge <img src=x onerror=alert(1)>": await sandbox.comment(REPO, n, "alice", "/pledge <img src=x onerror=alert(1)>"),
    }
    await settle(sandbox, bot)

    c = snapshot(sandbox, n)
    assert c.state == "funded" and c.raised() == 110  # only the two real pledges count
    assert {p.backer for p in c.pledges} == {"eve", "carol"}
    [status] = status_comments(sandbox, n)
    assert_inert(status["body"], what="status comment")
    assert "alert(1)" in status["body"]  # the reward texts and the link title are shown, as text
    assert all(reactions(sandbox, x["id"]) == ["+1"] for x in accepted)
    for command, comment in refused.items():
        assert reactions(sandbox, comment["id"]) == ["confused"], command
        [reply] = [r["body"] for r in replies(sandbox, n) if re.search(rf'"to":{comment["id"]}[,}}]', r["body"])]
        assert "is not" in reply or "not a" in reply, reply  # refused with a reason
    for comment in fundbot_comments(sandbox, n):  # every comment fundbot wrote: one marker, nothing live
        assert_inert(comment["body"], what=comment["id"])

    # the README sponsor section
    text = sandbox.file(REPO, "README.md").decode()
    assert "fundbot:sponsors:start" in text, text
    assert text.count("<!-- fundbot:sponsors:start -->") == text.count("<!-- fundbot:sponsors:end -->") == 1
    assert_inert(text, markers=None, what="README")
    assert markdown.find_markers(text) == []  # no forged marker (the section's own markers have no version)
    assert _outside_code(text).count("<!--") == _outside_code(text).count("-->") == 2  # the two section markers

    # delivered, then thanked in the release notes: reward texts again, in another place
    pull = await sandbox.open_pull(REPO, "dave", HOSTILE, f"Fixes #{n}", head="fix")
    await sandbox.merge_pull(REPO, pull["number"], "octocat")
    await settle(sandbox, bot)
    assert snapshot(sandbox, n).state == "delivered"
    rel = await sandbox.publish_release(REPO, "octocat", "v1.0.0", "Notes")
    await settle(sandbox, bot)
    notes = sandbox.repo(REPO).releases[rel["id"]].body
    assert "Thank you, backers" in notes and "eve" in notes
    assert_inert(notes, markers=None, what="release notes")
    assert not [m for m in markdown.find_markers(notes) if m[0] == "campaign"]


async def test_a_refused_command_cannot_plant_a_marker_in_fundbots_reply(sandbox, repo, bot):
    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    n = issue["number"]
    fake = '<!-- fundbot:campaign v1 {"state":"funded"} -->'
    attempt = await sandbox.comment(REPO, n, "mallory", f"/pledge lots {fake}")
    await settle(sandbox, bot)
    [reply] = replies(sandbox, n)
    reply_body = reply["body"]
    await sandbox.comment(REPO, n, "octocat", "/bounty 100")
    await sandbox.comment(REPO, n, "bob", "/pledge 10")
    await settle(sandbox, bot)
    _, status_id = await refold(bot, sandbox, n)
    current_reply = sandbox.repo(REPO).comments[reply["id"]].body
    assert reactions(sandbox, attempt["id"]) == ["confused"]
    # fundbot's reply carries exactly its own marker, is left alone, and is not the status comment
    assert [m[0] for m in markdown.find_markers(reply_body)] == ["reply"], reply_body
    assert current_reply == reply_body
    assert status_id != reply["id"]


# =================================================================== 8. impostor status comments by humans


async def test_an_impostor_status_comment_is_neither_believed_nor_taken_as_the_status(sandbox, repo, bot):
    from bot.core import status as status_text

    issue = await sandbox.open_issue(REPO, "alice", "Dark mode")
    n = issue["number"]
    # a fake, funded campaign, rendered exactly as fundbot would render it
    fake = shell.ledger.fold(
        [shell.ledger.CommentEvent(at=1.0, seq=1, comment_id=1, author="octocat", body="/bounty 100", maintainer=True),
         shell.ledger.CommentEvent(at=2.0, seq=2, comment_id=2, author="mallory", body="/pledge 100",
                                      maintainer=False)],
        now=3.0, config=core_config.validate("").config.bounties, label_goals={}, generic_label="💰 bounty")
    assert fake.state == "funded"
    forged = status_text.status_comment(fake, repo=REPO, issue=n, links=[], rewards=[], now=3.0)
    early = await sandbox.comment(REPO, n, "mallory", forged)  # before fundbot has a status comment
    await sandbox.comment(REPO, n, "octocat", "/bounty 100")
    await sandbox.comment(REPO, n, "bob", "/pledge 10")
    late = await sandbox.comment(REPO, n, "mallory", forged)  # and after
    await settle(sandbox, bot)

    [status] = status_comments(sandbox, n)
    c = snapshot(sandbox, n)
    assert (c.state, c.raised(), [p.backer for p in c.pledges]) == ("open", 10, ["bob"])
    for impostor in (early, late):  # fundbot did not edit them, react to them or reply to them
        assert sandbox.repo(REPO).comments[impostor["id"]].body == forged
        assert reactions(sandbox, impostor["id"]) == []
    assert "funded" not in sandbox.labels(REPO, n) and "💸 funded" not in sandbox.labels(REPO, n)
    # `rebuild`: refolded from GitHub alone, the status comment is fundbot's own, the campaign unchanged
    rebuilt, status_id = await refold(bot, sandbox, n)
    assert status_id == status["id"]
    assert (rebuilt.state, rebuilt.raised()) == ("open", 10)
    # and after losing the cache, the rebuild publishes on fundbot's comment, not on an impostor
    ctx = bot.service.ctx
    repository = {"id": sandbox.repo(REPO).id, "full_name": REPO, "default_branch": "main"}
    gh = await bot.service.github.installation(next(iter(sandbox._installations)))
    await ctx.store.cache_delete(shell.NS, shell._key(repository, n))
    [(number, campaign)] = await shell.rebuild_repository(Repo(gh, ctx, repository))
    assert (number, campaign.state, campaign.raised()) == (n, "open", 10)
    assert [x["id"] for x in status_comments(sandbox, n)] == [status["id"]]
    assert all(sandbox.repo(REPO).comments[i["id"]].body == forged for i in (early, late))
