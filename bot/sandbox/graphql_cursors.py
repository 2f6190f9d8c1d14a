"""GraphQL connection cursors as GitHub writes them (base64 of ``cursor:v2:N``), and GitHub's error for one
that is not: shared by the sandbox's GraphQL resolvers."""

from __future__ import annotations

import base64
import re

from graphql import GraphQLError


def cursor(i: int) -> str:
    return base64.b64encode(f"cursor:v2:{i}".encode()).decode()


def uncursor(c: str) -> int:
    try:
        m = re.fullmatch(r"cursor:v2:(\d+)", base64.b64decode(c.encode(), validate=True).decode())
    except Exception:
        m = None
    if m is None:
        raise GraphQLError(f"`{c}` does not appear to be a valid cursor.", extensions={"type": "INVALID_CURSOR_ARGUMENTS"})
    return int(m.group(1))
