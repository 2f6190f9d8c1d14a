"""Settings from the environment and ``.env`` (read by python-dotenv); the environment wins over ``.env``."""

from __future__ import annotations

import pytest

from bot.settings import Settings, SettingsError, read_dotenv

PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nAAAA\n-----END RSA PRIVATE KEY-----\n"


def settings(tmp_path, text: str, **env: str) -> Settings:
    (tmp_path / ".env").write_text(text, encoding="utf-8")
    return Settings.from_env(env, dotenv=tmp_path / ".env")


def test_a_quoted_value_with_a_comment_does_not_swallow_the_rest(tmp_path):
    # issue 11: the hand-written parser read `"s" # comment` as an open quote and lost every later line
    s = settings(tmp_path, 'WEBHOOK_SECRET="s" # the App\'s secret\nAPP_ID=123456\nPORT=4000\n')
    assert (s.webhook_secret, s.app_id, s.port) == ("s", "123456", 4000)


def test_the_environment_wins_over_dotenv(tmp_path):
    s = settings(tmp_path, "APP_ID=1\nPORT=4000\nLOG_LEVEL=debug\n", APP_ID="2", LOG_LEVEL="")
    assert (s.app_id, s.port) == ("2", 4000)
    assert s.log_level == "INFO"  # set but empty in the environment counts as unset, as before


def test_quotes_export_comments_and_a_multiline_key(tmp_path):
    text = ("# fundbot\nexport APP_ID=42\nWEBHOOK_SECRET='a $HOME # not a comment'\n"
            f'PRIVATE_KEY="{PEM}"\nHOST=127.0.0.1 # local only\nBOT_LOGIN\n')
    s = settings(tmp_path, text)
    assert s.app_id == "42" and s.host == "127.0.0.1" and s.bot_login is None
    assert s.webhook_secret == "a $HOME # not a comment"  # single quotes: literal, no expansion
    assert s.private_key == PEM


def test_escaped_newlines_in_a_double_quoted_key(tmp_path):
    s = settings(tmp_path, 'PRIVATE_KEY="' + PEM.strip().replace("\n", "\\n") + '"\n')
    assert s.private_key == PEM


def test_no_variable_expansion(tmp_path):
    assert read_dotenv_text(tmp_path, "A=x\nWEBHOOK_SECRET=p${A}q\n")["WEBHOOK_SECRET"] == "p${A}q"


def read_dotenv_text(tmp_path, text: str) -> dict[str, str]:
    (tmp_path / ".env").write_text(text, encoding="utf-8")
    return read_dotenv(tmp_path / ".env")


def test_a_missing_dotenv_or_a_directory_is_empty(tmp_path):
    assert read_dotenv(tmp_path / ".env") == {}
    assert read_dotenv(tmp_path) == {}


@pytest.mark.parametrize(("text", "line"), [
    ("APP_ID=1\nthis is not a setting\n", 2),
    ('APP_ID=1\nWEBHOOK_SECRET="never closed\nPORT=1\n', 2),
])
def test_a_malformed_line_is_named(tmp_path, text, line, caplog):
    with pytest.raises(SettingsError, match=rf"\.env line {line} cannot be parsed: write KEY=VALUE"):
        settings(tmp_path, text)
    assert not [r for r in caplog.records if r.name.startswith("dotenv")]  # reported once, by the error


def test_a_bad_value_from_dotenv_keeps_its_message(tmp_path):
    with pytest.raises(SettingsError, match="APP_ID must be the App's numeric ID"):
        settings(tmp_path, "APP_ID=abc\n")


def test_a_dotenv_that_is_not_utf8_is_refused(tmp_path):
    (tmp_path / ".env").write_bytes(b"APP_ID=\xff\xfe\n")
    with pytest.raises(SettingsError, match="is not UTF-8 text"):
        Settings.from_env({}, dotenv=tmp_path / ".env")
