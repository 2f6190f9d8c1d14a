"""Checks of one value: a platform user name, a Tidelift package, a thanks.dev path, a custom link; and the
wording shared by the messages."""

from __future__ import annotations

import difflib
import re
import urllib.parse
from typing import Any

from bot.core import names
from bot.core.funding.model import _Ctx, _Scalar
from bot.core.funding.tables import (
    _ALL_HOSTS,
    _CUSTOM_ONLY_SERVICES,
    _EXAMPLE_HOSTS,
    _HANDLE_RE,
    _HOST_RE,
    _IPV4_RE,
    _KEY_ALIASES,
    _PATH_PREFIXES,
    _PLACEHOLDER_RE,
    _PLACEHOLDER_VALUES,
    _PLATFORM_HOSTS,
    _PLATFORM_NAMES,
    _THANKS_DEV_RE,
    _TIDELIFT_RE,
    KEYS,
    TIDELIFT_PLATFORMS,
)


def _check_handle(key: str, where: str, node: _Scalar, value: str, ctx: _Ctx) -> bool:
    what = _what(key)
    example = f"`{key}: NAME`"
    problem = None
    if (
        "://" in value
        or value.lower().startswith("www.")
        or _looks_like_domain_path(value)
        or value.lower() in _ALL_HOSTS
    ):
        handle = _handle_from_url(key, value)
        if handle:
            problem = f"`{where}` takes a {_PLATFORM_NAMES[key]} {what}, not a link; write `{key}: {handle}`."
        else:
            problem = (
                f"`{where}` takes a {_PLATFORM_NAMES[key]} {what}, but `{_short(value)}` is a "
                f"link; write {example}, or put the link under `custom`."
            )
    elif value.startswith("@"):
        problem = f"`{where}` takes the {what} without `@`; write `{key}: {value.lstrip('@')}`."
    elif any(c.isspace() for c in value):
        problem = (
            f"`{_short(value)}` contains spaces, but `{where}` takes a {_PLATFORM_NAMES[key]} "
            f"{what}; write {example}."
        )
    elif "/" in value:
        problem = f"`{_short(value)}` contains `/`, but `{where}` takes a single {what}; write {example}."
    elif key == "github":
        if not names.is_login(value):
            problem = (
                f"`{_short(value)}` is not a GitHub user name (letters, digits and single hyphens, "
                f"at most 39, not starting or ending with a hyphen)."
            )
    elif not _HANDLE_RE.fullmatch(value):
        problem = (
            f"`{_short(value)}` is not a valid {_PLATFORM_NAMES[key]} {what} (letters, digits, "
            f"`.`, `_` and `-`); write {example}."
        )
    if problem:
        if _is_placeholder(key, value):
            problem = (
                f"`{_short(value)}` is a template placeholder, not a {_PLATFORM_NAMES[key]} {what}; "
                f"replace it with yours (e.g. {example}) or remove the line."
            )
        ctx.add("error", node, where, "bad-username", problem)
        return False
    return True


def _check_tidelift(where: str, node: _Scalar, value: str, ctx: _Ctx) -> bool:
    platforms = ", ".join(TIDELIFT_PLATFORMS)
    m = _TIDELIFT_RE.fullmatch(value)
    problem = None
    if "://" in value:
        tail = value.split("/funding/github/", 1)[1] if "/funding/github/" in value else None
        fix = (
            f"write `tidelift: {tail}`"
            if tail and _TIDELIFT_RE.fullmatch(tail)
            else "write `tidelift: PLATFORM/PACKAGE`, e.g. `npm/left-pad`"
        )
        problem = f"`tidelift` takes `platform-name/package-name`, not a link; {fix}."
    elif not m:
        problem = (
            f"`tidelift` must be `platform-name/package-name` (e.g. `npm/{_short(value)}`), "
            f"but is `{_short(value)}`; platform is one of {platforms}."
        )
    elif m.group(1) not in TIDELIFT_PLATFORMS:
        lower = m.group(1).lower()
        if lower in TIDELIFT_PLATFORMS:
            problem = f"Tidelift platform names are lower case: write `tidelift: {lower}/{m.group(2)}`."
        else:
            problem = (
                f"`{m.group(1)}` is not a Tidelift platform GitHub supports; use one of "
                f"{platforms} (e.g. `npm/{m.group(2)}`)."
            )
    if problem:
        ctx.add("error", node, where, "bad-tidelift", problem)
        return False
    return True


def _check_thanks_dev(where: str, node: _Scalar, value: str, ctx: _Ctx) -> bool:
    m = _THANKS_DEV_RE.fullmatch(value)
    if m:
        if m.group(1) == "gl":
            ctx.add(
                "warning",
                node,
                where,
                "thanks-dev-platform",
                f"GitHub documents `thanks_dev: u/gh/USERNAME` only; `{_short(value)}` (a GitLab "
                f"account) may not be shown.",
            )
        return True
    fix = None
    if "://" in value or value.startswith("thanks.dev/"):
        path = value.split("thanks.dev/", 1)[-1].strip("/")
        if _THANKS_DEV_RE.fullmatch(path):
            fix = f"`thanks_dev: {path}`"
    elif _HANDLE_RE.fullmatch(value.lstrip("@")) and "/" not in value:
        fix = f"`thanks_dev: u/gh/{value.lstrip('@')}`"
    ctx.add(
        "error",
        node,
        where,
        "bad-thanks-dev",
        f"`thanks_dev` must be `u/gh/USERNAME`, but is `{_short(value)}`; "
        f"write {fix or '`thanks_dev: u/gh/NAME`'}.",
    )
    return False


def _check_url(where: str, node: _Scalar, value: str, ctx: _Ctx) -> bool:
    problem = None
    if not value.strip():
        problem = "is empty"
    elif any(c.isspace() for c in value):
        if "," in value and all(_url_ok(p.strip()) for p in value.split(",") if p.strip()):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            problem = (
                "holds several links in one string; write a list: `custom: ["
                + ", ".join(f'"{p}"' for p in parts)
                + "]`"
            )
        else:
            problem = "is plain text, not a link (GitHub would turn it into a link relative to github.com)"
    elif not all(c.isprintable() for c in value):
        problem = "contains control characters"
    else:
        scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", value)
        if scheme and not re.match(r"[A-Za-z0-9.-]+\.[A-Za-z]{2,}:\d+", value):
            s = scheme.group(1).lower()
            if s not in ("http", "https"):
                problem = f"uses `{s}:`; GitHub only accepts http(s) links and bare domains"
            elif not _url_ok(value):
                problem = "is not a valid web address"
        elif value.startswith("//"):
            problem = "has no scheme; write it with `https:`"
        elif not _url_ok(value):
            problem = (
                "is neither a link nor a domain (GitHub would turn it into a link relative to github.com)"
            )
    if problem and _is_placeholder("custom", value):
        problem = "is a template placeholder, not a link"
    if problem:
        ctx.add(
            "error",
            node,
            where,
            "bad-url",
            f"`{where}` `{_short(value)}` {problem}; use a full link like "
            f'`"https://example.org/donate"` or a bare domain like `octocat.com`.',
        )
        return False
    parsed = urllib.parse.urlsplit(value if "://" in value else "https://" + value)
    if value.lower().startswith("http://"):
        ctx.add(
            "warning",
            node,
            where,
            "insecure-url",
            f"`{_short(value)}` uses http://; use https:// if the site supports it "
            f"(fundbot links the https address).",
        )
    host = (parsed.hostname or "").lower()
    path = [p for p in parsed.path.split("/") if p]
    if host in ("github.com", "www.github.com") and len(path) == 2 and path[0] == "sponsors":
        ctx.add(
            "warning",
            node,
            where,
            "use-github-key",
            f"`{_short(value)}` is a GitHub Sponsors profile; list it as `github: [{path[1]}]` so "
            f"GitHub shows it as a Sponsors button.",
        )
    return True


def _url_ok(value: str) -> bool:
    """An http(s) URL with a host, or a bare domain optionally followed by a path."""
    candidate = value if "://" in value else "https://" + value
    try:
        parsed = urllib.parse.urlsplit(candidate)
        port = parsed.port  # noqa: F841 - raises on a bad port
    except ValueError:
        return False
    if parsed.scheme.lower() not in ("http", "https"):
        return False
    host = parsed.hostname or ""
    if host and not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return False
    if parsed.username is not None and "://" not in value:
        return False
    if not host:
        return False
    if "://" in value:
        return bool(
            _HOST_RE.fullmatch(host)
            or _IPV4_RE.fullmatch(host)
            or host == "localhost"
            or parsed.netloc.startswith("[")
        )
    return bool(_HOST_RE.fullmatch(host))


def _looks_like_domain_path(value: str) -> bool:
    head = value.split("/", 1)[0]
    return "/" in value and bool(_HOST_RE.fullmatch(head)) and "." in head


def _handle_from_url(key: str, value: str) -> str | None:
    candidate = value if "://" in value else "https://" + value
    try:
        parsed = urllib.parse.urlsplit(candidate)
    except ValueError:
        return None
    host = (parsed.hostname or "").lower().removeprefix("www.")
    if host not in _PLATFORM_HOSTS.get(key, ()):
        return None
    parts = [p for p in parsed.path.split("/") if p]
    while len(parts) > 1 and parts[0].lower() in _PATH_PREFIXES:
        parts = parts[1:]
    if len(parts) != 1:
        return None
    handle = parts[0].lstrip("@")
    ok = names.is_login(handle) if key == "github" else _HANDLE_RE.fullmatch(handle)
    return handle if ok else None


def _is_placeholder(key: str, value: str) -> bool:
    v = value.strip().lower()
    if v in _PLACEHOLDER_VALUES or _PLACEHOLDER_RE.search(value):
        return True
    if key == "custom":
        try:
            host = urllib.parse.urlsplit(value if "://" in value else "https://" + value).hostname or ""
        except ValueError:
            return False
        return host.lower() in _EXAMPLE_HOSTS or v in ("link1", "link2", "link3", "link4")
    return False


def _unknown_key_message(key: str, value: Any) -> str:
    norm = re.sub(r"[-\s.]+", "_", key.strip().lower())
    if "://" in key or key.lower().startswith("www."):
        return (
            f"`{_short(key)}` is a link, not a funding platform key; put it under `custom`: "
            f'`custom: ["{_short(key)}"]`.'
        )
    suggestion = None
    if norm in KEYS:
        suggestion = norm
    elif norm in _KEY_ALIASES:
        suggestion = _KEY_ALIASES[norm]
    elif norm in _CUSTOM_ONLY_SERVICES:
        example = _CUSTOM_ONLY_SERVICES[norm]
        return (
            f"GitHub has no `{key}` key, so this link is not shown; put it under `custom` "
            f'instead, e.g. `custom: ["{example}"]`.'
        )
    else:
        close = difflib.get_close_matches(norm, list(KEYS) + list(_KEY_ALIASES), n=1, cutoff=0.75)
        if close:
            suggestion = _KEY_ALIASES.get(close[0], close[0])
    if suggestion:
        return f"Unknown key `{key}`: GitHub does not show it; did you mean `{suggestion}`?"
    return f"Unknown key `{_short(key)}`: GitHub does not show it; use one of {_keys_list()}."


def _keys_list() -> str:
    return ", ".join(KEYS)


def _what(key: str) -> str:
    return {
        "tidelift": "platform-name/package-name",
        "community_bridge": "project name",
        "lfx_crowdfunding": "project name",
        "thanks_dev": "u/gh/USERNAME path",
        "custom": "link",
    }.get(key, "user name")


def _expected(key: str) -> str:
    if key == "github":
        return "a user name or a list of up to 4 user names (plus 1 organization)"
    if key == "custom":
        return "a link or a list of up to 4 links"
    return f"a single {_what(key)}"


def _short(text: str, limit: int = 60) -> str:
    text = text.replace("\n", "\\n").replace("\r", "\\r").replace("`", "'")
    return text if len(text) <= limit else text[: limit - 1] + "…"
