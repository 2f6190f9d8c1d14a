"""GitHub's ``FUNDING.yml`` rules, in one pure implementation.

Used by ``python -m bot check-funding PATH`` (:func:`lint`), by the config validator for the
``funding:`` key of ``.github/fundbot.yml`` (:func:`check_mapping`), by the writer of
``.github/FUNDING.yml`` (:func:`normalise`, :func:`render`) and by link building (:func:`links`).
Nothing here touches files, the network or the clock.

One rule engine (``_evaluate``) does all the checking. It runs on a small neutral tree that three
adapters build: from a composed ruamel node (what :func:`lint` uses, because it keeps the source
text of every scalar, its quoting style, duplicate keys and exact positions), from a ruamel
round-trip ``CommentedMap`` (what the config loader holds) and from plain ``dict``/``list`` values.
:func:`lint` is ``check_mapping`` on the composed document, so ``lint(text)`` and
``check_mapping(YAML().load(text), source=text)`` give the same verdict (tested on every
real-world file).

What GitHub accepts, and where that comes from
----------------------------------------------
* Keys and syntax: GitHub Docs, "Displaying a sponsor button in your repository"
  (github/docs ``content/repositories/managing-your-repositorys-settings-and-features/
  customizing-your-repository/displaying-a-sponsor-button-in-your-repository.md``). The table lists
  community_bridge, github, issuehunt, ko_fi, liberapay, open_collective, patreon, tidelift, polar,
  buy_me_a_coffee, thanks_dev and custom; GitHub's own template (the "Set up sponsor button" editor,
  copied into thousands of repositories) also has ``lfx_crowdfunding``. An older version of the
  same page listed ``otechie``; the current one does not, and the service shut down ("Otechie has
  died", axodotdev/oranda PR #358), so ``otechie`` is treated as a retired key.
* "You can add one username, package name, or project name per external funding platform and up to
  four custom URLs. You can add one organization and up to four sponsored developers in GitHub
  Sponsors." GitHub's own error text when that is exceeded is "You can specify up to 1 organization
  and 4 users." (apache/logging-log4j2 PR #3580, which lost maintainers from the button that way).
* ``tidelift: PLATFORM-NAME/PACKAGE-NAME`` with platform npm, pypi, rubygems, maven, packagist or
  nuget (same docs page). ``thanks_dev: u/gh/USERNAME`` (same page).
* ``custom: LINK1`` or ``custom: [LINK1, ...]``; the docs example is
  ``custom: ["https://www.paypal.me/octocat", octocat.com]`` - a bare domain is accepted - with the
  note that a URL containing ``:`` must be quoted inside a flow list.
* Custom entries must be http(s) links: a ``mailto:`` entry is rejected by the Sponsor popup
  (HelpCode-ai/anythingmcp PR #154), and plain text such as ``Instant Messaging Freedom`` becomes a
  link relative to github.com (pidgin/retro-prpl PR #81) - the button points somewhere the author
  did not mean.
* A document that is not a mapping (``patreon:ivanceras`` without the space is one string) makes the
  popup show "Some errors were encountered when parsing the FUNDING.yml file"
  (ivanceras/svgbob PR #53); a file with no usable value shows "The FUNDING.yml file does not
  currently contain valid funding links" (turretcss/turretcss PR #41).
* Unknown keys: the docs define the key set; no first-hand statement of GitHub's behaviour was found
  (a review comment on archledger/irlume PR #756 says the entry is ignored). Either way the author's
  link does not appear, so it is an error here - the SPEC (section 6) also says "known keys only".
* GitHub is a Ruby application, so FUNDING.yml is read by a YAML 1.1 parser (Psych): unquoted
  ``yes``/``no``/``on``/``off`` are booleans (case-insensitively in Psych), ``0015`` is the octal
  number 13, ``0xdea`` the number 3562, ``2019-01-01`` a date. ruamel reads YAML 1.2, where ``yes``
  is a string but ``0015`` is 15. A value that either reader takes as something other than a string
  no longer names what its author typed; it is flagged (SPEC section 6 names ``github: 0326`` and
  ``patreon: yes``).
* Template keys left without a value (``patreon: # Replace with ...``) are null and GitHub ignores
  them - that is how the template ships - so they are fine.
* A comma-separated string under ``github`` is split by GitHub (ecosyste-ms/packages issue #752).
* Link targets: GitHub's popup could not be inspected offline. The URL forms are those of Forgejo's
  reimplementation of these keys (modules/setting/funding.go), of ecosyste.ms and of npm's
  ``funding`` entries: github.com/sponsors/X, (www.)patreon.com/X, opencollective.com/X,
  ko-fi.com/X, tidelift.com/funding/github/P/N, liberapay.com/X, issuehunt.io/r/X, polar.sh/X,
  buymeacoffee.com/X, thanks.dev/u/gh/X; Community Bridge (funding.communitybridge.org) moved to
  LFX crowdfunding (crowdfunding.lfx.linuxfoundation.org/projects/X).

Rules, codes and severities
---------------------------
Errors are what makes GitHub's Sponsor button fail, or show something other than what the author
wrote; everything else is a warning.

===================== ======== ==========================================================
code                  severity when
===================== ======== ==========================================================
decode-error          error    bytes that are not UTF-8 (UTF-16/32 with a BOM are decoded)
yaml-syntax           error    not valid YAML (ruamel's problem mark; for a line without its
                               ``:``, the line itself)
not-a-mapping         error    the document is a string or a list, not ``key: value`` lines
multiple-documents    warning  more than one YAML document; only the first is used
no-funding-links      warning  empty or comment-only file, or every key left empty
unknown-key           error    a key GitHub does not define (with "did you mean")
retired-key           warning  ``otechie:`` left empty in an old template
retired-key           error    ``otechie:`` with a value: GitHub no longer shows it
duplicate-key         error    the same key twice: YAML keeps one value, the other is lost
list-not-allowed      error    a list for a key that takes one value (all but github/custom)
not-a-string          error    a mapping, nested list or other non-text value
yaml-number           error    unquoted value read as a number (``0015``, ``0xdea``, ``1.5``)
yaml-boolean          error    unquoted value read as a boolean (``yes``, ``off``, ``true``)
yaml-date             error    unquoted value read as a date or timestamp
yaml-null             error    unquoted value only GitHub's parser reads as null (``nUll``)
empty-entry           error    an empty string or null inside a list
too-many              error    more than 4 custom links; more than 5 GitHub Sponsors accounts
too-many              warning  exactly 5 GitHub accounts: valid only if one is an organization
comma-list            warning  ``github: "a, b"``: GitHub splits it, other tools do not
bad-username          error    a link, ``@name``, spaces or other characters where a name goes
bad-tidelift          error    tidelift not ``platform/package`` or platform not one of six
bad-thanks-dev        error    thanks_dev not ``u/gh/USERNAME``
thanks-dev-platform   warning  ``u/gl/NAME``: thanks.dev has it, GitHub documents only u/gh
bad-url               error    custom entry that is not an http(s) link or a bare domain
insecure-url          warning  custom ``http://`` link (fundbot links the https form)
use-github-key        warning  custom link to github.com/sponsors/NAME: use ``github: NAME``
duplicate-value       warning  the same name or link twice in one list
placeholder           warning  template values left in place (``username``, ``user1``,
                               ``npm/babel``, ``<name>``, ``your-handle``, example.com, ...)
===================== ======== ==========================================================

Template comments (``patreon: # Replace with a single Patreon username``) are comments: GitHub
ignores them and so does this linter; template text pasted as a value (without the ``#``) or a
placeholder that is not even a valid name (``<username>``) is an error (``bad-username`` /
``bad-url``, with a message that says it is a placeholder), a well-formed placeholder
(``user1``, ``npm/babel``, ``https://ko-fi.com/your-handle``) a ``placeholder`` warning.

Choices worth knowing: bare domains (``octocat.com``, ``paypal.me/name``) are valid because GitHub's
own example uses one; five ``github`` entries is a warning, not an error, because GitHub allows one
organization plus four users and which account is an organization cannot be known offline (the SPEC
says "at most 4"; six or more is always an error). :func:`normalise` keeps only values without
errors (the last of duplicate keys, as Psych does; the first 4 custom / 5 github entries).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import difflib
import functools
import re
import urllib.parse
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from bot.core import text as _text

__all__ = [
    "KEYS",
    "LIST_KEYS",
    "TIDELIFT_PLATFORMS",
    "FundingLink",
    "Problem",
    "check_mapping",
    "format_problems",
    "lint",
    "links",
    "normalise",
    "parse",
    "render",
]

KEYS: tuple[str, ...] = (
    "github",
    "patreon",
    "open_collective",
    "ko_fi",
    "tidelift",
    "community_bridge",
    "liberapay",
    "issuehunt",
    "lfx_crowdfunding",
    "polar",
    "buy_me_a_coffee",
    "thanks_dev",
    "custom",
)
#: Keys that take a list, and how many entries GitHub shows.
LIST_KEYS: dict[str, int] = {"github": 5, "custom": 4}
#: Keys GitHub once documented and no longer does.
RETIRED_KEYS: dict[str, str] = {"otechie": "Otechie"}
TIDELIFT_PLATFORMS: tuple[str, ...] = ("npm", "pypi", "rubygems", "maven", "packagist", "nuget")
HEADER = "# Generated by fundbot from .github/fundbot.yml (funding:)."

_PLATFORM_NAMES = {
    "github": "GitHub Sponsors",
    "patreon": "Patreon",
    "open_collective": "Open Collective",
    "ko_fi": "Ko-fi",
    "tidelift": "Tidelift",
    "community_bridge": "Community Bridge (LFX)",
    "liberapay": "Liberapay",
    "issuehunt": "IssueHunt",
    "lfx_crowdfunding": "LFX Crowdfunding",
    "polar": "Polar",
    "buy_me_a_coffee": "Buy Me a Coffee",
    "thanks_dev": "thanks.dev",
    "custom": "Custom link",
}
_URL_TEMPLATES = {
    "github": "https://github.com/sponsors/{}",
    "patreon": "https://www.patreon.com/{}",
    "open_collective": "https://opencollective.com/{}",
    "ko_fi": "https://ko-fi.com/{}",
    "tidelift": "https://tidelift.com/funding/github/{}",
    "community_bridge": "https://crowdfunding.lfx.linuxfoundation.org/projects/{}",
    "liberapay": "https://liberapay.com/{}",
    "issuehunt": "https://issuehunt.io/r/{}",
    "lfx_crowdfunding": "https://crowdfunding.lfx.linuxfoundation.org/projects/{}",
    "polar": "https://polar.sh/{}",
    "buy_me_a_coffee": "https://buymeacoffee.com/{}",
    "thanks_dev": "https://thanks.dev/{}",
}
# Host names of each platform, to turn a pasted profile link back into the name the key wants.
_PLATFORM_HOSTS = {
    "github": ("github.com",),
    "patreon": ("patreon.com",),
    "open_collective": ("opencollective.com",),
    "ko_fi": ("ko-fi.com",),
    "tidelift": ("tidelift.com",),
    "community_bridge": ("funding.communitybridge.org", "crowdfunding.lfx.linuxfoundation.org"),
    "liberapay": ("liberapay.com", "en.liberapay.com"),
    "issuehunt": ("issuehunt.io",),
    "lfx_crowdfunding": ("crowdfunding.lfx.linuxfoundation.org",),
    "polar": ("polar.sh",),
    "buy_me_a_coffee": ("buymeacoffee.com", "buymeacoff.ee"),
    "thanks_dev": ("thanks.dev",),
}
_ALL_HOSTS = {h for hosts in _PLATFORM_HOSTS.values() for h in hosts}
_PATH_PREFIXES = {"sponsors", "projects", "r", "u", "c", "join", "funding", "github", "cw"}

# Near misses for unknown keys.
_KEY_ALIASES = {
    "opencollective": "open_collective",
    "open_colective": "open_collective",
    "oc": "open_collective",
    "kofi": "ko_fi",
    "buymeacoffee": "buy_me_a_coffee",
    "buy_me_coffee": "buy_me_a_coffee",
    "buymeacofee": "buy_me_a_coffee",
    "bmc": "buy_me_a_coffee",
    "thanksdev": "thanks_dev",
    "thanks": "thanks_dev",
    "github_sponsors": "github",
    "githubsponsors": "github",
    "sponsors": "github",
    "gh": "github",
    "communitybridge": "community_bridge",
    "lfx": "lfx_crowdfunding",
    "lfxcrowdfunding": "lfx_crowdfunding",
    "lfx_mentorship": "community_bridge",
    "issue_hunt": "issuehunt",
    "polar_sh": "polar",
    "polarsh": "polar",
    "patron": "patreon",
    "liberpay": "liberapay",
    "libera_pay": "liberapay",
    "tide_lift": "tidelift",
    "customs": "custom",
    "custom_url": "custom",
    "custom_urls": "custom",
    "url": "custom",
    "urls": "custom",
    "link": "custom",
    "links": "custom",
    "website": "custom",
    "donate": "custom",
    "donation": "custom",
    "donations": "custom",
}
# Payment services that have no key of their own: their links go under `custom`.
_CUSTOM_ONLY_SERVICES = {
    "paypal": "https://paypal.me/NAME",
    "paypal_me": "https://paypal.me/NAME",
    "paypalme": "https://paypal.me/NAME",
    "venmo": "https://venmo.com/u/NAME",
    "cashapp": "https://cash.app/$NAME",
    "cash_app": "https://cash.app/$NAME",
    "stripe": "https://buy.stripe.com/...",
    "afdian": "https://afdian.com/a/NAME",
    "boosty": "https://boosty.to/NAME",
    "flattr": "https://flattr.com/@NAME",
    "gitcoin": "https://gitcoin.co/grants/...",
    "bitcoin": "a link to a donation page",
    "btc": "a link to a donation page",
    "ethereum": "a link to a donation page",
    "eth": "a link to a donation page",
    "crypto": "a link to a donation page",
    "wechat": "a link to a donation page",
    "alipay": "a link to a donation page",
    "youtube": "https://youtube.com/@NAME/join",
    "twitch": "https://twitch.tv/NAME",
    "kickstarter": "https://kickstarter.com/...",
    "indiegogo": "https://indiegogo.com/...",
    "donorbox": "https://donorbox.org/NAME",
}

_PLACEHOLDER_VALUES = {
    "username",
    "user",
    "user1",
    "user2",
    "user3",
    "user4",
    "user-name",
    "user_name",
    "your-username",
    "your_username",
    "yourusername",
    "your-name",
    "yourname",
    "your-handle",
    "your_handle",
    "handle",
    "name",
    "project-name",
    "project_name",
    "projectname",
    "project",
    "package-name",
    "platform-name/package-name",
    "npm/package-name",
    "npm/babel",
    "cloud-foundry",
    "link1",
    "link2",
    "link3",
    "link4",
    "octocat",
    "surftocat",
    "npm/octo-package",
    "example",
    "changeme",
    "change-me",
    "todo",
    "tbd",
    "xxx",
    "replace-me",
    "u/gh/username",
    "u/gh/user",
    "organization",
    "org",
    "your-org",
    "my-username",
}
_PLACEHOLDER_RE = re.compile(
    r"<[^<>]*>|\{[^{}]*\}|\byour[-_ ]?(?:user ?name|handle|name|project|collective|package|page|"
    r"id|account|link|url|paypal|org|organi[sz]ation|slug|campaign|code)\b|\bYOUR_[A-Z_]+|"
    r"\breplace[-_ ]?me\b|\breplace with\b",
    re.IGNORECASE,
)
_EXAMPLE_HOSTS = {"example.com", "example.org", "example.net", "www.example.com", "www.example.org"}

_GITHUB_LOGIN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}")
_HANDLE_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,99}")
_TIDELIFT_RE = re.compile(r"([^/\s]+)/(\S+)")
_THANKS_DEV_RE = re.compile(r"u/(gh|gl)/([A-Za-z0-9][A-Za-z0-9._-]*)")
_HOST_RE = re.compile(
    r"(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?|xn--[A-Za-z0-9-]+)\.)+"
    r"(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{2,59})\.?"
)
_IPV4_RE = re.compile(r"(?:\d{1,3}\.){3}\d{1,3}")
# Psych (Ruby, what GitHub uses) reads these case-insensitively; ruamel's 1.1 resolver does not.
_PSYCH_BOOL_RE = re.compile(r"(?:yes|true|on|no|false|off)", re.IGNORECASE)
_PSYCH_NULL_RE = re.compile(r"(?:~|null)", re.IGNORECASE)
_PSYCH_INT_RE = re.compile(r"[-+]?(?:0|[1-9](?:[0-9]|,[0-9]|_[0-9])*)")

_TAG_KINDS = _text.YAML_TAG_KINDS


# --------------------------------------------------------------------------------------------------
# Public value types


@dataclass(frozen=True)
class Problem:
    severity: Literal["error", "warning"]
    line: int
    column: int
    key: str | None
    message: str
    code: str


@dataclass(frozen=True)
class FundingLink:
    platform: str
    handle: str
    url: str
    title: str


# --------------------------------------------------------------------------------------------------
# Neutral tree built by the adapters


@dataclass
class _Scalar:
    kind: str  # str, null, bool, int, float, timestamp, other (as the YAML 1.2 reader built it)
    text: str  # the string for kind "str"; the source text (or repr) otherwise
    plain: bool | None  # written unquoted and untagged? None = unknown
    line: int = -1  # 0-based; -1 = unknown
    col: int = -1
    value: Any = None  # the Python value, when the adapter has one


@dataclass
class _Seq:
    items: list[Any]
    line: int = -1
    col: int = -1


@dataclass
class _Map:
    entries: list[tuple[Any, Any]]
    line: int = -1
    col: int = -1


_Tree = _Scalar | _Seq | _Map


def _from_yaml_node(node: Any, source: str | None, depth: int = 0) -> _Tree:
    """Adapter for composed ruamel nodes (ScalarNode / SequenceNode / MappingNode)."""
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    mark = getattr(node, "start_mark", None)
    line = mark.line if mark is not None else -1
    col = mark.column if mark is not None else -1
    if isinstance(node, ScalarNode):
        kind = _TAG_KINDS.get(str(node.tag), "other")
        plain = node.style is None
        if plain and source is not None and mark is not None and _text.explicit_tag(source, mark.index):
            plain = False
        return _Scalar(kind, str(node.value), plain, line, col)
    if isinstance(node, SequenceNode):
        if depth >= 2:  # deeper structure only matters as "not a string"
            return _Seq([], line, col)
        return _Seq([_from_yaml_node(n, source, depth + 1) for n in node.value], line, col)
    if isinstance(node, MappingNode):
        if depth >= 2:
            return _Map([], line, col)
        return _Map(
            [
                (_from_yaml_node(k, source, depth + 1), _from_yaml_node(v, source, depth + 1))
                for k, v in node.value
            ],
            line,
            col,
        )
    return _Scalar("other", repr(node), False, line, col)


def _kind_of(value: Any) -> str:
    from ruamel.yaml.scalarbool import ScalarBoolean

    if value is None:
        return "null"
    if isinstance(value, bool | ScalarBoolean):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, _dt.date | _dt.time):
        return "timestamp"
    if isinstance(value, str):
        return "str"
    return "other"


def _lc(obj: Any, attr: str, key: Any) -> tuple[int, int]:
    lc = getattr(obj, "lc", None)
    data = getattr(lc, "data", None)
    if not data:
        return -1, -1
    try:
        pos = getattr(lc, attr)(key)
        return int(pos[0]), int(pos[1])
    except Exception:  # noqa: BLE001 - positions are best effort
        return -1, -1


def _from_python(obj: Any, lines: list[str] | None, line: int, col: int, depth: int = 0) -> _Tree:
    """Adapter for CommentedMap / CommentedSeq / plain dict, list and scalars."""
    if isinstance(obj, Mapping):
        if depth >= 2:
            return _Map([], line, col)
        entries = []
        for k in list(obj.keys()):
            kl, kc = _lc(obj, "key", k)
            vl, vc = _lc(obj, "value", k)
            entries.append(
                (
                    _from_python(k, lines, kl, kc, depth + 1),
                    _from_python(obj[k], lines, vl, vc, depth + 1),
                )
            )
        return _Map(entries, line, col)
    if isinstance(obj, list | tuple):
        if depth >= 2:
            return _Seq([], line, col)
        items = []
        for i, item in enumerate(obj):
            il, ic = _lc(obj, "item", i)
            items.append(_from_python(item, lines, il, ic, depth + 1))
        return _Seq(items, line, col)
    return _scalar_from_python(obj, lines, line, col)


def _scalar_from_python(obj: Any, lines: list[str] | None, line: int, col: int) -> _Scalar:
    from ruamel.yaml.scalarstring import PlainScalarString, ScalarString

    kind = _kind_of(obj)
    plain: bool | None = None
    raw: str | None = None
    if isinstance(obj, ScalarString):
        plain = isinstance(obj, PlainScalarString)
    if lines is not None and 0 <= line < len(lines) and 0 <= col <= len(lines[line]):
        src = lines[line]
        i = col
        if i < len(src) and src[i] == "&":
            while i < len(src) and not src[i].isspace():
                i += 1
            while i < len(src) and src[i] in " \t":
                i += 1
        first = src[i : i + 1]
        if plain is None:
            plain = first not in ("'", '"', "!", "|", ">", "*")
        if plain and kind != "str":
            raw = _token_at(src, i)
    if kind == "str":
        text = str(obj)
    elif raw:
        text = raw
    elif kind == "bool":
        text = "true" if obj else "false"
    elif kind == "null":
        text = ""
    else:
        text = str(obj)
    return _Scalar(kind, text, plain, line, col, obj)


def _token_at(line_text: str, col: int) -> str:
    """The plain scalar starting at ``col`` (only used for non-string scalars)."""
    rest = line_text[col:]
    m = re.search(r"\s#|[,\]}]|\s*$", rest)
    return rest[: m.start()].strip() if m else rest.strip()


# --------------------------------------------------------------------------------------------------
# YAML readings of a plain scalar


@functools.lru_cache(maxsize=4096)
def _resolve(text: str, version: tuple[int, int]) -> str:
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.resolver import VersionedResolver

    tag = VersionedResolver(version=version).resolve(ScalarNode, text, (True, False))
    return _TAG_KINDS.get(str(tag), "other")


def _reading_11(text: str) -> str:
    """What a YAML 1.1 reader (GitHub's Psych, PyYAML) makes of an unquoted, untagged scalar."""
    kind = _resolve(text, (1, 1))
    if kind != "str":
        return kind
    if _PSYCH_BOOL_RE.fullmatch(text):
        return "bool"
    if _PSYCH_NULL_RE.fullmatch(text):
        return "null"
    if _PSYCH_INT_RE.fullmatch(text):
        return "int"
    return "str"


def _describe(kind: str, text: str, yaml11: bool) -> str:
    if kind == "bool":
        return "the boolean " + ("true" if text.lower() in ("yes", "true", "on", "y") else "false")
    if kind == "null":
        return "null (no value)"
    if kind == "timestamp":
        return "a date" if len(text) <= 10 else "a timestamp"
    if kind == "int":
        n = _int_value(text, yaml11)
        return f"the number {n}" if n is not None else "a number"
    if kind == "float":
        try:
            return f"the number {float(text.replace('_', ''))!r}"
        except ValueError:
            return "a number"
    return "a value that is not text"


def _int_value(text: str, yaml11: bool) -> int | None:
    t = text.replace("_", "")
    if yaml11:
        t = t.replace(",", "")
    sign = -1 if t.startswith("-") else 1
    t = t.lstrip("+-")
    try:
        if t.startswith(("0b", "0B")):
            return sign * int(t[2:], 2)
        if t.startswith(("0x", "0X")):
            return sign * int(t[2:], 16)
        if t.startswith(("0o", "0O")):
            return sign * int(t[2:], 8)
        if ":" in t:
            n = 0
            for part in t.split(":"):
                n = n * 60 + int(part)
            return sign * n
        if yaml11 and len(t) > 1 and t.startswith("0"):
            return sign * int(t, 8)
        return sign * int(t, 10)
    except ValueError:
        return None


# --------------------------------------------------------------------------------------------------
# The rule engine


@dataclass
class _Ctx:
    line_offset: int
    column_offset: int
    problems: list[Problem] = dataclasses.field(default_factory=list)

    def pos(self, line: int, col: int) -> tuple[int, int]:
        if line < 0:
            return 0, 0
        return line + 1 + self.line_offset, max(col, 0) + 1 + self.column_offset

    def add(self, severity: str, node: Any, key: str | None, code: str, message: str) -> None:
        line, col = self.pos(getattr(node, "line", -1), getattr(node, "col", -1))
        self.problems.append(Problem(severity, line, col, key, message, code))  # type: ignore[arg-type]


def _evaluate(root: _Tree | None, ctx: _Ctx, empty_pos: tuple[int, int] = (-1, -1)) -> dict[str, Any]:
    """Check ``root`` (the FUNDING mapping) and return the usable values (last duplicate wins)."""
    values: dict[str, Any] = {}
    if root is None or (isinstance(root, _Scalar) and root.kind == "null"):
        node = root if root is not None else _Scalar("null", "", None, *empty_pos)
        ctx.add(
            "warning",
            node,
            None,
            "no-funding-links",
            "No funding links: the file is empty or only has comments, so GitHub shows no Sponsor "
            "button; add at least one key, e.g. `github: [octocat]`.",
        )
        return values
    if not isinstance(root, _Map):
        found = "a list" if isinstance(root, _Seq) else f"the text `{_short(root.text)}`"
        hint = ""
        if isinstance(root, _Scalar) and re.match(r"\s*[a-z_]+:\S", root.text):
            hint = " (a key needs a space after its colon: `patreon: name`, not `patreon:name`)"
        ctx.add(
            "error",
            root,
            None,
            "not-a-mapping",
            f"FUNDING.yml must be `key: value` lines such as `github: [octocat]`, but this document "
            f"is {found}{hint}.",
        )
        return values

    first_seen: dict[str, int] = {}
    any_value = False
    errors_before = sum(p.severity == "error" for p in ctx.problems)
    for key_node, value in root.entries:
        if not isinstance(key_node, _Scalar) or key_node.kind != "str":
            shown = key_node.text if isinstance(key_node, _Scalar) else "a list or mapping"
            ctx.add(
                "error",
                key_node,
                None,
                "unknown-key",
                f"`{_short(shown)}` is not a funding platform key; use one of {_keys_list()}.",
            )
            continue
        key = key_node.text
        if key in first_seen:
            ctx.add(
                "error",
                key_node,
                key,
                "duplicate-key",
                f"`{key}` appears twice (first on line {first_seen[key]}); YAML keeps only one of "
                f"the two values (GitHub the last), so the other is lost - merge them into one entry.",
            )
        else:
            first_seen[key] = ctx.pos(key_node.line, key_node.col)[0]
        if _has_value(value):
            any_value = True
        if key in RETIRED_KEYS:
            if _has_value(value):
                ctx.add(
                    "error",
                    key_node,
                    key,
                    "retired-key",
                    f"`{key}` is no longer a GitHub funding platform ({RETIRED_KEYS[key]} shut down), "
                    f"so this link is not shown; remove it or move a working link to `custom`.",
                )
            else:
                ctx.add(
                    "warning",
                    key_node,
                    key,
                    "retired-key",
                    f"`{key}` is left over from an old template; GitHub no longer supports it - "
                    f"delete the line.",
                )
            continue
        if key not in KEYS:
            ctx.add("error", key_node, key, "unknown-key", _unknown_key_message(key, value))
            continue
        usable = _check_value(key, value, ctx)
        if usable is None:
            values.pop(key, None)
        else:
            values[key] = usable
    errors_after = sum(p.severity == "error" for p in ctx.problems)
    if not any_value and errors_after == errors_before:
        ctx.add(
            "warning",
            root,
            None,
            "no-funding-links",
            "No funding links: every key is empty, so GitHub shows no Sponsor button; fill in at "
            "least one, e.g. `github: [octocat]`, or delete the file.",
        )
    return values


def _has_value(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, _Scalar):
        return not (value.kind == "null" or (value.kind == "str" and value.text == ""))
    if isinstance(value, _Seq):
        return bool(value.items)
    return True


def _check_value(key: str, value: Any, ctx: _Ctx) -> Any:
    """Check one key's value; return the usable value (str or list of str) or None."""
    if not _has_value(value):
        if isinstance(value, _Seq) and key not in LIST_KEYS:
            ctx.add(
                "error",
                value,
                key,
                "list-not-allowed",
                f"`{key}` takes a single {_what(key)}, not a list; write `{key}: NAME` or remove the line.",
            )
        return None
    if isinstance(value, _Map):
        ctx.add(
            "error",
            value,
            key,
            "not-a-string",
            f"`{key}` has a mapping as its value; it takes {_expected(key)}.",
        )
        return None
    if isinstance(value, _Seq):
        if key not in LIST_KEYS:
            items = [i.text for i in value.items if isinstance(i, _Scalar)]
            fix = f"`{key}: {items[0]}`" if len(items) == 1 else f"`{key}: NAME`"
            ctx.add(
                "error",
                value,
                key,
                "list-not-allowed",
                f"`{key}` takes a single {_what(key)}, but this is a list of {len(value.items)}; "
                f"GitHub shows one {_PLATFORM_NAMES[key]} link per repository - write {fix}.",
            )
            return None
        return _check_list(key, value, ctx)
    # a single scalar
    if key == "github" and value.kind == "str" and "," in value.text:
        parts = [p.strip() for p in value.text.split(",") if p.strip()]
        ctx.add(
            "warning",
            value,
            key,
            "comma-list",
            f"`github` is one string with commas (`{_short(value.text)}`); GitHub splits it, but "
            f"other tools read one name - write a list: `github: [{', '.join(parts)}]`.",
        )
        split = [_Scalar("str", p, False, value.line, value.col) for p in parts]
        return _check_list(key, _Seq(split, value.line, value.col), ctx)
    good = _check_scalar(key, key, value, ctx)
    if good is None:
        return None
    return [good] if key in LIST_KEYS else good


def _check_list(key: str, seq: _Seq, ctx: _Ctx) -> list[str] | None:
    limit = LIST_KEYS[key]
    good: list[str] = []
    seen: set[str] = set()
    n = len(seq.items)
    if n > 4:
        at = 5 if key == "github" and n > 5 else 4
        _too_many(key, seq, seq.items[at], f"{key}[{at}]", ctx)
    for index, item in enumerate(seq.items):
        where = f"{key}[{index}]"
        if not _has_value(item) and not isinstance(item, _Seq):
            ctx.add(
                "error",
                item if item is not None else seq,
                where,
                "empty-entry",
                f"Entry {index + 1} of `{key}` is empty, so it names no {_what(key)}; remove it.",
            )
            continue
        if not isinstance(item, _Scalar):
            ctx.add(
                "error",
                item,
                where,
                "not-a-string",
                f"Entry {index + 1} of `{key}` is a {'list' if isinstance(item, _Seq) else 'mapping'}; "
                f"each entry is one {_what(key)}.",
            )
            continue
        value = _check_scalar(key, where, item, ctx)
        if value is None:
            continue
        dedupe = value.lower().rstrip("/")
        if dedupe in seen:
            ctx.add(
                "warning",
                item,
                where,
                "duplicate-value",
                f"`{_short(value)}` is listed twice in `{key}`; remove the second one.",
            )
            continue
        seen.add(dedupe)
        if len(good) < limit:
            good.append(value)
    return good or None


def _too_many(key: str, seq: _Seq, item: Any, where: str, ctx: _Ctx) -> None:
    n = len(seq.items)
    if key == "github":
        # SPEC section 6: `github` takes at most 4 entries. GitHub's own message ("up to 1 organization and
        # 4 users") would let a fifth entry through when one is an organization, which cannot be told
        # offline; fundbot holds the SPEC's limit and says why.
        ctx.add(
            "error",
            item,
            where,
            "too-many",
            f"`github` lists {n} accounts; fundbot allows at most 4 (GitHub's limit is 4 users plus "
            f"1 organization) - remove {n - 4}, or move a team page under `custom`.",
        )
    else:
        ctx.add(
            "error",
            item,
            where,
            "too-many",
            f"`custom` lists {n} links; GitHub shows at most 4 - remove {n - 4} or combine them "
            f"on one page of your own.",
        )


def _check_scalar(key: str, where: str, node: _Scalar, ctx: _Ctx) -> str | None:
    """Type and content checks for one scalar; returns the usable string or None."""
    typed = _type_problem(key, where, node)
    if typed is not None:
        ctx.add("error", node, where, *typed)
        return None
    value = node.text
    if key == "custom":
        ok = _check_url(where, node, value, ctx)
    elif key == "tidelift":
        ok = _check_tidelift(where, node, value, ctx)
    elif key == "thanks_dev":
        ok = _check_thanks_dev(where, node, value, ctx)
    else:
        ok = _check_handle(key, where, node, value, ctx)
    if not ok:
        return None
    if _is_placeholder(key, value):
        ctx.add(
            "warning",
            node,
            where,
            "placeholder",
            f"`{_short(value)}` looks like a template placeholder, not a real "
            f"{'link' if key == 'custom' else _what(key)}; replace it with yours or remove it.",
        )
    return value


_TYPE_CODES = {
    "int": "yaml-number",
    "float": "yaml-number",
    "bool": "yaml-boolean",
    "timestamp": "yaml-date",
    "null": "yaml-null",
}


def _type_problem(key: str, where: str, node: _Scalar) -> tuple[str, str] | None:
    """(code, message) when YAML - ruamel's 1.2 or GitHub's 1.1 reader - does not read text."""
    if node.kind == "other":
        return "not-a-string", (
            f"`{_short(node.text)}` is not plain text (a tagged or binary value); `{where}` takes "
            f"{_expected(key)}."
        )
    raw = node.text
    if node.kind == "str":
        if not node.plain:
            return None
        kind11 = _reading_11(raw)
        if kind11 == "str":
            return None
        what = _describe(kind11, raw, yaml11=True)
        return _TYPE_CODES[kind11], (
            f"GitHub's YAML 1.1 parser reads the unquoted `{_short(raw)}` as {what}, not as the "
            f'text `{_short(raw)}`; quote it: `"{_short(raw)}"`.'
        )
    # ruamel (YAML 1.2) itself built a number, boolean, date or null
    what = _describe(node.kind, raw, yaml11=False)
    if node.plain is None:  # a Python value: no source text to quote
        return _TYPE_CODES.get(node.kind, "not-a-string"), (
            f"`{where}` is {what}, not text; {key} takes {_expected(key)} - write it as a quoted "
            f'string, e.g. `"{_short(raw)}"`.'
        )
    if node.plain:
        kind11 = _reading_11(raw)
        what11 = _describe(kind11, raw, yaml11=True) if kind11 != "str" else "text"
        if what11 != what:
            what = f"{what} (GitHub's YAML 1.1 parser: {what11.removeprefix('the ')})"
    return _TYPE_CODES.get(node.kind, "not-a-string"), (
        f"YAML reads the unquoted `{_short(raw)}` as {what}, not as the text `{_short(raw)}`; "
        f'quote it: `"{_short(raw)}"`.'
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
        if not _GITHUB_LOGIN_RE.fullmatch(value):
            problem = (
                f"`{_short(value)}` is not a GitHub user name (letters, digits and hyphens, "
                f"at most 39, not starting with a hyphen)."
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
    ok = _GITHUB_LOGIN_RE.fullmatch(handle) if key == "github" else _HANDLE_RE.fullmatch(handle)
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


# --------------------------------------------------------------------------------------------------
# Public API


def check_mapping(
    node: Any, *, line_offset: int = 0, column_offset: int = 0, source: str | None = None
) -> list[Problem]:
    """Check an already-parsed FUNDING mapping with the FUNDING.yml rules.

    ``node`` is a ruamel round-trip ``CommentedMap`` (for example the value of ``funding:`` in
    ``.github/fundbot.yml``; its line numbers are already those of that file), a composed ruamel
    ``MappingNode``, or a plain ``dict`` (positions are then 0). ``line_offset``/``column_offset``
    are added to known positions. Pass the text the node was loaded from as ``source`` so that
    unquoted values that GitHub's YAML 1.1 parser reads differently (``patreon: yes``) are found -
    a round-trip load alone cannot tell ``yes`` from ``"yes"``.
    """
    ctx = _Ctx(line_offset, column_offset)
    _evaluate(_adapt(node, source), ctx)
    return _sorted(ctx.problems)


def _adapt(node: Any, source: str | None) -> _Tree | None:
    from ruamel.yaml.nodes import Node

    if node is None:
        return None
    if isinstance(node, Node):
        return _from_yaml_node(node, source)
    lines = source.splitlines() if source is not None else None
    lc = getattr(node, "lc", None)
    line = getattr(lc, "line", None)
    col = getattr(lc, "col", None)
    return _from_python(
        node, lines, line if isinstance(line, int) else -1, col if isinstance(col, int) else -1
    )


def _decode(text: str | bytes) -> tuple[str | None, Problem | None]:
    decoded, failure = _text.decode(text)
    if failure is None:
        return decoded, None
    return None, Problem("error", failure.line, failure.column, None,
                         failure.describe() + "; GitHub reads FUNDING.yml as UTF-8 - save it in that encoding.",
                         "decode-error")


def _analyse(text: str | bytes) -> tuple[dict[str, Any], list[Problem]]:
    decoded, problem = _decode(text)
    if decoded is None:
        return {}, [problem] if problem else []
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError

    yaml = YAML(typ="rt", pure=True)
    docs: list[Any] = []
    problems: list[Problem] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for doc in yaml.compose_all(decoded):
                docs.append(doc)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and "simple key" in (exc.context or ""):
            # "could not find expected ':'" is found on the line after the stray text; point at it
            mark = exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        what = (exc.problem or exc.context or "invalid YAML").strip()
        context = ""
        if mark is exc.context_mark and exc.context_mark is not None:
            what = f"this line is not `key: value` ({what})"
        elif exc.context and exc.problem and exc.context_mark is not None:
            context = f" ({exc.context} on line {exc.context_mark.line + 1})"
        problems.append(
            Problem(
                "error",
                line,
                col,
                None,
                f"YAML syntax error: {what}{context}; GitHub cannot read the file, so no Sponsor "
                f"button is shown.",
                "yaml-syntax",
            )
        )
        return {}, problems
    except RecursionError:
        problems.append(
            Problem(
                "error",
                1,
                1,
                None,
                "YAML syntax error: the document is nested too deeply to read; FUNDING.yml only "
                "needs `key: value` lines and flat lists.",
                "yaml-syntax",
            )
        )
        return {}, problems
    except Exception as exc:  # noqa: BLE001 - lint never raises
        problems.append(
            Problem(
                "error",
                1,
                1,
                None,
                f"YAML syntax error: {_short(str(exc) or type(exc).__name__, 200)}; GitHub cannot read "
                f"the file.",
                "yaml-syntax",
            )
        )
        return {}, problems
    ctx = _Ctx(0, 0)
    root = _from_yaml_node(docs[0], decoded) if docs and docs[0] is not None else None
    values = _evaluate(root, ctx, empty_pos=(0, 0))
    if len(docs) > 1:
        mark = getattr(docs[1], "start_mark", None)
        ctx.problems.append(
            Problem(
                "warning",
                (mark.line + 1) if mark else 1,
                (mark.column + 1) if mark else 1,
                None,
                f"The file holds {len(docs)} YAML documents; only the first is used - remove the `---` "
                f"separator and everything after it.",
                "multiple-documents",
            )
        )
    return _ordered(values), _sorted(ctx.problems)


def lint(text: str | bytes) -> list[Problem]:
    """All problems of a whole FUNDING.yml text. Never raises."""
    try:
        return _analyse(text)[1]
    except Exception as exc:  # noqa: BLE001 - a linter must answer, even on a bug of ours
        return [Problem("error", 1, 1, None, f"Internal error while checking: {exc!r}", "internal-error")]


def parse(text: str | bytes) -> tuple[dict[str, str | list[str]], list[Problem]]:
    """The usable, normalised values of a FUNDING.yml text, plus its lint problems."""
    try:
        return _analyse(text)
    except Exception as exc:  # noqa: BLE001
        return {}, [Problem("error", 1, 1, None, f"Internal error while checking: {exc!r}", "internal-error")]


def normalise(mapping: Any, *, source: str | None = None) -> dict[str, str | list[str]]:
    """Usable values only (those without errors), lists for github/custom, in KEYS order.

    ``mapping`` is anything :func:`check_mapping` accepts (``source`` as there).
    """
    tree = _adapt(mapping, source)
    return _ordered(_evaluate(tree, _Ctx(0, 0)))


def _ordered(values: dict[str, Any]) -> dict[str, str | list[str]]:
    out: dict[str, str | list[str]] = {}
    for key in KEYS:
        if key in values:
            v = values[key]
            out[key] = list(v) if key in LIST_KEYS else v
    return out


def links(mapping: Any) -> list[FundingLink]:
    """Links a human can open, in KEYS order then list order, duplicates removed."""
    values = normalise(mapping)
    out: list[FundingLink] = []
    seen: set[str] = set()
    for key in KEYS:
        if key not in values:
            continue
        items = values[key] if isinstance(values[key], list) else [values[key]]
        for handle in items:
            link = _link(key, handle)
            dedupe = _dedupe_key(link.url)
            if dedupe in seen:
                continue
            seen.add(dedupe)
            out.append(link)
    return out


def _link(key: str, handle: str) -> FundingLink:
    if key == "custom":
        url = handle if "://" in handle else "https://" + handle
        if url.lower().startswith("http://"):
            url = "https://" + url[len("http://") :]
        elif url.lower().startswith("https://"):
            url = "https://" + url[len("https://") :]
        title = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", handle).rstrip("/")
        return FundingLink(key, handle, url, title)
    url = _URL_TEMPLATES[key].format(urllib.parse.quote(handle, safe="/@:._-~+"))
    title = f"GitHub Sponsors (@{handle})" if key == "github" else _PLATFORM_NAMES[key]
    return FundingLink(key, handle, url, title)


def _dedupe_key(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    if host in ("github.com",):
        path = path.lower()
    return f"{host}{path}?{parts.query}#{parts.fragment}"


def render(mapping: Any) -> str:
    """FUNDING.yml text GitHub accepts: header comment, KEYS order, flow lists, safe quoting."""
    values = normalise(mapping)
    lines = [HEADER]
    if not values:
        lines.append("# No funding links configured.")
    for key in KEYS:
        if key not in values:
            continue
        v = values[key]
        if isinstance(v, list):
            lines.append(f"{key}: [" + ", ".join(_yaml_scalar(x) for x in v) + "]")
        else:
            lines.append(f"{key}: {_yaml_scalar(v)}")
    return "\n".join(lines) + "\n"


_SAFE_PLAIN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/@+~-]*")


def _yaml_scalar(value: str) -> str:
    """``value`` as a YAML scalar every reader (1.1 and 1.2, block and flow) reads as this string."""
    if _SAFE_PLAIN_RE.fullmatch(value) and _resolve(value, (1, 2)) == "str" and _reading_11(value) == "str":
        return value
    return _double_quoted(value)


def _double_quoted(value: str) -> str:
    out = ['"']
    escapes = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}
    for ch in value:
        if ch in escapes:
            out.append(escapes[ch])
        elif ch.isprintable() and ch not in "\x85\u2028\u2029\ufeff" and not 0xD800 <= ord(ch) <= 0xDFFF:
            out.append(ch)
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def _sorted(problems: Sequence[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line, p.column, p.severity != "error", p.code))


def format_problems(path: str, problems: list[Problem]) -> str:
    """``PATH:LINE:COL: severity: message [code]`` lines, errors first, then by position."""
    ordered = sorted(problems, key=lambda p: (p.severity != "error", p.line, p.column, p.code))
    return "\n".join(f"{path}:{p.line}:{p.column}: {p.severity}: {p.message} [{p.code}]" for p in ordered)
