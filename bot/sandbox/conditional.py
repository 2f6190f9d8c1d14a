"""What GitHub writes around a GET's body, and how it answers a conditional GET (pure helpers of ``http.py``).

* ``Link`` (docs.github.com, "Using pagination in the REST API"): ``<URL>; rel="prev", <URL>; rel="next",
  <URL>; rel="last", <URL>; rel="first"``, each present when it applies (no ``prev``/``first`` on page 1, no
  ``next``/``last`` on the last page, no header when everything fits on one page), the request's query kept
  and ``page=N`` last. A list under a repository is linked by the repository's id, not its name:
  ``https://api.github.com/repositories/1300192/issues?page=2`` for ``GET /repos/octocat/Hello-World/issues``
  (the docs' own example; the sandbox serves ``/repositories/ID/...`` as GitHub does, ``moves.py``).
* ``Last-Modified`` ("Best practices for using the REST API": most endpoints return ``etag``, many also
  ``last-modified``): an HTTP date, here the newest ``updated_at`` of the resource or of the listed items.
* A conditional GET: ``If-None-Match`` with the ``ETag`` and/or ``If-Modified-Since`` with the
  ``Last-Modified`` answers ``304 Not Modified`` (not counted against the primary rate limit). When both are
  sent, both must hold (Rails' ``fresh?``, what api.github.com answers): a list whose newest item is
  unchanged but which lost an item changes its ETag, so a client sending both - gidgethub's cache does - sees
  the change; one sending only ``If-Modified-Since`` gets 304 (and the same second is not "modified").
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Callable, Mapping
from typing import Any

_BY_NAME = re.compile(r"/repos/[^/]+/[^/]+(/.*)?")


def link_path(raw_path: str, repo_id: int | None) -> str:
    """The path a ``Link`` URL names: ``/repositories/ID/rest`` for a repository's ``/repos/OWNER/NAME/rest``."""
    m = _BY_NAME.fullmatch(raw_path)
    if m is None or repo_id is None:
        return raw_path
    return f"/repositories/{repo_id}{m.group(1) or ''}"


def _parse_iso(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def last_modified(data: Any) -> float | None:
    """When the answer last changed: the ``updated_at`` of a resource, the newest of a list's items; None
    when it has none (no ``Last-Modified`` then)."""
    if isinstance(data, Mapping):
        return _parse_iso(data.get("updated_at"))
    if isinstance(data, list):
        times = [t for t in (_parse_iso(item.get("updated_at")) for item in data if isinstance(item, Mapping))
                 if t is not None]
        return max(times) if times else None
    return None


def http_date(ts: float) -> str:
    """``Tue, 10 Oct 2023 08:01:02 GMT``."""
    return email.utils.formatdate(int(ts), usegmt=True)


def _parse_http_date(value: str) -> float | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).timestamp()


def fresh(headers: Mapping[str, str], etag: str, modified: float | None,
          etag_matches: Callable[[str, str], bool]) -> bool:
    """Whether a GET's conditional headers say the client's copy is current (answer 304). An unparseable
    ``If-Modified-Since`` is ignored, as HTTP says."""
    inm = headers.get("If-None-Match")
    ims = headers.get("If-Modified-Since")
    since = _parse_http_date(ims) if ims else None
    if not inm and since is None:
        return False
    if inm and not etag_matches(inm, etag):
        return False
    if since is not None and (modified is None or int(modified) > since):
        return False
    return True
