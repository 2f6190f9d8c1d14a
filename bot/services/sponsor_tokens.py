"""Tokens that account owners connect so fundbot can read their GitHub Sponsors (the shell).

Why a token at all: an App's installation token carries no OAuth scopes and no App permission covers
Sponsors. GitHub answers ``INSUFFICIENT_SCOPES`` for the fields of ``sponsorshipsAsMaintainer`` and the
identities of ``sponsors`` (``createdAt``, ``privacyLevel``, ``tier``, ``sponsorEntity``...: they need
``read:user`` for a user account, ``read:org`` from an owner for an organization) and lets a token without
scopes read only the counts (evidence: sponsorkit PR #6, nodejs/nodejs.org PR #8531, jal-co/shieldcn PR
#150). So the owner of an account may connect a token for that account on the server, never in a
repository: ``python -m bot sponsors connect ACCOUNT`` (the token from a file or stdin, never an argument).

Storage: the store's cache, namespace ``sponsors_token``, one row per account (lower-case login) plus an
index row, with no expiry and no installation (uninstalling an App does not drop a person's token; the
owner disconnects it). The token is encrypted with Fernet (``cryptography``) under a key derived with
HKDF-SHA256 from ``SECRET_KEY``; it is never logged and never printed: ``list`` shows its last four
characters. Another ``SECRET_KEY`` cannot decrypt it: fundbot then says to connect it again.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.core.names import is_login as valid_login

NAMESPACE = "sponsors_token"
INDEX = "_accounts"
MIN_KEY_LENGTH = 32
MAX_TOKEN_LENGTH = 512


class TokenError(ValueError):
    """A token or key that cannot be used; the message says what to do."""


@dataclass(frozen=True)
class Connected:
    """A connected account, as ``list`` shows it (never the token itself)."""

    account: str
    connected_at: float
    last4: str
    scopes: tuple[str, ...]


def cipher(secret_key: str | None) -> Fernet:
    """The Fernet cipher for ``SECRET_KEY`` (32 characters or more)."""
    if not secret_key or len(secret_key) < MIN_KEY_LENGTH:
        raise TokenError(f"SECRET_KEY must be set to {MIN_KEY_LENGTH} or more random characters to store "
                         "tokens (e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"fundbot", info=b"sponsors tokens").derive(
        secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def check_token(token: str) -> str:
    """The token as stored (whitespace stripped), or TokenError."""
    token = (token or "").strip()
    if not token:
        raise TokenError("no token given: pass it in a file (--token-file) or on standard input")
    if len(token) > MAX_TOKEN_LENGTH or any(c.isspace() or not c.isprintable() for c in token):
        raise TokenError("that does not look like a GitHub token (one line of printable characters)")
    return token


def check_account(account: str) -> str:
    if not valid_login(account):
        raise TokenError(f"{account[:60]!r} is not a GitHub account name")
    return account


class SponsorTokens:
    """Connected tokens in a store (any :class:`bot.store.base.Store`)."""

    def __init__(self, store: Any, secret_key: str | None) -> None:
        self.store, self._secret_key = store, secret_key

    def ready(self) -> None:
        """TokenError unless ``SECRET_KEY`` can seal tokens."""
        cipher(self._secret_key)

    async def connect(self, account: str, token: str, *, scopes: tuple[str, ...] = (),
                      now: float | None = None) -> Connected:
        account, token = check_account(account), check_token(token)
        sealed = cipher(self._secret_key).encrypt(token.encode()).decode()
        when = time.time() if now is None else now
        row = {"account": account, "token": sealed, "connected_at": when, "last4": token[-4:],
               "scopes": list(scopes)}
        await self.store.cache_set(NAMESPACE, account.lower(), row)
        accounts = set(await self.store.cache_get(NAMESPACE, INDEX) or [])
        await self.store.cache_set(NAMESPACE, INDEX, sorted(accounts | {account.lower()}))
        return Connected(account, when, token[-4:], tuple(scopes))

    async def disconnect(self, account: str) -> bool:
        key = check_account(account).lower()
        known = await self.store.cache_get(NAMESPACE, key) is not None
        await self.store.cache_delete(NAMESPACE, key)
        accounts = set(await self.store.cache_get(NAMESPACE, INDEX) or [])
        if key in accounts:
            await self.store.cache_set(NAMESPACE, INDEX, sorted(accounts - {key}))
        return known

    async def list(self) -> list[Connected]:
        out = []
        for key in await self.store.cache_get(NAMESPACE, INDEX) or []:
            row = await self.store.cache_get(NAMESPACE, key)
            if isinstance(row, dict):
                out.append(Connected(row.get("account", key), float(row.get("connected_at") or 0),
                                     str(row.get("last4", "")), tuple(row.get("scopes") or ())))
        return out

    async def token_for(self, account: str) -> str | None:
        """The decrypted token connected for ``account``, None when there is none; TokenError when it was
        stored under another SECRET_KEY (or SECRET_KEY is unset)."""
        if not valid_login(account):
            return None
        row = await self.store.cache_get(NAMESPACE, account.lower())
        if not isinstance(row, dict) or not isinstance(row.get("token"), str):
            return None
        try:
            return cipher(self._secret_key).decrypt(row["token"].encode()).decode()
        except InvalidToken:
            raise TokenError(f"the token connected for {account} was stored under another SECRET_KEY: connect "
                             f"it again (python -m bot sponsors connect {account})") from None


VERIFY_QUERY = """
query($login: String!) {
  viewer { login }
  repositoryOwner(login: $login) {
    ... on Sponsorable {
      sponsorshipsAsMaintainer(first: 1, activeOnly: false) { totalCount nodes { createdAt privacyLevel } }
    }
  }
}
"""


async def verify(session: Any, graphql_url: str, account: str, token: str) -> tuple[str, ...]:
    """Check with GitHub that ``token`` reads ``account``'s sponsorships in full; return its OAuth scopes
    (``X-OAuth-Scopes``; empty for fine-grained tokens). TokenError says what GitHub refused and what the
    token needs."""
    headers = {"Authorization": f"bearer {token}", "User-Agent": "fundbot", "Accept": "application/json"}
    async with session.post(graphql_url, json={"query": VERIFY_QUERY, "variables": {"login": account}},
                            headers=headers) as response:
        scopes = tuple(s.strip() for s in response.headers.get("X-OAuth-Scopes", "").split(",") if s.strip())
        if response.status == 401:
            raise TokenError("GitHub does not accept this token (401 Bad credentials)")
        if response.status >= 400:
            raise TokenError(f"GitHub answered {response.status} to the check; try again later")
        try:
            body = await response.json(content_type=None)
        except ValueError:
            raise TokenError("GitHub's answer to the check was not JSON; try again later") from None
    errors = [e for e in (body or {}).get("errors") or [] if isinstance(e, dict)]
    if errors:
        first = errors[0]
        need = "read:user (for a user account) or read:org from an owner (for an organization)"
        if first.get("type") in ("INSUFFICIENT_SCOPES", "FORBIDDEN"):
            raise TokenError(f"this token cannot read {account}'s sponsorships ({first.get('type')}): it needs {need}")
        raise TokenError(f"GitHub refused the check: {str(first.get('message'))[:200]}")
    owner = ((body or {}).get("data") or {}).get("repositoryOwner")
    if owner is None:
        raise TokenError(f"GitHub knows no account {account}")
    if "sponsorshipsAsMaintainer" not in owner:
        raise TokenError(f"{account} cannot be sponsored on GitHub Sponsors")
    return scopes


async def connect_checked(tokens: SponsorTokens, session: Any, graphql_url: str, account: str, token: str, *,
                          verifier=None) -> Connected:
    """What ``sponsors connect`` and the operator's page do: the account and token well-formed, ``SECRET_KEY``
    able to seal it (before anything is sent to GitHub), the token checked with GitHub (``verify``), then
    stored. TokenError says what is wrong; GitHub out of reach is one too. ``session``: an aiohttp session, or
    None for one of its own."""
    account, token = check_account(account), check_token(token)
    tokens.ready()
    check = verifier or verify
    try:
        if session is not None:
            scopes = await check(session, graphql_url, account, token)
        else:
            async with aiohttp.ClientSession() as own:
                scopes = await check(own, graphql_url, account, token)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise TokenError(f"GitHub could not be reached to check the token ({type(exc).__name__}); try again") from None
    return await tokens.connect(account, token, scopes=tuple(scopes))
