"""Settings: environment loading, validation messages that name the variable, secrets kept hidden."""

import os
import stat

import pytest

from bot.settings import Settings, SettingsError, load_settings


def test_defaults(monkeypatch, tmp_path):
    """Without variables, the documented defaults apply."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("DISCORD_", "DATABASE_", "DEFAULT_", "LOG_LEVEL", "ANONYMITY_")):
            monkeypatch.delenv(name)
    settings = load_settings()
    assert str(settings.database_path) == "data/cercle.sqlite3"
    assert settings.discord_api_base == "https://discord.com/api/v10"
    assert settings.discord_token is None


def test_bad_values_name_the_variables_and_hide_values(monkeypatch):
    """A bad zone and a bad locale are both named; the offending values are not echoed."""
    monkeypatch.setenv("DEFAULT_TIMEZONE", "Nowhere/Land")
    monkeypatch.setenv("DEFAULT_LOCALE", "de")
    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None)
    text = str(info.value)
    assert "DEFAULT_TIMEZONE" in text and "DEFAULT_LOCALE" in text
    assert "Nowhere/Land" not in text


def test_token_is_secret(monkeypatch):
    """The token never shows in repr or str of the settings."""
    monkeypatch.setenv("DISCORD_TOKEN", "abc.def.ghi-secret")
    settings = load_settings(_env_file=None)
    assert "ghi-secret" not in repr(settings) and "ghi-secret" not in str(settings)
    assert settings.discord_token.get_secret_value() == "abc.def.ghi-secret"


def test_anonymity_secret_file_created_private_and_reused(tmp_path):
    """Without ANONYMITY_SECRET a 0600 key file is created once and read back the same."""
    path = tmp_path / "keys" / "anon.key"
    settings = Settings(_env_file=None, anonymity_secret_file=path)
    first = settings.resolve_anonymity_secret()
    assert len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Settings(_env_file=None, anonymity_secret_file=path).resolve_anonymity_secret() == first


def test_anonymity_secret_from_environment_wins(tmp_path):
    """ANONYMITY_SECRET, when given, is used and no file is written."""
    path = tmp_path / "anon.key"
    settings = Settings(_env_file=None, anonymity_secret="from-env", anonymity_secret_file=path)
    assert settings.resolve_anonymity_secret() == b"from-env"
    assert not path.exists()


@pytest.mark.parametrize(
    ("name", "value"),
    [("DATABASE_PATH", ""), ("DISCORD_GATEWAY_URL", "http://x"), ("DISCORD_API_BASE", "wss://x"), ("DEV_GUILD_ID", "-5")],
)
def test_more_bad_values_are_configuration_errors(monkeypatch, name, value):
    """An empty database path, a non-websocket gateway, a non-HTTP API base and a negative guild id are refused by name."""
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None)
    assert name in str(info.value) and "Value error" not in str(info.value)
