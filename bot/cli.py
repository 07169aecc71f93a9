"""``cercle``: the command line.

- ``cercle run``: connect to Discord and serve the club(s) until SIGTERM/SIGINT (exit 0).
- ``cercle check``: validate settings, open and migrate the database, print the invite URL
  with the permission integer and scopes, and the intents with their reasons.
- ``cercle migrate``: apply pending migrations.
- ``cercle backup PATH``: a consistent copy with ``VACUUM INTO`` (safe while the bot runs).
- ``cercle sync-commands [--guild ID]``: publish the slash commands (explicit: Discord
  caps command creates at 200 per day per guild).

Configuration mistakes print a short message naming the variable and exit 2 — never a
traceback, never a secret.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import logging
import signal
import sqlite3
import sys
from pathlib import Path

from bot.settings import Settings, SettingsError, load_settings

EXIT_CONFIG = 2
EXIT_DATABASE = 3
EXIT_DISCORD = 4

SETUP_GUIDE = """\
DISCORD_TOKEN is not set: Cercle needs a bot token to connect.

1. Open https://discord.com/developers/applications → New Application (name it, e.g. "Cercle").
2. Bot tab → Reset Token → copy it. Under "Privileged Gateway Intents" enable
   SERVER MEMBERS INTENT (needed to DM a campaign's or meeting's audience).
   Message Content and Presence intents are NOT needed.
3. Put the token in a file named .env next to where you run cercle:
       DISCORD_TOKEN=your-token-here
   (see .env.example for every setting).
4. Run `cercle check` to get the invite URL with the exact permissions, invite the bot,
   then `cercle sync-commands` once, then `cercle run`.
"""

INTENT_REASONS = [
    ("guilds", "channels, threads and roles: permission checks, thread archiving"),
    ("members (privileged: enable SERVER MEMBERS INTENT)", "who holds an audience role, for DM invitations and reminders"),
    ("guild_messages", "count replies in prompt threads (no message content read)"),
    ("dm_messages", "a member writing to the bot by DM is offered the anonymous form"),
    ("guild_scheduled_events", "keep the meetings' mirrored scheduled events in step"),
]


def _settings_or_exit() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        print(f"Configuration error:\n{exc}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None


OWN_LOGGERS = ("bot", "cogs", "cercle")


def configure_logging(settings: Settings) -> None:
    """Cercle's own loggers at ``LOG_LEVEL``; every other library never below INFO.

    At DEBUG, ``discord`` prints whole gateway payloads (DM text, tokens) and ``aiosqlite``
    prints every SQL statement with its parameters — anonymous answers next to their dedupe
    keys (DESIGN.md §3) — so neither may follow ``LOG_LEVEL=DEBUG``.
    """
    level = getattr(logging, settings.log_level)
    logging.basicConfig(
        level=max(level, logging.INFO), format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(level)
    for name in ("discord", "aiosqlite", "asyncio"):
        logging.getLogger(name).setLevel(max(level, logging.INFO))
    logging.getLogger("apscheduler").setLevel(max(level, logging.WARNING))


def application_id_from_token(token: str) -> int | None:
    """The bot's user id (= application id) encoded in the token's first segment, if readable."""
    head = token.split(".")[0]
    try:
        return int(base64.b64decode(head + "=" * (-len(head) % 4)).decode())
    except (ValueError, UnicodeDecodeError):
        return None


def invite_url(application_id: int | str) -> str:
    """The OAuth2 URL that adds Cercle with its exact permissions and scopes."""
    from bot.app import BOT_PERMISSIONS, OAUTH_SCOPES

    scopes = "+".join(OAUTH_SCOPES)
    return (
        f"https://discord.com/oauth2/authorize?client_id={application_id}"
        f"&scope={scopes}&permissions={BOT_PERMISSIONS.value}"
    )


async def _open_db(settings: Settings):
    from bot.db import Database
    from bot.migrate import migrate

    db = await Database(settings.database_path).connect()
    try:
        applied = await migrate(db)
    except Exception:
        await db.close()
        raise
    return db, applied


def cmd_check(args: argparse.Namespace) -> int:
    """Validate everything a start needs and print the invite URL and intents."""
    from bot.app import BOT_PERMISSIONS
    from bot.migrate import MigrationError

    settings = _settings_or_exit()
    ok = True
    print(f"Settings: OK (database {settings.database_path}, time zone {settings.default_timezone}, "
          f"language {settings.default_locale}, log level {settings.log_level})")
    try:
        db, applied = asyncio.run(_open_db(settings))
        asyncio.run(db.close())
        print(f"Database: OK (migrations applied now: {applied or 'none'})")
    except (MigrationError, sqlite3.Error, OSError) as exc:
        print(f"Database: FAILED: {exc}", file=sys.stderr)
        return EXIT_DATABASE
    try:
        settings.resolve_anonymity_secret()
        where = "ANONYMITY_SECRET" if settings.anonymity_secret else f"file {settings.anonymity_secret_file}"
        print(f"Anonymity secret: OK (from {where}; it is never stored in the database — back it up separately)")
    except OSError as exc:
        print(f"Anonymity secret: FAILED: {exc}", file=sys.stderr)
        ok = False
    token = settings.discord_token.get_secret_value() if settings.discord_token else ""
    app_id = application_id_from_token(token) if token else None
    if not token:
        print("DISCORD_TOKEN: missing (cercle run needs it; see README → Create the Discord application)")
        ok = False
    print(f"Invite URL: {invite_url(app_id or '<APPLICATION_ID>')}")
    print(f"Permissions integer: {BOT_PERMISSIONS.value}")
    names = sorted(name for name, value in BOT_PERMISSIONS if value)
    print("Permissions: " + ", ".join(names))
    print("Scopes: bot, applications.commands")
    print("Gateway intents:")
    for name, why in INTENT_REASONS:
        print(f"  - {name}: {why}")
    return 0 if ok else 1


def cmd_migrate(args: argparse.Namespace) -> int:
    """Apply pending migrations."""
    from bot.migrate import MigrationError

    settings = _settings_or_exit()
    try:
        db, applied = asyncio.run(_open_db(settings))
    except (MigrationError, sqlite3.Error, OSError) as exc:
        print(f"Migration failed: {exc}", file=sys.stderr)
        return EXIT_DATABASE
    asyncio.run(db.close())
    print(f"Applied migrations: {applied}" if applied else "The database is up to date.")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Write a consistent copy of the database to ``args.path``."""
    from bot.db import Database

    settings = _settings_or_exit()
    if not Path(settings.database_path).exists():
        print(f"No database at {settings.database_path}", file=sys.stderr)
        return EXIT_DATABASE

    async def run() -> Path:
        db = await Database(settings.database_path).connect()
        try:
            return await db.backup_to(args.path)
        finally:
            await db.close()

    try:
        target = asyncio.run(run())
    except FileExistsError:
        print(f"{args.path} already exists: choose a new file name", file=sys.stderr)
        return EXIT_DATABASE
    except sqlite3.Error as exc:
        print(f"Backup failed: {exc}", file=sys.stderr)
        return EXIT_DATABASE
    print(f"Backup written to {target} (the anonymity secret is not in it: keep that apart)")
    return 0


def _require_token(settings: Settings) -> str:
    token = settings.discord_token.get_secret_value() if settings.discord_token else ""
    if not token:
        print(SETUP_GUIDE, file=sys.stderr)
        raise SystemExit(EXIT_CONFIG)
    return token


def cmd_sync(args: argparse.Namespace) -> int:
    """Publish the slash commands globally, or to one guild (instant, for testing)."""
    import discord

    from bot.app import create_bot

    settings = _settings_or_exit()
    token = _require_token(settings)
    configure_logging(settings)
    guild_id = args.guild or settings.dev_guild_id

    async def run() -> int:
        bot = create_bot(settings, start_scheduler=False)
        try:
            await bot.login(token)
            guild = discord.Object(guild_id) if guild_id else None
            if guild is not None:
                bot.tree.copy_global_to(guild=guild)
            synced = await bot.tree.sync(guild=guild)
        finally:
            await bot.close()
        where = f"guild {guild_id}" if guild_id else "every server (global; may take up to an hour to show)"
        print(f"Synced {len(synced)} commands to {where}: " + ", ".join(f"/{c.name}" for c in synced))
        return 0

    try:
        return asyncio.run(run())
    except discord.LoginFailure:
        print("DISCORD_TOKEN was refused by Discord: reset it in the Developer Portal and update .env.", file=sys.stderr)
        return EXIT_CONFIG
    except discord.HTTPException as exc:
        print(f"Discord refused the sync (HTTP {exc.status}, code {exc.code}): {exc.text}", file=sys.stderr)
        return EXIT_DISCORD


def hold_instance_lock(database_path: Path) -> object | None:
    """Take an exclusive lock on ``<database>.lock`` for this process's lifetime.

    Returns the open lock file (keep a reference), or ``None`` if another process holds it.
    Two processes on one database would each answer every click (a toggle applied twice is
    undone); the idempotency claims keep scheduled posts single, but interactions need one
    process (design decision). POSIX ``flock``: released by the OS when the process ends.
    """
    import fcntl

    path = Path(f"{database_path}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 - held open until the process ends
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def cmd_run(args: argparse.Namespace) -> int:
    """Serve until SIGTERM/SIGINT; exit 0 on a clean stop."""
    import discord

    from bot.app import create_bot
    from bot.migrate import MigrationError

    settings = _settings_or_exit()
    token = _require_token(settings)
    lock = hold_instance_lock(settings.database_path)
    if lock is None:
        print(
            f"Another Cercle is already running on {settings.database_path}: stop it first "
            "(two processes on one database would answer every click twice).",
            file=sys.stderr,
        )
        return EXIT_DATABASE
    configure_logging(settings)
    log = logging.getLogger("cercle")

    async def run() -> None:
        bot = create_bot(settings)
        loop = asyncio.get_running_loop()
        stopping = asyncio.Event()

        def stop() -> None:
            if not stopping.is_set():
                stopping.set()
                log.info("stopping (signal received)")
                loop.create_task(bot.close())

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop)
        try:
            await bot.start(token)
        finally:
            # Always await the whole close (scheduler, gateway, then the database): a close
            # task still running when asyncio.run() ends would be cancelled and leave the
            # database's worker thread alive.
            await bot.close()

    try:
        asyncio.run(run())
    except discord.LoginFailure:
        print("DISCORD_TOKEN was refused by Discord: reset it in the Developer Portal and update .env.", file=sys.stderr)
        return EXIT_CONFIG
    except discord.PrivilegedIntentsRequired:
        print(
            "Discord refused the SERVER MEMBERS intent: enable it in the Developer Portal → Bot → "
            "Privileged Gateway Intents, then start again.",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    except MigrationError as exc:
        print(f"The database could not be migrated, Cercle will not start: {exc}", file=sys.stderr)
        return EXIT_DATABASE
    except (discord.GatewayNotFound, discord.ConnectionClosed, OSError) as exc:
        print(f"Could not stay connected to Discord: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return EXIT_DISCORD
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``cercle`` argument parser."""
    parser = argparse.ArgumentParser(prog="cercle", description="Cercle: the Discord bot of a software user club.")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=text, description=text)

    command("run", "connect to Discord and serve the club(s) until SIGTERM/SIGINT").set_defaults(func=cmd_run)
    command("check", "validate settings and database, print the invite URL, permissions and intents").set_defaults(
        func=cmd_check
    )
    command("migrate", "apply pending database migrations").set_defaults(func=cmd_migrate)
    backup = command("backup", "write a consistent copy of the database (VACUUM INTO), safe while the bot runs")
    backup.add_argument("path", type=Path, help="new file to write (must not exist)")
    backup.set_defaults(func=cmd_backup)
    sync = command("sync-commands", "publish the slash commands (Discord allows 200 creates a day per server)")
    sync.add_argument("--guild", type=int, default=None, help="sync to this guild only (instant), e.g. a test server")
    sync.set_defaults(func=cmd_sync)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``cercle`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
