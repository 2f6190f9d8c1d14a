"""The pure core of ``.github/fundbot.yml``: one schema, and everything derived from it.

Nothing here touches files, the network or the clock. The shell (fetching files from GitHub, check
runs, the onboarding pull request) is built on this API:

* :func:`validate` - text (or bytes) of one file -> :class:`ConfigResult` (config or errors, warnings,
  each with file, line, column, dotted key, expected, found, message, code). Never raises.
* :func:`resolve_chain` / :func:`resolve_chain_async` - follow ``_extends`` with a loader the shell
  supplies, validate every file with its own path, deep-merge, validate the merged result.
* :func:`merge`, :func:`parse_extends` - the pure parts of inheritance.
* :class:`Config` - the effective configuration (frozen dataclasses), :meth:`Config.defaults`,
  :meth:`Config.to_dict` / :meth:`Config.from_dict` (JSON, for caching the last valid config).
* :func:`onboarding_template`, :func:`reference_markdown`, :func:`summary`, :func:`format_issues`.
* :func:`bot.core.config.json_schema.json_schema` - the JSON Schema (draft 2020-12) of the file.

The package
-----------
This module re-exports the public API; the code lives in one module per concern (each imports only
the ones before it; the located YAML tree, shared with :mod:`bot.core.funding`, is
:mod:`bot.core.yaml_tree`):

=============  ==================================================================================
model          value types (Issue, Link, ... ExtendsTarget) and limits
report         the issues of one run (Context) and how keys, values and issues are written
extends        ``_extends`` values and the deep merge (pure)
rules          scalar value types (boolean, number, amount, choice, text, URL, ``_extends``)
shapes         containers (list, label goals, section and its Key table, ``funding:``), defaults
schema         ``SCHEMA``, the key table
build          clean values <-> dataclasses
cross          cross-key checks (effective configuration only)
read           one text -> located tree and reading issues (size, encoding, syntax, limits)
json_schema    the JSON Schema generated from ``SCHEMA``
checker        Config, ConfigResult, validate
chain          following ``_extends`` (resolve_chain, resolve_chain_async)
render         onboarding template, README reference table, summary
=============  ==================================================================================

One schema
----------
``SCHEMA`` (:mod:`.schema`) declares every key once: its type, default, constraints and a one-line description.
The validator walks it, the defaults are the schema's defaults run through the validator, the
onboarding template and the README reference table are rendered from it, and :class:`Config` is
built from it (a test checks that the dataclass fields and the schema keys are the same set).

How a file is read
------------------
The text is *composed* with ruamel (round-trip mode, YAML 1.2), not constructed: composing keeps the
position, quoting style and source text of every scalar and keeps duplicate keys (a round-trip load
would raise on them). ``funding:`` is handed, as the composed node plus the whole file text, to
:func:`bot.core.funding.check_mapping` - exactly what ``check-funding`` does with a FUNDING.yml - so the
verdicts and codes are the same; its problems become issues with the key prefix ``funding.``.

Decisions (where the SPEC is silent)
------------------------------------
* A key with no value (``issues:`` with every child commented out, ``_extends:``) means "not set":
  a section falls back to its defaults silently, a plain key with a warning (``empty-value``).
  In a merge, a null in the extending file does not hide the inherited value.
* ``funding:`` absent, empty or null means "fundbot does not manage FUNDING.yml": ``Config.funding``
  is ``{}``.
* Unknown keys are warnings (ignored), with "did you mean" (difflib, or the key's real place when it
  is misplaced, e.g. a top-level ``deadline_days``).
* ``"true"``, ``"no"``, ``yes``, ``off`` ... (text) where a boolean goes is read as the boolean, with
  a warning (``bool-as-string``); ``false`` where ``pull_request|commit|off`` goes is read as ``off``
  with a warning (YAML 1.1 readers turn an unquoted ``off`` into ``false``).
* Amounts: a number or a string ``parse_amount`` accepts (``"$500"``, ``"2k"``, ``"1,250.50"``); a
  currency written in an amount must be ``bounties.currency``. ``funding_goal.amount`` and
  ``readme.tiers[].min`` may be 0; every other amount must be positive.
* ``bounties.rewards`` are kept lowest first and ``readme.tiers`` highest first: a list in another
  order is a warning and the effective config is sorted. Two tiers with the same name or ``min`` are
  an error; a sponsor's ``tier`` must name a tier.
* A bounty goal above ``max_amount`` is an error (``/bounty`` could not set it); below ``min_pledge`` a
  warning. The bounty labels (``label``, ``funded_label``, ``delivered_label``, ``labels``) must be
  distinct, case-insensitively, as GitHub's label names are.
* ``who_can_manage`` containing ``read`` is a warning: on a public repository everybody has read.
* ``issues.message`` placeholders are replaced literally; other ``{...}`` text is kept as written
  and a name-like one (``{autor}``) is a warning with "did you mean".
* Cross-key checks (the last four points) run on the effective (merged) configuration only, so a
  base file is not blamed for a combination its extender changes; an issue about a key whose value
  came from a file names that file and position. ``resolve_chain`` follows ``_extends`` past files
  with errors (so one check run lists them all) and stops at a file it cannot read.
* ``_extends: REPO`` is relative to the owner of the file that holds it. A chain may follow at most
  ``max_depth`` (5) ``_extends``; the sixth is an error and is not fetched. ``Config.extends`` is the
  file's own ``_extends`` after :func:`validate`, and None after a resolved chain (merging removes it;
  ``ConfigResult.sources`` lists the files).
* Limits: 256 KB per file (not parsed beyond), 64 levels of ``[``/``{`` nesting and 100 levels of
  any nesting (refused before the YAML reader recurses), 200,000 nodes. Aliases are not expanded.
"""

from bot.core.config.chain import resolve_chain, resolve_chain_async
from bot.core.config.checker import Config, ConfigResult, _schema_drift, validate
from bot.core.config.extends import merge, parse_extends
from bot.core.config.model import *  # noqa: F403 - the value types and limits
from bot.core.config.model import __all__ as _model_names
from bot.core.config.render import onboarding_template, reference_markdown, summary
from bot.core.config.report import format_issues
from bot.core.config.rules import PLACEHOLDERS
from bot.core.config.schema import SCHEMA, known_keys
from bot.core.config.shapes import Key as _Key
from bot.core.config.shapes import Section as _Section

__all__ = [
    *_model_names,
    "PLACEHOLDERS",
    "SCHEMA",
    "Config",
    "ConfigResult",
    "_Key",
    "_Section",
    "_schema_drift",
    "format_issues",
    "known_keys",
    "merge",
    "onboarding_template",
    "parse_extends",
    "reference_markdown",
    "resolve_chain",
    "resolve_chain_async",
    "summary",
    "validate",
]
