"""Settings: environment loading, validation messages that name the variable, secrets kept hidden."""

import os

import pytest

from bot.settings import SettingsError, load_settings


def test_defaults(monkeypatch, tmp_path):
    """Without variables, the documented defaults apply."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("DISCORD_", "DATABASE_", "DEFAULT_", "LOG_LEVEL", "ANONYMITY_")):
            monkeypatch.delenv(name)
    monkeypatch.delenv("DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    settings = load_settings()
    assert settings.data_dir == tmp_path / "xdg" / "cercle"
    assert settings.database_path == tmp_path / "xdg" / "cercle" / "cercle.sqlite3"
    assert settings.anonymity_secret_file == tmp_path / "xdg" / "cercle" / "anonymity.key"
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


@pytest.mark.parametrize("value", ["", "   ", "short-secret", "x" * 31])
def test_short_or_blank_secret_is_refused_by_name(monkeypatch, value):
    """ANONYMITY_SECRET empty, whitespace or under 32 bytes is refused, naming the variable, not the value."""
    monkeypatch.setenv("ANONYMITY_SECRET", value)
    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None)
    text = str(info.value)
    assert text.startswith("ANONYMITY_SECRET:")
    assert "32 bytes" in text or "empty" in text
    if value.strip():
        assert value not in text


def test_relative_paths_resolve_against_the_data_dir(monkeypatch, tmp_path):
    """DATABASE_PATH and ANONYMITY_SECRET_FILE are resolved against DATA_DIR, whatever the working directory."""
    data = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(data))
    monkeypatch.setenv("DATABASE_PATH", "club.sqlite3")
    monkeypatch.delenv("ANONYMITY_SECRET_FILE", raising=False)
    for cwd in (tmp_path, tmp_path / "elsewhere"):
        cwd.mkdir(exist_ok=True)
        monkeypatch.chdir(cwd)
        settings = load_settings(_env_file=None)
        assert settings.database_path == data / "club.sqlite3"
        assert settings.anonymity_secret_file == data / "anonymity.key"


def test_relative_data_dir_is_refused(monkeypatch):
    """DATA_DIR must be absolute: a relative one would depend on the working directory again."""
    monkeypatch.setenv("DATA_DIR", "data")
    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None)
    assert "DATA_DIR" in str(info.value) and "absolute" in str(info.value)


def test_env_file_that_is_not_utf8_names_the_line(tmp_path):
    """A .env saved in Latin-1 is refused with its path and line number, not half-read."""
    env = tmp_path / ".env"
    env.write_bytes(b"LOG_LEVEL=INFO\nDEFAULT_LOCALE=fr\n# caf\xe9\n")
    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=env)
    assert str(env) in str(info.value) and "line 3" in str(info.value) and "UTF-8" in str(info.value)


def test_env_file_with_an_unparsable_line_names_it(tmp_path):
    """A line python-dotenv would skip is refused by number instead of silently dropping the setting."""
    env = tmp_path / ".env"
    env.write_text("LOG_LEVEL=INFO\nDEFAULT_LOCALE='fr\nDEFAULT_TIMEZONE=Europe/Paris\n", encoding="utf-8")
    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=env)
    assert "line 2" in str(info.value) and "NAME=value" in str(info.value)


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
