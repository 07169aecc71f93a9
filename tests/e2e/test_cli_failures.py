"""Every start-up failure is one sentence and a documented exit code, from the real ``cercle``.

Exit codes (README, "Command line"): 2 configuration, 3 database, 4 Discord unreachable.
Each test runs the installed console script in a user's environment (tests/e2e/cli.py).
"""

from __future__ import annotations

import os
import sqlite3

import pytest

from tests.e2e.cli import TOKEN, run_cercle, user_env, without_file_permission_override

pytestmark = pytest.mark.slow


def _no_traceback(result) -> None:
    assert "Traceback" not in result.text, result.text
    assert TOKEN not in result.text


def test_run_on_a_file_that_is_not_sqlite(tmp_path, home, data):
    """DATABASE_PATH at a text file: exit 3, the file named, what to do."""
    data.mkdir()
    (data / "notes.txt").write_text("not a database\n" * 100)
    env = user_env(home, DATA_DIR=str(data), DATABASE_PATH="notes.txt", DISCORD_TOKEN=TOKEN)
    result = run_cercle("run", env=env, cwd=tmp_path)
    assert result.code == 3, result.text
    assert f"DATABASE_PATH {data / 'notes.txt'} is not an SQLite database" in result.err
    assert "Point DATABASE_PATH at" in result.err
    _no_traceback(result)
    assert (data / "notes.txt").read_text().startswith("not a database")


def test_run_with_a_read_only_database_folder(tmp_path, home, data):
    """A database folder the user cannot write: exit 3, the folder named, the -wal/-shm reason given."""
    data.mkdir()
    data.chmod(0o555)
    try:
        env = user_env(home, DATA_DIR=str(data), DISCORD_TOKEN=TOKEN)
        result = run_cercle("run", env=env, cwd=tmp_path, prefix=without_file_permission_override())
    finally:
        data.chmod(0o755)
    assert result.code == 3, result.text
    assert f"Cercle cannot write to {data} (read-only)" in result.err and "-wal" in result.err
    _no_traceback(result)


def test_run_when_the_database_folder_cannot_be_created(tmp_path, home):
    """DATA_DIR inside a folder the user cannot write: exit 3 naming the folder it tried to create."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        env = user_env(home, DATA_DIR=str(locked / "cercle"), DISCORD_TOKEN=TOKEN)
        result = run_cercle("run", env=env, cwd=tmp_path, prefix=without_file_permission_override())
    finally:
        locked.chmod(0o755)
    assert result.code == 3, result.text
    assert f"Cannot create the database folder {locked / 'cercle'}" in result.err
    assert "Permission denied" in result.err and "DATA_DIR" in result.err
    _no_traceback(result)


def test_database_path_under_a_file(tmp_path, home):
    """DATABASE_PATH=/etc/passwd/x.sqlite3: exit 3 saying /etc/passwd is a file."""
    env = user_env(home, DATA_DIR=str(tmp_path / "data"), DATABASE_PATH="/etc/passwd/x.sqlite3", DISCORD_TOKEN=TOKEN)
    for command in ("run", "migrate", "check"):
        result = run_cercle(command, env=env, cwd=tmp_path)
        assert result.code == 3, (command, result.text)
        assert "/etc/passwd is a file, not a folder" in result.err, command
        _no_traceback(result)


def test_run_when_the_key_file_cannot_be_created(tmp_path, home, data):
    """ANONYMITY_SECRET_FILE in a read-only folder: exit 2 naming the variable and the file; no database
    is left claiming a secret that does not exist."""
    keys = tmp_path / "keys"
    keys.mkdir()
    keys.chmod(0o555)
    try:
        env = user_env(home, DATA_DIR=str(data), ANONYMITY_SECRET_FILE=str(keys / "anonymity.key"), DISCORD_TOKEN=TOKEN)
        result = run_cercle("run", env=env, cwd=tmp_path, prefix=without_file_permission_override())
        again = run_cercle("check", env=env, cwd=tmp_path, prefix=without_file_permission_override())
    finally:
        keys.chmod(0o755)
    assert result.code == 2, result.text
    assert f"Cannot create the anonymity key file {keys / 'anonymity.key'} (ANONYMITY_SECRET_FILE)" in result.err
    assert "Permission denied" in result.err
    _no_traceback(result)
    assert again.code == 2 and "Cannot create the anonymity key file" in again.err
    with sqlite3.connect(data / "cercle.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM instance_meta").fetchone()[0] == 0


def test_sync_commands_when_discord_cannot_be_reached(tmp_path, home, data):
    """sync-commands with Discord unreachable: exit 4 naming DISCORD_API_BASE and the network to check."""
    env = user_env(home, DATA_DIR=str(data), DISCORD_TOKEN=TOKEN)
    result = run_cercle("sync-commands", env=env, cwd=tmp_path)
    assert result.code == 4, result.text
    assert "Discord cannot be reached at http://127.0.0.1:9/api/v10 (DISCORD_API_BASE)" in result.err
    assert "network" in result.err
    _no_traceback(result)


def test_run_when_discord_cannot_be_reached(tmp_path, home, data):
    """run with Discord unreachable: exit 4, after the local checks passed."""
    env = user_env(home, DATA_DIR=str(data), DISCORD_TOKEN=TOKEN)
    result = run_cercle("run", env=env, cwd=tmp_path)
    assert result.code == 4, result.text
    assert "DISCORD_API_BASE" in result.err
    _no_traceback(result)


def test_env_file_that_is_not_utf8(tmp_path, home, data):
    """A Latin-1 .env: exit 2, the file and the line named, nothing half-read."""
    (tmp_path / ".env").write_bytes(b"DISCORD_TOKEN=" + TOKEN.encode() + b"\n# R\xe9glages du club\nDEFAULT_LOCALE=fr\n")
    result = run_cercle("run", env=user_env(home, DATA_DIR=str(data)), cwd=tmp_path)
    assert result.code == 2, result.text
    assert f"{tmp_path / '.env'}: line 2 is not valid UTF-8" in result.err
    _no_traceback(result)
    assert not data.exists()


def test_env_file_with_an_unparsable_line(tmp_path, home, data):
    """A .env line python-dotenv cannot parse: exit 2 with its number (never silently dropped)."""
    (tmp_path / ".env").write_text(
        f"DISCORD_TOKEN={TOKEN}\nDEFAULT_TIMEZONE=Europe/Paris\nDEFAULT_LOCALE='fr\nLOG_LEVEL=INFO\n", encoding="utf-8"
    )
    for command in ("run", "check", "sync-commands"):
        result = run_cercle(command, env=user_env(home, DATA_DIR=str(data)), cwd=tmp_path)
        assert result.code == 2, (command, result.text)
        assert f"{tmp_path / '.env'}: line 3 cannot be read" in result.err, command
        _no_traceback(result)


def test_configuration_errors_are_never_reported_as_discord_errors(tmp_path, home, data):
    """With Discord unreachable too, a badly pasted token or a bad setting is exit 2, not 4."""
    cases = {
        "Bot " + TOKEN: "starts with 'Bot '",
        "abc.def": "does not look like a bot token",
    }
    for token, says in cases.items():
        env = user_env(home, DATA_DIR=str(data), DISCORD_TOKEN=token)
        for command in ("run", "sync-commands"):
            result = run_cercle(command, env=env, cwd=tmp_path)
            assert result.code == 2, (command, result.text)
            assert says in result.err and "reached" not in result.err
            assert token not in result.text
    env = user_env(home, DATA_DIR=str(data), DISCORD_TOKEN=TOKEN, DEFAULT_TIMEZONE="Paris")
    result = run_cercle("sync-commands", env=env, cwd=tmp_path)
    assert result.code == 2 and "DEFAULT_TIMEZONE" in result.err and "reached" not in result.err


def test_version(tmp_path, home):
    """cercle --version prints the installed version."""
    result = run_cercle("--version", env=user_env(home), cwd=tmp_path)
    assert result.code == 0 and result.out.startswith("cercle ") and "unknown" not in result.out


def test_run_from_a_folder_the_user_may_not_read(tmp_path, home, data):
    """`sudo -u cercle cercle run` from /root: the .env cannot be looked for; exit 2 saying so, no traceback."""
    if os.geteuid() != 0:
        pytest.skip("only a process that changed user can sit in a folder it may not enter")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        env = user_env(home, DATA_DIR=str(data), DISCORD_TOKEN=TOKEN)
        result = run_cercle("run", env=env, cwd=locked, prefix=without_file_permission_override())
    finally:
        locked.chmod(0o755)
    assert result.code == 2, result.text
    assert f"Cercle may not look into {locked} (permission denied)" in result.err and "DATA_DIR" in result.err
    _no_traceback(result)


@pytest.mark.parametrize(
    "schema",
    [
        ["CREATE TABLE customers (id INTEGER)"],
        ["CREATE TABLE polls (id INTEGER)"],
        ["CREATE TABLE customers (id INTEGER)", "PRAGMA user_version = 2"],
    ],
    ids=["foreign", "foreign-with-a-cercle-name", "foreign-with-a-version"],
)
def test_another_applications_database_is_left_untouched(tmp_path, home, data, schema):
    """A valid SQLite file of another application: exit 3, 'not Cercle's database', and not one byte changed."""
    data.mkdir()
    other = data / "cercle.sqlite3"
    with sqlite3.connect(other) as conn:
        for statement in schema:
            conn.execute(statement)
    before = other.read_bytes()
    env = user_env(home, DATA_DIR=str(data), DISCORD_TOKEN=TOKEN)
    for command in ("migrate", "check", "run"):
        result = run_cercle(command, env=env, cwd=tmp_path)
        assert result.code == 3, (command, result.text)
        assert f"DATABASE_PATH {other} is not Cercle's database" in result.err and "Nothing was changed" in result.err
        _no_traceback(result)
    assert other.read_bytes() == before
    assert not (data / "anonymity.key").exists()


def test_a_nul_byte_in_a_path_is_named(tmp_path, home, data):
    """A NUL pasted into a path in .env: exit 2 naming the variable, not a ValueError traceback."""
    (tmp_path / ".env").write_bytes(b"DATA_DIR=" + str(data).encode() + b"\nDATABASE_PATH='a\x00b.sqlite3'\n")
    result = run_cercle("migrate", env=user_env(home), cwd=tmp_path)
    assert result.code == 2, result.text
    assert "NUL" in result.err
    _no_traceback(result)


@pytest.mark.parametrize(
    "content, says",
    [
        ("DATA_DIR=/tmp/x\n".encode("utf-16-le"), "line 1 holds a NUL byte"),
        (b"\xef\xbb\xbf\xef\xbb\xbfDATA_DIR=/tmp/x\n", "line 1 cannot be read"),
        (b"LOG_LEVEL=INFO\nDATA_DIR\n", "line 2 cannot be read"),
    ],
    ids=["utf-16", "doubled-bom", "no-equals"],
)
def test_env_lines_that_would_be_dropped_silently(tmp_path, home, data, content, says):
    """A UTF-16 file, a doubled byte-order mark, a name without '=': refused by line, never ignored."""
    (tmp_path / ".env").write_bytes(content)
    result = run_cercle("migrate", env=user_env(home), cwd=tmp_path)
    assert result.code == 2, result.text
    assert says in result.err
    assert not (home / ".local").exists()


def test_migrate_says_when_it_creates_a_new_database(tmp_path, home, data):
    """migrate on a missing database says it created a NEW one, and where to look if that was not meant."""
    result = run_cercle("migrate", env=user_env(home, DATA_DIR=str(data)), cwd=tmp_path)
    assert result.code == 0 and f"Created a NEW, empty database at {data / 'cercle.sqlite3'}" in result.out
    assert "up to date" in run_cercle("migrate", env=user_env(home, DATA_DIR=str(data)), cwd=tmp_path).out


def test_files_cercle_creates_are_private(tmp_path, home, data):
    """The data directory, database and key file are the user's alone (umask 077)."""
    run_cercle("check", env=user_env(home, DATA_DIR=str(data)), cwd=tmp_path)
    for path in (data / "cercle.sqlite3", data / "anonymity.key"):
        assert path.stat().st_mode & 0o077 == 0, path
    assert data.stat().st_mode & 0o077 == 0
