"""GitHub's ``FUNDING.yml`` rules, in one pure implementation.

Used by ``python -m bot check-funding PATH`` (:func:`lint`), by the config validator for the
``funding:`` key of ``.github/fundbot.yml`` (:func:`check_mapping`), by the writer of
``.github/FUNDING.yml`` (:func:`normalise`, :func:`render`) and by link building (:func:`links`).
Nothing here touches files, the network or the clock.

One rule engine (``_evaluate``) does all the checking. It runs on a small neutral tree that three
adapters build: from the located tree of :mod:`bot.core.yaml_tree` - the YAML reader ``fundbot.yml``
shares, which composes the text (what :func:`lint` uses, because it keeps the source text of every
scalar, its quoting style, duplicate keys and exact positions; a composed ruamel node, as the config
loader hands over, goes through it too) - from a ruamel round-trip ``CommentedMap`` and from plain
``dict``/``list`` values. FUNDING.yml is read with ``<<`` kept as a key, not merged.
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
too-complex           error    more values than the located reader builds (200,000)
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

Modules
-------
``tables`` (keys, platform names and hosts, near misses, placeholders, patterns), ``model`` (value types,
the neutral tree, the problem collector), ``adapters`` (located tree / ``CommentedMap`` / plain data to the
tree), ``yaml11`` (YAML 1.1 and 1.2 readings of a scalar, safe quoting), ``rules`` (the rule engine),
``values`` (checks of one name, package, path or link), ``api`` (the functions below). Every public name
is importable from ``bot.core.funding``.
"""

from __future__ import annotations

from bot.core.funding.api import (
    check_mapping,
    format_problems,
    links,
    lint,
    normalise,
    parse,
    render,
)
from bot.core.funding.model import FUNDING_PATH, FundingLink, Problem
from bot.core.funding.tables import HEADER as HEADER
from bot.core.funding.tables import KEYS, LIST_KEYS, TIDELIFT_PLATFORMS
from bot.core.funding.tables import RETIRED_KEYS as RETIRED_KEYS
from bot.core.funding.yaml11 import _yaml_scalar as _yaml_scalar  # the config loader quotes defaults with it

__all__ = [
    "FUNDING_PATH",
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
