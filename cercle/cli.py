"""``cercle``: the command line.

- ``cercle run``: connect to Discord and serve the club(s) until SIGTERM/SIGINT (exit 0).
- ``cercle check``: validate settings, the data directory, the database and its secret, the
  token (offline by its shape, then by logging in), print the invite URL with the real
  application id, the permission integer, scopes and intents.
- ``cercle migrate``: apply pending migrations.
- ``cercle backup PATH``: a consistent copy with ``VACUUM INTO`` (safe while the bot runs).
- ``cercle sync-commands [--guild ID]``: publish the slash commands (explicit: Discord
  caps command creates at 200 per day per guild).
- ``cercle secret rotate``: replace the anonymity secret while nothing open depends on it.
- ``cercle --version``.

Every failure prints one sentence naming the file, variable or service and what to do,
and exits with a documented code (README, "Command line"): 2 configuration, 3 database,
4 Discord unreachable — never a traceback, never a secret.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sqlite3
import sys
from importlib import metadata
from pathlib import Path

from bot.instance import EXIT_CONFIG, EXIT_DATABASE, InstanceError
from bot.settings import Settings, SettingsError, load_settings
from cercle import check
from cercle.check import DISCORD_TIMEOUT, token_problem
from cercle.failures import NETWORK_ERRORS, GatewayUnreachable, OneLineNetworkErrors, explain

SETUP_GUIDE = """\
DISCORD_TOKEN is not set: Cercle needs a bot token to connect.

1. Open https://discord.com/developers/applications → New Application (name it, e.g. "Cercle").
2. Bot tab → Reset Token → copy it. Under "Privileged Gateway Intents" enable
   SERVER MEMBERS INTENT (needed to DM a campaign's or meeting's audience).
   Message Content and Presence intents are NOT needed. Turn Public Bot off, so that
   only you can add this Cercle to a server.
3. Put the token in a file named .env in the folder you run cercle from:
       DISCORD_TOKEN=your-token-here
   (see .env.example for every setting).
4. Run `cercle check` (`.venv/bin/cercle check` after the README's install command) to
   get the invite URL with the exact permissions, invite the bot, then
   `cercle sync-commands` once, then `cercle run`.
"""

def _settings_or_exit() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        print(f"Configuration error:\n{exc}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None
    except RuntimeError:  # Path.home() without HOME: no default for DATA_DIR
        print("Configuration error:\nDATA_DIR: set it to an absolute folder (no home directory to default to)",
              file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None


def _fail(error: InstanceError) -> int:
    print(error.message, file=sys.stderr)
    return error.exit_code


def cercle_version() -> str:
    """The installed distribution's version (``pyproject.toml``)."""
    try:
        return metadata.version("cercle")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


OWN_LOGGERS = ("bot", "cogs", "cercle")


def configure_logging(settings: Settings) -> None:
    """Cercle's own loggers at ``LOG_LEVEL``; every other library never below INFO.

    At DEBUG, ``discord`` prints whole gateway payloads (DM text, tokens) and ``aiosqlite``
    prints every SQL statement with its parameters — anonymous answers next to their dedupe
    keys (docs/anonymity.md) — so neither may follow ``LOG_LEVEL=DEBUG``.
    """
    level = getattr(logging, settings.log_level)
    logging.basicConfig(
        level=max(level, logging.INFO), format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(level)
    for name in ("discord", "aiosqlite", "asyncio"):
        logging.getLogger(name).setLevel(max(level, logging.INFO))
    for name in ("discord.client", "discord.gateway", "discord.http"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, OneLineNetworkErrors) for f in logger.filters):
            logger.addFilter(OneLineNetworkErrors())
    logging.getLogger("apscheduler").setLevel(max(level, logging.WARNING))


def _token_or_exit(settings: Settings) -> str:
    """The token, or exit 2 with the set-up guide (no token) or the shape problem."""
    token = settings.discord_token.get_secret_value() if settings.discord_token else ""
    if not token:
        print(SETUP_GUIDE, file=sys.stderr)
        raise SystemExit(EXIT_CONFIG)
    problem = token_problem(token)
    if problem:
        print(problem, file=sys.stderr)
        raise SystemExit(EXIT_CONFIG)
    return token


def cmd_check(args: argparse.Namespace) -> int:
    """``cercle check`` (:func:`cercle.check.report`)."""
    settings = _settings_or_exit()
    print(f"Cercle {cercle_version()}")
    return check.report(settings)


def cmd_migrate(args: argparse.Namespace) -> int:
    """Apply pending migrations (no secret needed)."""
    from bot.instance import open_instance

    settings = _settings_or_exit()
    new = not settings.database_path.exists()
    try:
        instance = asyncio.run(open_instance(settings, pair_secret=False))
    except InstanceError as exc:
        return _fail(exc)
    asyncio.run(instance.close())
    applied = ", ".join(f"{n:04d}" for n in instance.applied)
    if new:
        print(f"Created a NEW, empty database at {settings.database_path} (migrations {applied}). If the club's "
              "database is elsewhere, check DATA_DIR and DATABASE_PATH, and the user this runs as.")
    else:
        print(f"Applied migrations {applied} to {settings.database_path}." if applied
              else f"The database {settings.database_path} is up to date.")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Write a consistent copy of the database to ``args.path``."""
    from bot.instance import open_database

    settings = _settings_or_exit()
    if not Path(settings.database_path).exists():
        print(f"No database at {settings.database_path} (DATABASE_PATH): nothing to back up.", file=sys.stderr)
        return EXIT_DATABASE

    async def run() -> Path:
        db = await open_database(settings)
        try:
            return await db.backup_to(args.path)
        finally:
            await db.close()

    try:
        target = asyncio.run(run())
    except InstanceError as exc:
        return _fail(exc)
    except FileExistsError:
        print(f"{args.path} already exists: choose a new file name", file=sys.stderr)
        return EXIT_DATABASE
    except (sqlite3.Error, OSError) as exc:
        print(f"Backup to {args.path} failed: {exc}", file=sys.stderr)
        return EXIT_DATABASE
    print(f"Backup written to {target} (the anonymity secret is not in it: keep that apart)")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    """Publish the slash commands globally, or to one guild (instant, for testing).

    Touches no file: the commands are built on an in-memory database.
    """
    import discord

    from cercle.app import create_bot

    settings = _settings_or_exit()
    token = _token_or_exit(settings)
    configure_logging(settings)
    guild_id = args.guild or settings.dev_guild_id

    async def run() -> int:
        bot = create_bot(settings, start_scheduler=False, in_memory=True)
        try:
            await asyncio.wait_for(bot.login(token), DISCORD_TIMEOUT)
            guild = discord.Object(guild_id) if guild_id else None
            if guild is not None:
                bot.tree.copy_global_to(guild=guild)
            synced = await asyncio.wait_for(bot.tree.sync(guild=guild), DISCORD_TIMEOUT)
        finally:
            await bot.close()
        where = f"guild {guild_id}" if guild_id else "every server (global; may take up to an hour to show)"
        print(f"Synced {len(synced)} commands to {where}: " + ", ".join(f"/{c.name}" for c in synced))
        return 0

    try:
        return asyncio.run(run())
    except Exception as exc:
        explained = explain(settings, exc, guild_id=guild_id)
        if explained is None:
            raise
        print(explained[1], file=sys.stderr)
        return explained[0]


def hold_instance_lock(database_path: Path) -> object | None:
    """Take an exclusive lock on ``<database>.lock`` for this process's lifetime.

    Returns the open lock file (keep a reference), or ``None`` if another process holds it.
    Two processes on one database would each answer every click (a toggle applied twice is
    undone); the idempotency claims keep scheduled posts single, but interactions need one
    process (design decision). POSIX ``flock``: released by the OS when the process ends.
    Raises ``OSError`` when the lock file cannot be created (call
    :func:`bot.instance.prepare_database_folder` first for a readable message).
    """
    import fcntl

    path = Path(f"{database_path}.lock")
    handle = open(path, "a+")  # noqa: SIM115 - held open until the process ends
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def _lock_or_exit(settings: Settings, doing: str) -> object:
    """Validate the database folder, then take the instance lock, or exit 3."""
    from bot.instance import check_legacy_layout, prepare_database_folder

    try:
        check_legacy_layout(settings)
        prepare_database_folder(settings.database_path)
        lock = hold_instance_lock(settings.database_path)
    except InstanceError as exc:
        raise SystemExit(_fail(exc)) from None
    except OSError as exc:
        print(f"Cannot create the lock file {settings.database_path}.lock: {exc.strerror or exc}.", file=sys.stderr)
        raise SystemExit(EXIT_DATABASE) from None
    if lock is None:
        print(
            f"Another Cercle is already running on {settings.database_path}: stop it before {doing} "
            "(two processes on one database would answer every click twice).",
            file=sys.stderr,
        )
        raise SystemExit(EXIT_DATABASE)
    return lock


async def serve(settings: Settings, token: str, secret: bytes) -> None:
    """Run Cercle's bot until SIGTERM/SIGINT closes it (``secret``: already paired with the
    database). Raises what connecting raises (:func:`cercle.failures.explain` words it),
    :class:`cercle.failures.GatewayUnreachable` for a blocked first gateway connection.

    A signal interrupts whatever the bot is doing — connecting, a reconnect back-off while
    Discord is unreachable, a fan-out, a 429 wait — and the bot closes at once (the
    scheduler's short grace, the gateway, the database): within seconds, well inside the
    systemd unit's 30 s; what was interrupted is finished at the next start."""
    from cercle.app import create_bot

    log = logging.getLogger("cercle")
    bot = create_bot(settings, secret=secret)
    loop = asyncio.get_running_loop()
    running = asyncio.ensure_future(bot.start(token))
    stopping = asyncio.Event()

    def stop() -> None:
        if not stopping.is_set():
            stopping.set()
            log.info("stopping (signal received)")
            running.cancel()  # discord.py's reconnect back-off would otherwise sleep it out

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop)
    try:
        await running
    except asyncio.CancelledError:
        if not stopping.is_set():
            raise
    except AttributeError as exc:
        # discord.py retries a failed first gateway connection through a socket it never
        # opened (cercle.failures.GatewayUnreachable): report the network error behind it.
        if bot.ws is not None or not isinstance(exc.__context__, NETWORK_ERRORS):
            raise
        raise GatewayUnreachable() from exc.__context__
    finally:
        # Always await the whole close (scheduler, gateway, then the database): a close
        # task still running when asyncio.run() ends would be cancelled and leave the
        # database's worker thread alive.
        await bot.close()


def cmd_run(args: argparse.Namespace) -> int:
    """Serve until SIGTERM/SIGINT; exit 0 on a clean stop."""

    from bot.instance import open_instance

    settings = _settings_or_exit()
    token = _token_or_exit(settings)
    lock = _lock_or_exit(settings, "starting another")
    configure_logging(settings)
    log = logging.getLogger("cercle")
    try:
        instance = asyncio.run(open_instance(settings))
    except InstanceError as exc:
        return _fail(exc)
    asyncio.run(instance.close())
    if instance.secret_created or instance.rotation_finished:
        check.print_secret_notice(instance, sys.stderr)
    log.info("data directory %s, database %s", settings.data_dir, settings.database_path)

    try:
        asyncio.run(serve(settings, token, instance.secret))
    except InstanceError as exc:
        return _fail(exc)
    except Exception as exc:
        explained = explain(settings, exc)
        if explained is None:
            raise
        code, sentence = explained
        print(sentence, file=sys.stderr)
        return code
    finally:
        del lock
    return 0


def cmd_secret_rotate(args: argparse.Namespace) -> int:
    """Replace the anonymity secret (refused while anything open depends on it, unless
    ``--secret-lost`` says the old one is gone for good)."""
    from bot.instance import rotate_secret

    settings = _settings_or_exit()
    lock = _lock_or_exit(settings, "rotating the secret")
    try:
        path, still_open = asyncio.run(rotate_secret(settings, secret_lost=args.secret_lost))
    except InstanceError as exc:
        return _fail(exc)
    finally:
        del lock
    print(
        f"New anonymity secret written to {path} (mode 0600) and recorded for {settings.database_path}. "
        "Back it up now, apart from the database backups; copies of the old key no longer match this database."
    )
    if still_open.any:
        print(
            f"Still open under the lost secret: anonymous polls: {still_open.polls}, campaigns or surveys: "
            f"{still_open.campaigns} (members who already answered could answer once more); waiting DMs: "
            f"{still_open.pending_dms} (they will be counted as unreadable)."
        )
    return 0


def guild_id(text: str) -> int:
    """``--guild``: a server id, a positive snowflake (argparse exits 2 with the reason)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a server id (a number; see README, 'First run')") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not a server id: server ids are positive numbers")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The ``cercle`` argument parser."""
    parser = argparse.ArgumentParser(prog="cercle", description="Cercle: the Discord bot of a software user club.")
    parser.add_argument("--version", action="version", version=f"cercle {cercle_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, text: str, where: argparse._SubParsersAction = sub) -> argparse.ArgumentParser:
        return where.add_parser(name, help=text, description=text)

    command("run", "connect to Discord and serve the club(s) until SIGTERM/SIGINT").set_defaults(func=cmd_run)
    command("check", "validate settings, database, secret and token; print the invite URL and intents").set_defaults(
        func=cmd_check
    )
    command("migrate", "apply pending database migrations").set_defaults(func=cmd_migrate)
    backup = command("backup", "write a consistent copy of the database (VACUUM INTO), safe while the bot runs")
    backup.add_argument("path", type=Path, help="new file to write (must not exist)")
    backup.set_defaults(func=cmd_backup)
    sync = command("sync-commands", "publish the slash commands (Discord allows 200 creates a day per server)")
    sync.add_argument("--guild", type=guild_id, default=None, help="sync to this guild only (instant), e.g. a test server")
    sync.set_defaults(func=cmd_sync)
    secret = command("secret", "manage the anonymity secret")
    secret_sub = secret.add_subparsers(dest="action", required=True)
    rotate = command(
        "rotate", "replace the anonymity secret (bot stopped, no anonymous poll or campaign open)", secret_sub
    )
    rotate.add_argument(
        "--secret-lost", action="store_true",
        help="the old secret is gone for good: rotate even with open polls or campaigns (they lose one-answer-per-member)",
    )
    rotate.set_defaults(func=cmd_secret_rotate)
    return parser


PRIVATE_UMASK = 0o077
"""Files Cercle creates (data directory, database, -wal, backups, key file) are its user's
alone: they hold public votes, attendee lists and feedback texts (design decision)."""


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``cercle`` console script."""
    os.umask(PRIVATE_UMASK)
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
