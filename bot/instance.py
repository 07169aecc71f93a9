"""The files one Cercle instance lives on: its database and its anonymity secret.

:func:`open_instance` is what every command that touches the database goes through
(``cercle run``, ``check``, ``migrate``, ``secret rotate``): it opens the SQLite file with
messages a person can act on, migrates it, and pairs it with its anonymity secret.

The secret rules (docs/anonymity.md, "The secret"):

- it comes from ``ANONYMITY_SECRET`` or the key file ``ANONYMITY_SECRET_FILE``, and has at
  least :data:`~bot.settings.MIN_SECRET_BYTES` bytes;
- a new key file is generated only for a database that holds nothing keyed by a secret yet;
- the database keeps a *verifier* — ``HMAC-SHA256(secret, VERIFIER_LABEL)``, never the
  secret — and an instance whose secret no longer matches refuses to start: with another
  secret every member could vote and answer a second time;
- :func:`rotate_secret` replaces the key file's secret only while nothing open depends on
  the old one.

Errors are :class:`InstanceError` with a one-sentence message and the CLI exit code
(:data:`EXIT_CONFIG` or :data:`EXIT_DATABASE`).
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import os
import secrets
import sqlite3
import stat
from dataclasses import dataclass, field
from pathlib import Path

from bot.db import Database, SqliteDatabase
from bot.migrate import ForeignDatabase, MigrationError, discover, is_foreign, migrate, probe
from bot.settings import MIN_SECRET_BYTES, Settings

EXIT_CONFIG = 2
EXIT_DATABASE = 3
VERIFIER_LABEL = b"cercle anonymity secret verifier v1"
LEGACY_DATABASE = Path("data") / "cercle.sqlite3"
"""Where Cercle before DATA_DIR put its database, relative to the working directory."""

KEYED_TABLES = ("poll_votes", "feedback_dedupe", "feedback_invites", "fanout_outbox", "prompt_participants")
"""Tables whose rows are keyed or sealed with the secret: a database with none is new."""


class InstanceError(Exception):
    """A start-up problem with the database or the secret: ``message`` says what to do,
    ``exit_code`` is the CLI's (2 configuration, 3 database)."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


@dataclass
class Instance:
    """An open, migrated database with its verified ``secret`` (bytes).

    ``secret_created`` is true when this call generated the key file,
    ``rotation_finished`` when it finished a ``secret rotate`` interrupted earlier (the
    key file now holds the new secret); ``applied`` lists the migrations it applied.
    Close with :meth:`close`.
    """

    db: Database
    secret: bytes
    secret_source: str
    secret_created: bool = False
    rotation_finished: bool = False
    applied: list[int] = field(default_factory=list)

    async def close(self) -> None:
        """Close the database connection."""
        await self.db.close()


def secret_verifier(secret: bytes) -> str:
    """Hex ``HMAC-SHA256(secret, VERIFIER_LABEL)``: proves a secret is the database's own
    without storing it (a distinct label, so it is no dedupe key of anyone)."""
    return hmac.new(secret, VERIFIER_LABEL, hashlib.sha256).hexdigest()


def check_legacy_layout(settings: Settings, cwd: Path | None = None) -> None:
    """Refuse to create a new database while the previous default's one sits in ``cwd``.

    Before ``DATA_DIR``, the database defaulted to ``data/cercle.sqlite3`` beside where
    ``cercle`` ran; starting fresh elsewhere would silently split the club in two.
    Raises :class:`InstanceError` (exit 2).
    """
    old = (cwd or Path.cwd()) / LEGACY_DATABASE
    try:
        if settings.database_path.exists() or not old.is_file() or old.resolve() == settings.database_path.resolve():
            return
    except PermissionError:  # a folder this user may not look into holds no database of theirs
        return
    raise InstanceError(
        f"Found a database of an older Cercle at {old.resolve()} while DATABASE_PATH is {settings.database_path}, "
        "which does not exist yet. To keep the club's data, set DATABASE_PATH to that file and "
        f"ANONYMITY_SECRET_FILE to its key file (by default {(old.parent.parent / 'secrets' / 'anonymity.key').resolve()}); "
        "to start a new club instead, move the old data folder away.",
        EXIT_CONFIG,
    )


def _first_file_on_path(path: Path) -> Path | None:
    """The first existing ancestor of ``path`` that is not a folder, if any."""
    for parent in reversed(path.parents):
        if parent.exists() and not parent.is_dir():
            return parent
    return None


def prepare_database_folder(path: Path) -> None:
    """Create the folder of the database ``path`` and check it is writable, or raise
    :class:`InstanceError` (exit 3) saying why not: a file on the way, no permission,
    a read-only folder or file."""
    blocker = _first_file_on_path(path)
    if blocker is not None:
        raise InstanceError(
            f"DATABASE_PATH {path} cannot be used: {blocker} is a file, not a folder. "
            "Set DATABASE_PATH (or DATA_DIR) to a path inside a folder.",
            EXIT_DATABASE,
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InstanceError(
            f"Cannot create the database folder {path.parent} ({exc.strerror or exc}). Create it with write "
            "access for the user running Cercle, or set DATA_DIR or DATABASE_PATH to a folder it can write.",
            EXIT_DATABASE,
        ) from None
    if not os.access(path.parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.R_OK | os.W_OK)):
        target = path if path.exists() and not os.access(path, os.R_OK | os.W_OK) else path.parent
        raise InstanceError(
            f"Cercle cannot write to {target} (read-only). SQLite needs to write the database and, beside it, "
            f"its -wal and -shm files: give the user running Cercle write access to {path.parent}, "
            "or set DATABASE_PATH to a writable place.",
            EXIT_DATABASE,
        )


def _database_error(path: Path, exc: sqlite3.Error) -> InstanceError:
    text = str(exc)
    if isinstance(exc, sqlite3.DatabaseError) and "not a database" in text:
        return InstanceError(
            f"DATABASE_PATH {path} is not an SQLite database (file is not a database). Point DATABASE_PATH at "
            "Cercle's database, or at a new file name to start a new one.",
            EXIT_DATABASE,
        )
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return InstanceError(
            f"Cercle cannot open {path} for writing ({text}). Give the user running Cercle write access to the "
            "file and its folder (SQLite writes -wal and -shm files beside it).",
            EXIT_DATABASE,
        )
    return InstanceError(f"The database {path} cannot be used: {text}.", EXIT_DATABASE)


def _migration_error(path: Path, exc: MigrationError) -> InstanceError:
    if isinstance(exc, ForeignDatabase):
        return InstanceError(
            f"DATABASE_PATH {path} is not Cercle's database: {exc}. Nothing was changed. Point DATABASE_PATH at "
            "Cercle's database, or at a new file name to start a new one.",
            EXIT_DATABASE,
        )
    return InstanceError(f"The database {path} could not be migrated: {exc}.", EXIT_DATABASE)


async def open_database(settings: Settings) -> Database:
    """Open ``settings.database_path`` with Cercle's pragmas; raises :class:`InstanceError`
    (exit 3) naming the file and the fix, never a bare ``sqlite3`` or ``OSError``."""
    path = settings.database_path
    prepare_database_folder(path)
    try:
        # Read it once synchronously and read-only first: another application's database
        # is refused before Cercle's pragmas (WAL) change a byte of it, and when aiosqlite's
        # own open fails its worker thread outlives the event loop (a traceback at exit).
        found = probe(path)
        if found is not None and found[0] <= len(discover()) and is_foreign(*found):
            raise _migration_error(path, ForeignDatabase(found[1]))
        sqlite3.connect(path).close()
        return await SqliteDatabase(path).connect()
    except sqlite3.Error as exc:
        raise _database_error(path, exc) from None
    except OSError as exc:
        raise InstanceError(f"Cannot open the database {path}: {exc.strerror or exc}.", EXIT_DATABASE) from None


async def _holds_keyed_data(db: Database) -> bool:
    for table in KEYED_TABLES:
        if await db.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table})", default=0):
            return True
    return False


async def stored_verifier(db: Database) -> str | None:
    """The verifier kept in the database, or ``None`` if it has none yet."""
    value = await db.fetchval("SELECT value FROM instance_meta WHERE key = 'secret_verifier'", default=None)
    return None if value is None else str(value)


async def _store_verifier(db: Database, verifier: str) -> None:
    await db.execute(
        "INSERT INTO instance_meta (key, value) VALUES ('secret_verifier', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (verifier,),
    )


def read_key_file(path: Path) -> bytes | None:
    """The secret in the key file ``path``, or ``None`` if the file does not exist.

    Raises :class:`InstanceError` (exit 2) if it cannot be read or holds fewer than
    :data:`~bot.settings.MIN_SECRET_BYTES` bytes.
    """
    try:
        text = path.read_text(encoding="utf-8").removeprefix("\ufeff").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise InstanceError(
            f"The anonymity key file {path} (ANONYMITY_SECRET_FILE) cannot be read ({reason}). "
            "Give the user running Cercle read access to it.",
            EXIT_CONFIG,
        ) from None
    if len(text.encode()) < MIN_SECRET_BYTES:
        raise InstanceError(
            f"The anonymity key file {path} (ANONYMITY_SECRET_FILE) holds fewer than {MIN_SECRET_BYTES} bytes. "
            "Restore the original file; never shorten or hand-edit it.",
            EXIT_CONFIG,
        )
    return text.encode()


def _pending_rotation(path: Path) -> Path:
    """Where :func:`rotate_secret` writes the new key before it replaces the old one."""
    return path.with_name(path.name + ".new")


def write_key_file(path: Path) -> bytes:
    """Write a new random secret (``secrets.token_urlsafe(32)``: 43 characters, 256 bits)
    to ``path``, which must not exist, with mode 0600, and return it.

    Raises :class:`InstanceError` (exit 2) when the file or its folder cannot be written.
    """
    value = secrets.token_urlsafe(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(value + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        reason = "a file is in the way" if exc.errno in (errno.ENOTDIR, errno.EEXIST) else (exc.strerror or str(exc))
        raise InstanceError(
            f"Cannot create the anonymity key file {path} (ANONYMITY_SECRET_FILE): {reason}. Give the user "
            "running Cercle write access to its folder, or set ANONYMITY_SECRET_FILE (or DATA_DIR) to a "
            "writable place.",
            EXIT_CONFIG,
        ) from None
    return value.encode()


MISMATCH = (
    "The anonymity secret ({source}) is not the one this database was created with. Cercle will not "
    "start: with another secret every member could vote and answer a second time, and messages waiting to "
    "be sent could not be read. Restore the original secret (from where you keep it apart from the database "
    "backups). If it is lost for good, `cercle secret rotate` replaces it (README, 'Losing the secret')."
)


async def _pair_secret(db: Database, settings: Settings) -> tuple[bytes, str, bool, bool]:
    """Find, create or refuse the secret for ``db``; returns ``(secret, source, created,
    rotation finished)``."""
    if settings.anonymity_secret is not None:
        secret, source, created = settings.anonymity_secret.get_secret_value().encode(), "ANONYMITY_SECRET", False
    else:
        path = settings.anonymity_secret_file
        source = f"ANONYMITY_SECRET_FILE {path}"
        found = read_key_file(path)
        created = found is None
        if found is None:
            if await stored_verifier(db) is not None or await _holds_keyed_data(db):
                raise InstanceError(
                    f"The anonymity key file {path} (ANONYMITY_SECRET_FILE) does not exist, but the database "
                    f"{settings.database_path} already holds data protected by a secret. If you moved the file, set "
                    "ANONYMITY_SECRET_FILE to it; after restoring a backup, restore the key file too. If it is lost "
                    "for good, `cercle secret rotate` replaces it (README, 'Losing the secret').",
                    EXIT_CONFIG,
                )
            found = write_key_file(path)
        secret = found
    verifier = await stored_verifier(db)
    if verifier is None:
        await _store_verifier(db, secret_verifier(secret))
    elif not hmac.compare_digest(verifier, secret_verifier(secret)):
        pending = _pending_rotation(settings.anonymity_secret_file)
        rotated = read_key_file(pending) if settings.anonymity_secret is None else None
        if rotated is None or not hmac.compare_digest(verifier, secret_verifier(rotated)):
            raise InstanceError(MISMATCH.format(source=source), EXIT_CONFIG)
        # A rotation stopped between recording the new verifier and replacing the file.
        os.replace(pending, settings.anonymity_secret_file)
        return rotated, source, False, True
    return secret, source, created, False


async def open_instance(settings: Settings, *, pair_secret: bool = True) -> Instance:
    """Open and migrate the database, then pair it with its secret (unless ``pair_secret``
    is false, for ``cercle migrate`` and ``backup``, which need none).

    Raises :class:`InstanceError` with the message and exit code for the CLI.
    """
    check_legacy_layout(settings)
    db = await open_database(settings)
    try:
        try:
            applied = await migrate(db)
        except MigrationError as exc:
            raise _migration_error(settings.database_path, exc) from None
        except sqlite3.Error as exc:
            raise _database_error(settings.database_path, exc) from None
        if not pair_secret:
            return Instance(db, b"", "", applied=applied)
        secret, source, created, finished = await _pair_secret(db, settings)
        return Instance(db, secret, source, secret_created=created, rotation_finished=finished, applied=applied)
    except BaseException:
        await db.close()
        raise


@dataclass(frozen=True)
class OpenCollections:
    """What still depends on the current secret: open anonymous ``polls``, open
    ``campaigns`` (post-meeting surveys included) and ``pending_dms`` in the outbox."""

    polls: int
    campaigns: int
    pending_dms: int

    @property
    def any(self) -> bool:
        """True when rotating the secret now would break something."""
        return bool(self.polls or self.campaigns or self.pending_dms)


async def open_collections(db: Database) -> OpenCollections:
    """Count what depends on the current secret (see :class:`OpenCollections`)."""
    polls = await db.fetchval("SELECT count(*) FROM polls WHERE anonymous = 1 AND status = 'open'", default=0)
    campaigns = await db.fetchval("SELECT count(*) FROM feedback_campaigns WHERE status = 'open'", default=0)
    pending = await db.fetchval("SELECT count(*) FROM fanout_outbox", default=0)
    return OpenCollections(int(polls), int(campaigns), int(pending))


async def _secret_is_lost(db: Database, settings: Settings) -> bool:
    """True when the key file is missing, or holds a secret the database's verifier refuses."""
    try:
        current = read_key_file(settings.anonymity_secret_file)
    except InstanceError:
        return True
    if current is None:
        return True
    verifier = await stored_verifier(db)
    return verifier is not None and not hmac.compare_digest(verifier, secret_verifier(current))


def _rotation_refusal(still_open: OpenCollections, lost: bool) -> InstanceError:
    counts = (
        f"open anonymous polls: {still_open.polls}, open campaigns or surveys: {still_open.campaigns}, "
        f"direct messages waiting to be sent: {still_open.pending_dms}"
    )
    if lost:
        return InstanceError(
            f"The secret cannot be replaced now ({counts}), and the current one is lost, so Cercle cannot run to "
            "close them. If no copy of the key file exists anywhere, run `cercle secret rotate --secret-lost`: "
            "members who already answered these open polls and campaigns could answer once more, and the "
            "waiting DMs will be counted as unreadable, never sent.",
            EXIT_CONFIG,
        )
    return InstanceError(
        f"The secret cannot be replaced now ({counts}). Let them close or close them with Cercle running (DMs are "
        "sent by `cercle run`), then stop it and rotate again.",
        EXIT_CONFIG,
    )


async def rotate_secret(settings: Settings, *, secret_lost: bool = False) -> tuple[Path, OpenCollections]:
    """Replace the key file's secret and the database's verifier; returns the key file's
    path and what was still open at the rotation.

    Refused (:class:`InstanceError`, exit 2) while ``ANONYMITY_SECRET`` is set (Cercle
    cannot rewrite the environment) or while :func:`open_collections` finds anything open:
    their one-answer-per-member keys would stop recognising members who already answered.
    ``secret_lost`` accepts that loss, and is itself refused while the key file still
    matches the database (the secret is not lost: wait for the closes instead) — the only
    way out for an operator whose secret is gone while collections are open, since
    closing them needs a running Cercle, which the lost secret prevents.
    The caller holds the instance lock, so no ``cercle run`` uses the old secret meanwhile.
    """
    if settings.anonymity_secret is not None:
        raise InstanceError(
            "ANONYMITY_SECRET is set, so Cercle cannot replace the secret itself. Remove ANONYMITY_SECRET to let "
            "Cercle keep it in ANONYMITY_SECRET_FILE, then run `cercle secret rotate` again.",
            EXIT_CONFIG,
        )
    check_legacy_layout(settings)
    if not settings.database_path.exists():
        raise InstanceError(
            f"No database at {settings.database_path} (DATABASE_PATH): nothing to rotate. Run this as the user, "
            "and with the DATA_DIR and DATABASE_PATH, that `cercle run` uses.",
            EXIT_DATABASE,
        )
    db = await open_database(settings)
    try:
        try:
            await migrate(db)
        except MigrationError as exc:
            raise _migration_error(settings.database_path, exc) from None
        lost = await _secret_is_lost(db, settings)
        if secret_lost and not lost:
            raise InstanceError(
                f"--secret-lost refused: the key file {settings.anonymity_secret_file} (ANONYMITY_SECRET_FILE) "
                "matches this database, so the secret is not lost. Run `cercle secret rotate` without "
                "--secret-lost once no anonymous poll or campaign is open.",
                EXIT_CONFIG,
            )
        still_open = await open_collections(db)
        if still_open.any and not secret_lost:
            raise _rotation_refusal(still_open, lost)
        path = settings.anonymity_secret_file
        pending = _pending_rotation(path)
        pending.unlink(missing_ok=True)
        secret = write_key_file(pending)
        # Verifier first, then the file: a stop in between is finished by the next start.
        await _store_verifier(db, secret_verifier(secret))
        os.replace(pending, path)
        return path, still_open
    finally:
        await db.close()
