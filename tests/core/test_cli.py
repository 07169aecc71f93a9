"""The cercle command line: check, migrate, backup."""

import sqlite3

import pytest

from cercle.check import application_id_from_token, invite_url, token_problem
from cercle.cli import main

CLOSED_PORT = "http://127.0.0.1:9/api/v10"
"""Nothing listens on the discard port: Discord is unreachable, and no test reaches discord.com."""
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0"
"""A token of the real shape whose first part encodes application id 123456789012345678."""


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DISCORD_API_BASE", CLOSED_PORT)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "data" / "c.sqlite3"))
    monkeypatch.setenv("ANONYMITY_SECRET_FILE", str(tmp_path / "secrets" / "k"))
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("ANONYMITY_SECRET", raising=False)
    return tmp_path


def test_check_prints_invite_and_fails_without_token(env, capsys):
    """Without a token, check still migrates and prints the permission integer and scopes, and exits 1."""
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "Permissions integer: 17929341225984" in out and "Scopes: bot, applications.commands" in out
    assert "<APPLICATION_ID>" not in out and "once DISCORD_TOKEN holds a valid bot token" in out
    assert "members (privileged" in out
    assert (env / "data" / "c.sqlite3").exists()


def test_check_offline_reads_the_application_id_from_the_token(env, capsys, monkeypatch):
    """Offline, check exits 4, says what it could not verify, and reads the id from the token's first part."""
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    assert main(["check"]) == 4
    captured = capsys.readouterr()
    assert "client_id=123456789012345678" in captured.out
    assert "DISCORD_API_BASE" in captured.err and "Not verified offline" in captured.out + captured.err
    assert TOKEN not in captured.out + captured.err


@pytest.mark.parametrize(
    "token, says",
    [
        ("MTIzNDU2Nzg5MDEyMzQ1Njc4.abc.def", "does not look like a bot token"),
        ("Bot " + TOKEN, "starts with 'Bot '"),
        ('"' + TOKEN + '"', "quotes"),
        ("hello", "three parts"),
        ("aGVsbG8.GaBcDe.abcdefghijklmnopqrstuvwxyz0", "application id"),
    ],
)
def test_token_shape_is_checked_offline(token, says):
    """A pasted token with quotes, a 'Bot ' prefix or the wrong shape is named without echoing it."""
    problem = token_problem(token)
    assert problem is not None and says in problem and "DISCORD_TOKEN" in problem
    assert token_problem(TOKEN) is None
    assert application_id_from_token("not base64 at all!!") is None
    assert invite_url(5).startswith("https://discord.com/oauth2/authorize?client_id=5")


def test_migrate_then_backup(env, capsys):
    """migrate creates the schema; backup writes a readable copy and refuses to overwrite."""
    assert main(["migrate"]) == 0
    assert main(["migrate"]) == 0
    assert "up to date" in capsys.readouterr().out
    target = env / "b.sqlite3"
    assert main(["backup", str(target)]) == 0
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM club_settings").fetchone()[0] == 0
    assert main(["backup", str(target)]) == 3


def test_backup_without_database(env):
    """backup of a database that does not exist says so (exit 3)."""
    assert main(["backup", str(env / "x.sqlite3")]) == 3


def test_not_a_database_fails_cleanly_and_exits(env, monkeypatch, capsys):
    """A file that is not SQLite gives exit 3 and a message (and the process is not kept alive by the database thread)."""
    bad = env / "notadb.sqlite3"
    bad.write_text("hello")
    monkeypatch.setenv("DATABASE_PATH", str(bad))
    assert main(["migrate"]) == 3
    assert main(["check"]) == 3
    assert "not a database" in capsys.readouterr().err
    import threading

    workers = [t for t in threading.enumerate() if "_connection_worker_thread" in t.name]
    for worker in workers:
        worker.join(timeout=2)  # a closed connection's worker ends; a leaked one never does
    assert not [t for t in workers if t.is_alive()]


def test_debug_level_never_reaches_library_loggers(env, monkeypatch):
    """LOG_LEVEL=DEBUG turns on Cercle's loggers only: aiosqlite (SQL with parameters) and discord stay at INFO."""
    import logging

    from bot.settings import load_settings
    from cercle.cli import configure_logging

    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    try:
        configure_logging(load_settings(_env_file=None))
        assert logging.getLogger("bot.feedback.service").isEnabledFor(logging.DEBUG)
        for name in ("aiosqlite", "discord", "discord.gateway", "asyncio", "apscheduler"):
            assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name
    finally:
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]
        for name in ("bot", "cogs", "cercle", "aiosqlite", "discord", "asyncio", "apscheduler"):
            logging.getLogger(name).setLevel(logging.NOTSET)
