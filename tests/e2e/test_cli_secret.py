"""The anonymity secret handled like a key, through the real ``cercle`` (docs/anonymity.md, "The secret")."""

from __future__ import annotations

import sqlite3
import stat
import time
from pathlib import Path

import pytest

from tests.e2e.cli import TOKEN, run_cercle, user_env

pytestmark = pytest.mark.slow


@pytest.fixture
def env(home, data) -> dict[str, str]:
    return user_env(home, DATA_DIR=str(data), DISCORD_TOKEN=TOKEN)


@pytest.mark.parametrize("value", ["", "   ", "club-secret", "é" * 15])
def test_short_or_blank_secret_is_refused(tmp_path, env, data, value):
    """ANONYMITY_SECRET empty, blank or under 32 bytes: exit 2, the variable and the minimum named,
    the value never printed, nothing created."""
    env["ANONYMITY_SECRET"] = value
    for command in ("check", "run"):
        result = run_cercle(command, env=env, cwd=tmp_path)
        assert result.code == 2, result.text
        assert "ANONYMITY_SECRET" in result.err and ("32 bytes" in result.err or "empty" in result.err)
        if value.strip():
            assert value not in result.text
    assert not data.exists()


def test_a_short_key_file_is_refused(tmp_path, env, data):
    """A key file cut short (hand-edited) is refused by name, not used."""
    data.mkdir()
    (data / "anonymity.key").write_text("tooshort\n")
    result = run_cercle("check", env=env, cwd=tmp_path)
    assert result.code == 2
    assert f"The anonymity key file {data / 'anonymity.key'} (ANONYMITY_SECRET_FILE) holds fewer than 32 bytes" in result.err


def test_a_new_secret_is_created_once_and_announced(tmp_path, env, data):
    """The first check creates the key file (0600) and says where and to back it up; the next one says it matches."""
    first = run_cercle("check", env=env, cwd=tmp_path)
    key = data / "anonymity.key"
    assert f"Anonymity secret: CREATED now in {key}" in first.out and "Back it up" in first.out
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    value = key.read_text()
    assert len(value.strip()) >= 32 and value.strip() not in first.text
    second = run_cercle("check", env=env, cwd=tmp_path)
    assert "CREATED" not in second.text and "it matches this database" in second.out
    assert key.read_text() == value


def test_a_changed_secret_is_refused_at_start(tmp_path, env, data):
    """Another secret than the database's: run and check refuse (exit 2) and say what to do; the key
    file and the database are left as they were."""
    assert run_cercle("check", env=env, cwd=tmp_path).code == 4  # Discord unreachable; storage fine
    key = data / "anonymity.key"
    original = key.read_text()
    key.write_text("an-entirely-different-secret-of-enough-length\n")
    for command in ("run", "check"):
        result = run_cercle(command, env=env, cwd=tmp_path)
        assert result.code == 2, result.text
        assert "is not the one this database was created with" in result.err
        assert "Restore the original secret" in result.err and "cercle secret rotate" in result.err
    key.write_text(original)
    env["ANONYMITY_SECRET"] = "y" * 40
    result = run_cercle("run", env=env, cwd=tmp_path)
    assert result.code == 2 and "The anonymity secret (ANONYMITY_SECRET) is not the one" in result.err
    del env["ANONYMITY_SECRET"]
    assert "it matches this database" in run_cercle("check", env=env, cwd=tmp_path).out


def test_a_missing_key_file_for_a_used_database_is_refused(tmp_path, env, data):
    """A database that holds keyed data never gets a new secret silently: exit 2 with guidance."""
    run_cercle("check", env=env, cwd=tmp_path)
    (data / "anonymity.key").unlink()
    result = run_cercle("run", env=env, cwd=tmp_path)
    assert result.code == 2
    assert "does not exist, but the database" in result.err and "restore the key file too" in result.err
    assert not (data / "anonymity.key").exists()


def _open_anonymous_poll(database: Path) -> None:
    now = int(time.time())
    with sqlite3.connect(database) as conn:
        conn.execute(
            "INSERT INTO polls (guild_id, channel_id, creator_id, question, anonymous, max_choices, show_results, "
            "status, opens_at, closes_at, created_at) VALUES (1, 2, 3, 'Which release?', 1, 1, 'after_close', "
            "'open', ?, ?, ?)",
            (now - 60, now + 3600, now - 60),
        )


def _open_campaign(database: Path) -> None:
    now = int(time.time())
    with sqlite3.connect(database) as conn:
        conn.execute(
            "INSERT INTO feedback_campaigns (guild_id, title, created_at, closes_at) VALUES (1, 'Q4 survey', ?, ?)",
            (now, now + 86400),
        )


def _close_everything(database: Path) -> None:
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE polls SET status = 'closed', closed_at = closes_at")
        conn.execute("UPDATE feedback_campaigns SET status = 'closed', closed_at = closes_at")


@pytest.mark.parametrize("opener, says", [(_open_anonymous_poll, "open anonymous polls: 1"),
                                          (_open_campaign, "open campaigns or surveys: 1")])
def test_rotate_is_refused_while_a_collection_is_open(tmp_path, env, data, opener, says):
    """secret rotate while an anonymous poll or a campaign is open: exit 2, the count named, key kept;
    once closed it is accepted, the new key works and the old one is refused."""
    run_cercle("check", env=env, cwd=tmp_path)
    key = data / "anonymity.key"
    old = key.read_text()
    opener(data / "cercle.sqlite3")
    refused = run_cercle("secret", "rotate", env=env, cwd=tmp_path)
    assert refused.code == 2, refused.text
    assert "cannot be replaced now" in refused.err and says in refused.err
    assert key.read_text() == old

    _close_everything(data / "cercle.sqlite3")
    accepted = run_cercle("secret", "rotate", env=env, cwd=tmp_path)
    assert accepted.code == 0, accepted.text
    assert f"New anonymity secret written to {key}" in accepted.out
    new = key.read_text()
    assert new != old and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert "it matches this database" in run_cercle("check", env=env, cwd=tmp_path).out
    key.write_text(old)
    assert run_cercle("run", env=env, cwd=tmp_path).code == 2


def test_rotate_is_refused_with_the_secret_in_the_environment(tmp_path, env):
    """With ANONYMITY_SECRET set, Cercle cannot replace it and says so."""
    env["ANONYMITY_SECRET"] = "z" * 40
    result = run_cercle("secret", "rotate", env=env, cwd=tmp_path)
    assert result.code == 2 and "Remove ANONYMITY_SECRET" in result.err


def test_no_second_secret_from_another_working_directory(tmp_path, home):
    """With the default data directory, cercle run from two folders uses one database and one key."""
    env = user_env(home, DISCORD_TOKEN=TOKEN)
    first_dir, second_dir = tmp_path / "here", tmp_path / "there"
    first_dir.mkdir()
    second_dir.mkdir()
    first = run_cercle("check", env=env, cwd=first_dir)
    second = run_cercle("check", env=env, cwd=second_dir)
    data = home / ".local" / "share" / "cercle"
    assert f"Data directory: {data}" in first.out and f"Data directory: {data}" in second.out
    assert "CREATED" in first.out and "CREATED" not in second.out
    assert sorted(p.name for p in data.iterdir() if p.suffix in (".key", ".sqlite3")) == ["anonymity.key", "cercle.sqlite3"]
    assert not list(first_dir.iterdir()) and not list(second_dir.iterdir())
    env["DATABASE_PATH"] = "club.sqlite3"
    moved = run_cercle("check", env=env, cwd=second_dir)
    assert f"Database: OK ({data / 'club.sqlite3'}" in moved.out


def test_secret_lost_rotation_is_the_way_out_with_open_collections(tmp_path, env, data):
    """With the key file lost and a poll open, rotate is refused pointing at --secret-lost, which
    rotates and says what stayed open; --secret-lost is refused while the key file still matches."""
    run_cercle("check", env=env, cwd=tmp_path)
    key = data / "anonymity.key"
    _open_anonymous_poll(data / "cercle.sqlite3")
    not_lost = run_cercle("secret", "rotate", "--secret-lost", env=env, cwd=tmp_path)
    assert not_lost.code == 2 and "the secret is not lost" in not_lost.err
    key.unlink()
    assert "does not exist, but the database" in run_cercle("run", env=env, cwd=tmp_path).err
    refused = run_cercle("secret", "rotate", env=env, cwd=tmp_path)
    assert refused.code == 2 and "--secret-lost" in refused.err and "open anonymous polls: 1" in refused.err
    rotated = run_cercle("secret", "rotate", "--secret-lost", env=env, cwd=tmp_path)
    assert rotated.code == 0, rotated.text
    assert "Still open under the lost secret: anonymous polls: 1, campaigns or surveys: 0" in rotated.out
    assert "it matches this database" in run_cercle("check", env=env, cwd=tmp_path).out


def test_rotate_without_a_database_creates_nothing(tmp_path, env, data):
    """secret rotate where no database is (the wrong user or DATA_DIR): exit 3, no database, no key."""
    result = run_cercle("secret", "rotate", env=env, cwd=tmp_path)
    assert result.code == 3 and "No database at" in result.err and "nothing to rotate" in result.err
    assert not (data / "cercle.sqlite3").exists() and not (data / "anonymity.key").exists()


def test_an_interrupted_rotation_is_finished_and_announced(tmp_path, env, data):
    """A rotation killed after recording the new verifier: the next check finishes it and says to back up the new key."""
    run_cercle("check", env=env, cwd=tmp_path)
    key = data / "anonymity.key"
    new_secret = "a-new-secret-written-by-an-interrupted-rotation"
    import hashlib
    import hmac

    (data / "anonymity.key.new").write_text(new_secret + "\n")
    verifier = hmac.new(new_secret.encode(), b"cercle anonymity secret verifier v1", hashlib.sha256).hexdigest()
    with sqlite3.connect(data / "cercle.sqlite3") as conn:
        conn.execute("UPDATE instance_meta SET value = ? WHERE key = 'secret_verifier'", (verifier,))
    result = run_cercle("check", env=env, cwd=tmp_path)
    assert "Anonymity secret: ROTATED" in result.out and "Back it up now" in result.out
    assert key.read_text().strip() == new_secret and not (data / "anonymity.key.new").exists()
    assert "it matches this database" in run_cercle("check", env=env, cwd=tmp_path).out
