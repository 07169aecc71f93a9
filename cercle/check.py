"""``cercle check``: what a start needs, verified and explained (README, "First run").

The token is checked offline by its shape, then by logging in (the real application id
goes into the invite URL; Public Bot and the Server Members intent are read from the
application). The data directory, database and anonymity secret are opened as
``cercle run`` opens them. Exit codes as the rest of the command line: 2 configuration,
3 database, 4 Discord unreachable, 1 when only the token is missing.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bot.instance import EXIT_CONFIG, Instance, InstanceError
from bot.settings import ENV_FILE, Settings
from cercle.failures import EXIT_DISCORD, explain

EXIT_PROBLEM = 1
DISCORD_TIMEOUT = 20.0
"""Seconds ``check`` and ``sync-commands`` wait for Discord before calling it unreachable."""

INTENT_REASONS = [
    ("guilds", "channels, threads and roles: permission checks, thread archiving"),
    ("members (privileged: enable SERVER MEMBERS INTENT)", "who holds an audience role, for DM invitations and reminders"),
    ("guild_messages", "count replies in prompt threads (no message content read)"),
    ("dm_messages", "a member writing to the bot by DM is offered the anonymous form"),
    ("guild_scheduled_events", "keep the meetings' mirrored scheduled events in step"),
]



def application_id_from_token(token: str) -> int | None:
    """The bot's user id (= application id) encoded in the token's first segment, if readable."""
    head = token.split(".")[0]
    try:
        value = int(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)).decode())
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return None
    return value if value > 0 else None


_TOKEN_PART = re.compile(r"^[A-Za-z0-9_-]+$")


def token_problem(token: str) -> str | None:
    """Why ``token`` cannot be a bot token, checked offline, or ``None`` if its shape is right.

    A bot token is three base64url parts joined by dots; the first encodes the application
    id (Discord's documentation, "Authorization"). The token is never echoed.
    """
    where = "copy it again from the Developer Portal → your application → Bot → Reset Token"
    if token != token.strip() or token[:1] in ("'", '"'):
        return f"DISCORD_TOKEN has spaces or quotes around it: remove them ({where})"
    if token.lower().startswith("bot "):
        return "DISCORD_TOKEN starts with 'Bot ': put only the token itself in .env"
    parts = token.split(".")
    if len(parts) != 3 or not all(_TOKEN_PART.match(part) for part in parts):
        return f"DISCORD_TOKEN does not look like a bot token (three parts separated by dots): {where}"
    if application_id_from_token(token) is None or len(parts[1]) < 6 or len(parts[2]) < 20:
        return f"DISCORD_TOKEN does not look like a bot token (its first part must encode the application id): {where}"
    return None


def invite_url(application_id: int | str) -> str:
    """The OAuth2 URL that adds Cercle with its exact permissions and scopes."""
    from cercle.app import BOT_PERMISSIONS, OAUTH_SCOPES

    scopes = "+".join(OAUTH_SCOPES)
    return (
        f"https://discord.com/oauth2/authorize?client_id={application_id}"
        f"&scope={scopes}&permissions={BOT_PERMISSIONS.value}"
    )


@dataclass
class ApplicationFacts:
    """What logging in tells ``check``: the real ``id``, ``name``, ``public`` (anyone may
    add the bot) and ``members_intent`` (Server Members intent enabled)."""

    id: int
    name: str
    public: bool
    members_intent: bool


async def fetch_application(settings: Settings, token: str) -> ApplicationFacts:
    """Log in with a bare client (no gateway, no database) and read the application.

    Raises ``discord.LoginFailure`` for a refused token, ``discord.HTTPException``, or one
    of :data:`cercle.failures.NETWORK_ERRORS`.
    """
    import discord

    from cercle.app import point_at

    point_at(settings)
    client = discord.Client(intents=discord.Intents.none())
    try:
        await asyncio.wait_for(client.login(token), DISCORD_TIMEOUT)
        info = await asyncio.wait_for(client.application_info(), DISCORD_TIMEOUT)
    finally:
        await client.close()
    flags = info.flags
    return ApplicationFacts(
        id=info.id,
        name=info.name,
        public=bool(info.bot_public),
        members_intent=bool(flags.gateway_guild_members or flags.gateway_guild_members_limited),
    )


def print_secret_notice(instance: Instance, out: IO[str]) -> None:
    """Say on ``out`` whether the anonymity secret was created, rotated or matches the database."""
    path = instance.secret_source.removeprefix("ANONYMITY_SECRET_FILE ")
    if instance.secret_created:
        print(
            f"Anonymity secret: CREATED now in {path} (mode 0600), for this new database. Back it up now, "
            "somewhere safe and apart from the database backups: without it a restored database cannot "
            "recognise who already answered, and Cercle refuses to start with another one.",
            file=out,
        )
    elif instance.rotation_finished:
        print(
            f"Anonymity secret: ROTATED: an interrupted `cercle secret rotate` was finished now, and {path} holds "
            "the new secret. Back it up now: the copy you kept of the old one no longer matches this database.",
            file=out,
        )
    else:
        print(f"Anonymity secret: OK (from {instance.secret_source}; it matches this database)", file=out)


def _check_storage(settings: Settings) -> int:
    """The data directory, database and secret part of ``check``; returns an exit code."""
    from bot.instance import open_instance

    print(f"Data directory: {settings.data_dir}")
    try:
        instance = asyncio.run(open_instance(settings))
    except InstanceError as exc:
        print(f"Database or secret: FAILED: {exc.message}", file=sys.stderr)
        return exc.exit_code
    asyncio.run(instance.close())
    applied = ", ".join(f"{n:04d}" for n in instance.applied) or "none"
    print(f"Database: OK ({settings.database_path}; migrations applied now: {applied})")
    print_secret_notice(instance, sys.stdout)
    return 0


def _check_discord(settings: Settings) -> tuple[int, int | None]:
    """The token and application part of ``check``: ``(exit code, application id)``."""

    token = settings.discord_token.get_secret_value() if settings.discord_token else ""
    if not token:
        print("DISCORD_TOKEN: missing (cercle run needs it; see README, 'Create the Discord application')")
        return EXIT_PROBLEM, None
    problem = token_problem(token)
    if problem:
        print(f"DISCORD_TOKEN: FAILED: {problem}", file=sys.stderr)
        return EXIT_CONFIG, None
    print("DISCORD_TOKEN: shape OK")
    try:
        app = asyncio.run(fetch_application(settings, token))
    except Exception as exc:
        explained = explain(settings, exc)
        if explained is None:
            raise
        code, sentence = explained
        if code == EXIT_CONFIG:
            print(f"Discord: FAILED: {sentence}", file=sys.stderr)
            return EXIT_CONFIG, None
        print(f"Discord: NOT VERIFIED: {sentence}", file=sys.stderr)
        print("Not verified offline: that Discord accepts the token, the application id (the one below is read "
              "from the token), whether Public Bot is off, whether the Server Members intent is enabled.")
        return EXIT_DISCORD, application_id_from_token(token)
    code = 0
    print(f"Discord: OK (logged in as {app.name}, application id {app.id})")
    if app.public:
        print("WARNING: Public Bot is on: anyone who gets the invite link can add this Cercle to their server. "
              "Turn it off in the Developer Portal → your application → Bot → Public Bot.")
    if not app.members_intent:
        print("WARNING: the Server Members intent is not enabled: cercle run will be refused by Discord. Enable it "
              "in the Developer Portal → your application → Bot → Privileged Gateway Intents → Server Members Intent.")
        code = EXIT_CONFIG
    return code, app.id


def report(settings: Settings) -> int:
    """``cercle check``: validate everything a start needs and print the invite URL and intents.

    Exit code: the first failure's (2 configuration, 3 database, 4 Discord unreachable),
    1 when only the token is missing, else 0. Warnings (Public Bot on) do not fail.
    """
    from cercle.app import BOT_PERMISSIONS

    env = Path(ENV_FILE).resolve()
    print(f"Settings: OK ({env if env.exists() else f'no {env}, environment only'}; time zone "
          f"{settings.default_timezone}, language {settings.default_locale}, log level {settings.log_level})")
    code = _check_storage(settings)
    if code:
        return code
    code, app_id = _check_discord(settings)
    if app_id is not None:
        print(f"Invite URL: {invite_url(app_id)}")
    else:
        print("Invite URL: printed here once DISCORD_TOKEN holds a valid bot token (it needs the application id)")
    print(f"Permissions integer: {BOT_PERMISSIONS.value}")
    names = sorted(name for name, value in BOT_PERMISSIONS if value)
    print("Permissions: " + ", ".join(names))
    print("Scopes: bot, applications.commands")
    print("Gateway intents:")
    for name, why in INTENT_REASONS:
        print(f"  - {name}: {why}")
    return code
