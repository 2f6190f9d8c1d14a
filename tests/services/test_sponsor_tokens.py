"""Connected Sponsors tokens (bot.services.sponsor_tokens): encrypted at rest, never shown, bound to SECRET_KEY."""

from __future__ import annotations

import json

import pytest

from bot.services.sponsor_tokens import NAMESPACE, SponsorTokens, TokenError, cipher
from bot.store import open_store

KEY = "k" * 40
TOKEN = "ghp_" + "A1b2C3d4" * 4 + "wxyz"


@pytest.fixture
async def store(tmp_path):
    s = open_store(f"sqlite:///{tmp_path / 'fundbot.db'}")
    await s.connect()
    await s.migrate()
    yield s
    await s.close()


async def test_connect_stores_the_token_encrypted_and_gives_it_back(store, tmp_path):
    tokens = SponsorTokens(store, KEY)
    connected = await tokens.connect("Octo-Org", TOKEN, scopes=("read:org",), now=1000.0)
    assert connected.last4 == "wxyz"
    assert await tokens.token_for("octo-org") == TOKEN  # account names are case-insensitive
    raw = json.dumps(await store.cache_get(NAMESPACE, "octo-org"))
    assert TOKEN not in raw and TOKEN[4:20] not in raw
    assert TOKEN.encode() not in (tmp_path / "fundbot.db").read_bytes()
    [row] = await tokens.list()
    assert (row.account, row.connected_at, row.last4, row.scopes) == ("Octo-Org", 1000.0, "wxyz", ("read:org",))


async def test_another_secret_key_cannot_read_it(store):
    await SponsorTokens(store, KEY).connect("octocat", TOKEN)
    with pytest.raises(TokenError, match="another SECRET_KEY: connect it again"):
        await SponsorTokens(store, "z" * 40).token_for("octocat")


async def test_disconnect_forgets_the_account(store):
    tokens = SponsorTokens(store, KEY)
    await tokens.connect("octocat", TOKEN)
    await tokens.connect("hubot", TOKEN)
    assert await tokens.disconnect("OctoCat") is True
    assert await tokens.disconnect("octocat") is False
    assert await tokens.token_for("octocat") is None
    assert [r.account for r in await tokens.list()] == ["hubot"]


@pytest.mark.parametrize(("key", "account", "token", "message"), [
    (None, "octocat", TOKEN, "SECRET_KEY must be set"),
    ("short", "octocat", TOKEN, "SECRET_KEY must be set to 32"),
    (KEY, "not a login!", TOKEN, "is not a GitHub account name"),
    (KEY, "octocat", "", "no token given"),
    (KEY, "octocat", "two words", "does not look like a GitHub token"),
    (KEY, "octocat", "x" * 600, "does not look like a GitHub token"),
])
async def test_bad_input_is_a_clear_error_and_stores_nothing(store, key, account, token, message):
    with pytest.raises(TokenError, match=message):
        await SponsorTokens(store, key).connect(account, token)
    assert await store.cache_get(NAMESPACE, "octocat") is None


def test_the_cipher_is_derived_from_the_key():
    sealed = cipher(KEY).encrypt(b"x")
    assert cipher(KEY).decrypt(sealed) == b"x"


async def _cli(args, env, stdin=b""):
    """``python -m bot sponsors ARGS`` in a child process (forked: tests/fixtures/cli.py)."""
    import os

    from tests.fixtures import cli

    done = await cli.arun(["sponsors", *args], env={**os.environ, **env}, stdin=stdin, timeout=60)
    return done.returncode, done.stdout, done.stderr


async def test_the_cli_connects_checks_lists_and_disconnects(sandbox, tmp_path):
    sandbox.add_sponsorship("octocat", "a-sponsor", monthly_usd=5)
    good = sandbox.add_user_token("octocat", ("read:user",))
    bare = sandbox.add_user_token("octocat", ())
    env = {"GITHUB_API_URL": sandbox.base_url, "SECRET_KEY": KEY, "DATABASE_URL": f"sqlite:///{tmp_path / 'f.db'}"}
    (tmp_path / "token").write_text(good + "\n")
    code, out, err = await _cli(["connect", "octocat", "--token-file", str(tmp_path / "token")], env)
    assert code == 0 and "octocat: connected (token …" in out and good not in out + err
    code, out, _ = await _cli(["list"], env)
    assert code == 0 and "octocat\t" in out and "scopes: read:user" in out and good not in out
    code, _, err = await _cli(["connect", "octocat"], env, stdin=bare.encode())
    assert code != 0 and "needs read:user" in err and bare not in err  # GitHub refused it: nothing stored
    code, _, err = await _cli(["connect", "octocat"], {**env, "SECRET_KEY": ""}, stdin=good.encode())
    assert code != 0 and "SECRET_KEY must be set" in err
    code, _, err = await _cli(["disconnect"], env)
    assert code == 2 and "needs the account" in err
    code, out, _ = await _cli(["disconnect", "octocat"], env)
    assert code == 0 and "disconnected" in out
    code, out, _ = await _cli(["list"], env)
    assert "no accounts connected" in out
