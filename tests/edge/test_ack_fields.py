"""The acknowledgement reads only the installation id and the ordering key (``bot.edge.events.ack_fields``,
msgspec skipping the rest); it must answer exactly what parsing the whole payload answers, for every real
payload in tests/data and for generated bodies of every shape (or refuse the same bodies)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.edge import events
from bot.edge.events import NotAnObject, ack_fields, installation_id_of, ordering_key, parse_json
from tests.fixtures.depth import examples as depth_examples

WEBHOOKS = Path(__file__).resolve().parents[1] / "data" / "github" / "webhooks"


def full(event: str, body: bytes):
    """The answer of a whole parse (the acknowledgement's earlier path), or the class of its refusal."""
    try:
        payload = parse_json(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return "not JSON"
    if not isinstance(payload, dict):
        return "not an object"
    return installation_id_of(payload), ordering_key(event, payload)


def fast(event: str, body: bytes):
    try:
        return ack_fields(event, body)
    except NotAnObject:
        return "not an object"
    except (ValueError, UnicodeDecodeError, RecursionError):
        return "not JSON"


def examples() -> list[tuple[str, Path]]:
    return [(p.parent.parent.name if p.parent.parent != WEBHOOKS else p.parent.name, p)
            for p in sorted(WEBHOOKS.rglob("*.json"))]


def test_the_fast_path_is_taken_for_a_real_payload():
    body = (WEBHOOKS / "issues" / "opened.payload.json").read_bytes()
    assert events.msgspec is not None, "msgspec (a dependency) is installed"
    assert events._fast(body) is not None
    assert fast("issues", body) == full("issues", body) != "not JSON"


@pytest.mark.parametrize(("event", "path"), examples(), ids=lambda v: str(v)[-60:])
def test_every_real_payload_gets_the_same_answer(event, path):
    body = path.read_bytes()
    assert fast(event, body) == full(event, body)


SHAPES = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                   st.floats(allow_nan=False), st.text(max_size=5), st.lists(st.integers(), max_size=2))
FIELD = st.one_of(SHAPES, st.fixed_dictionaries({}, optional={"id": SHAPES, "number": SHAPES, "x": SHAPES}))
ENVELOPE = st.fixed_dictionaries({}, optional={k: FIELD for k in ("installation", "repository", "issue",
                                                                   "pull_request", "action", "sender")})


@settings(max_examples=depth_examples(400), deadline=None)
@given(ENVELOPE, st.sampled_from(["issues", "issue_comment", "pull_request", "push", "installation"]))
def test_generated_envelopes_get_the_same_answer(payload, event):
    body = json.dumps(payload).encode()
    assert fast(event, body) == full(event, body)


@pytest.mark.parametrize("body", [
    b'{"a":"\xff"}', b'{"a":"\\ud800"}', b'{"a":1e400}', b'{"a":123456789012345678901234567890}', b"\xef\xbb\xbf{}",
    b'{"a":NaN}', b"[1]", b'"x"', b"", b"{", b'{"issue":{"number":1}} x', b'{"installation":{"id":1,"id":2}}',
    '{"a":"é","installation":{"id":7}}'.encode(), b'{"a":[' * 5000 + b"]" * 5000 + b"}"])
def test_edge_cases_get_the_same_answer(body):
    assert fast("issues", body) == full("issues", body)
