"""GitHub's rules for account logins and repository names (pure): the one place they are written.

* A login (user or organization) is 1-39 characters: ASCII letters, digits and single hyphens, not at the
  start or the end (GitHub's sign-up rule: "may only contain alphanumeric characters or single hyphens, and
  cannot begin or end with a hyphen"). A GitHub App's user is ``<slug>[bot]``.
* A repository name is 1-100 characters of ASCII letters, digits, ``.``, ``_`` and ``-``, and not ``.`` or
  ``..``.

The patterns are also exported as text (``LOGIN``, ``REPO_NAME``) for regexes built around them, such as
the JSON Schema (whose regex dialect, ECMA-262, reads them the same way).
"""

from __future__ import annotations

import re

LOGIN = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}"
REPO_NAME = r"[A-Za-z0-9._-]{1,100}"

_LOGIN_RE = re.compile(LOGIN)
_LOGIN_OR_BOT_RE = re.compile(LOGIN + r"(?:\[bot\])?")
_REPO_NAME_RE = re.compile(REPO_NAME)


def is_login(value: object) -> bool:
    """A user or organization login as GitHub allows them (not ``name[bot]``)."""
    return isinstance(value, str) and _LOGIN_RE.fullmatch(value) is not None


def is_login_or_bot(value: object) -> bool:
    """A login, or a GitHub App's bot user ``<slug>[bot]``."""
    return isinstance(value, str) and _LOGIN_OR_BOT_RE.fullmatch(value) is not None


def is_repo_name(value: object) -> bool:
    """A repository name (without its owner) as GitHub allows them."""
    return isinstance(value, str) and _REPO_NAME_RE.fullmatch(value) is not None and value not in (".", "..")
