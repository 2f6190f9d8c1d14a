"""``python -m bot sponsors connect|list|disconnect`` (the arguments are in ``bot.cli``): tokens that let
fundbot read an account's GitHub Sponsors (see :mod:`bot.services.sponsor_tokens` for why and how they are
kept)."""

from __future__ import annotations

import argparse
import datetime
import getpass
import sys

from bot.cli_checks import CliError
from bot.services.sponsor_tokens import SponsorTokens, TokenError, check_account, check_token, connect_checked
from bot.settings import Settings, SettingsError
from bot.store import DatabaseURLError, open_store


async def run(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        raise CliError(f"configuration error: {exc}") from None
    if args.action != "list" and not args.account:
        raise CliError(f"sponsors {args.action} needs the account: python -m bot sponsors {args.action} ACCOUNT")
    try:
        if args.account:
            check_account(args.account)
        token = _read_token(args) if args.action == "connect" else None
    except TokenError as exc:
        raise CliError(f"sponsors {args.action}: {exc}") from None
    try:
        store = open_store(settings.database_url)
    except DatabaseURLError as exc:
        raise CliError(f"DATABASE_URL: {exc}") from None
    await store.connect()
    try:
        await store.migrate()
        return await _act(args, settings, SponsorTokens(store, settings.secret_key), token)
    except TokenError as exc:
        raise CliError(f"sponsors {args.action}: {exc}") from None
    finally:
        await store.close()


async def _act(args: argparse.Namespace, settings: Settings, tokens: SponsorTokens, token: str | None) -> int:
    if args.action == "list":
        rows = await tokens.list()
        for row in rows:
            when = datetime.datetime.fromtimestamp(row.connected_at, datetime.UTC).strftime("%Y-%m-%d %H:%M")
            scopes = ", ".join(row.scopes) or "fine-grained or unknown"
            print(f"{row.account}\tconnected {when} UTC\ttoken …{row.last4}\tscopes: {scopes}")
        if not rows:
            print("no accounts connected (python -m bot sponsors connect ACCOUNT)")
        return 0
    if args.action == "disconnect":
        known = await tokens.disconnect(args.account)
        print(f"{args.account}: disconnected" if known else f"{args.account}: was not connected")
        return 0
    if args.no_check:
        connected = await tokens.connect(args.account, token or "")
    else:
        connected = await connect_checked(tokens, None, settings.graphql_url, args.account, token or "")
    print(f"{connected.account}: connected (token …{connected.last4}); the README's sponsors section will list "
          "its GitHub sponsors from the next sync")
    return 0


def _read_token(args: argparse.Namespace) -> str:
    if args.token_file is not None:
        try:
            return check_token(args.token_file.read_text(encoding="utf-8"))
        except OSError as exc:
            raise TokenError(f"cannot read {args.token_file}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise TokenError(f"{args.token_file} is not text") from None
    if sys.stdin.isatty():
        return check_token(getpass.getpass("token (input hidden): "))
    return check_token(sys.stdin.read())
