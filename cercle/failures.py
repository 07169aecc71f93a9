"""What a failure to talk to Discord means for the person running ``cercle``.

:func:`explain` turns an exception raised while logging in, syncing or connecting into
``(exit code, one sentence)``: 2 when a setting must change (the token, the intents,
``DISCORD_API_BASE``, the guild id), 4 when Discord or the network is at fault and a
later try can work (README, "Command line"). Never a traceback, never the token.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import discord

from bot.settings import DEFAULT_API_BASE, Settings

EXIT_CONFIG = 2
EXIT_DISCORD = 4

UNKNOWN_GUILD = 10004
MISSING_ACCESS = 50001
"""Discord's JSON error codes for a guild that does not exist, or that the bot is not in."""

NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    OSError, aiohttp.ClientError, asyncio.TimeoutError, discord.GatewayNotFound, discord.ConnectionClosed,
)
"""Exceptions that mean "Discord could not be reached" (never a configuration error)."""


class GatewayUnreachable(Exception):
    """The first gateway connection failed (REST worked): ``__cause__`` says why.

    discord.py 2.7 retries a failed first connection by reading the session of a gateway
    socket it never opened, and raises ``AttributeError``; ``cercle run`` turns that into
    this exception with the network error as its cause.
    """


def _reason(exc: BaseException) -> str:
    return str(exc) or exc.__class__.__name__


def unreachable(settings: Settings, exc: BaseException) -> str:
    """The sentence for a REST API that cannot be reached at all."""
    return (
        f"Discord cannot be reached at {settings.api_base} (DISCORD_API_BASE): {_reason(exc)}. "
        "Check the machine's network, DNS and proxy (Cercle needs outgoing HTTPS to discord.com and "
        "WebSocket to gateway.discord.gg), then try again."
    )


def _looks_like_discord(exc: discord.HTTPException) -> bool:
    """Discord answers errors in JSON with a code; a web page or a bare 404 is someone else."""
    return exc.code != 0


def _http(settings: Settings, exc: discord.HTTPException, guild_id: int | None) -> tuple[int, str]:
    status = exc.status
    if guild_id is not None and exc.code in (UNKNOWN_GUILD, MISSING_ACCESS):
        return EXIT_CONFIG, (
            f"Discord has no server {guild_id} that this bot is in (HTTP {status}, code {exc.code}): check the id "
            "given to --guild or DEV_GUILD_ID, and that the bot was invited to that server."
        )
    if status >= 500:
        return EXIT_DISCORD, (
            f"Discord is not answering properly right now (HTTP {status}) at {settings.api_base}: try again in a "
            "few minutes (https://discordstatus.com shows outages)."
        )
    if not _looks_like_discord(exc) and status in (403, 407):
        return EXIT_DISCORD, (
            f"Requests to {settings.api_base} were refused before reaching Discord (HTTP {status}): a proxy or "
            "firewall on this network, or Discord blocking this address. Check the network, then try again."
        )
    if not _looks_like_discord(exc):
        default = "" if settings.api_base == DEFAULT_API_BASE else f" (Discord's is {DEFAULT_API_BASE}; unset it to use it)"
        return EXIT_CONFIG, (
            f"{settings.api_base} (DISCORD_API_BASE) does not answer as Discord's API (HTTP {status}){default}."
        )
    if status == 429:
        return EXIT_DISCORD, "Discord is rate-limiting this bot (HTTP 429): wait a few minutes, then try again."
    return EXIT_DISCORD, f"Discord refused the request (HTTP {status}, code {exc.code}): {exc.text[:200]}"


def explain(settings: Settings, exc: BaseException, *, guild_id: int | None = None) -> tuple[int, str] | None:
    """``(exit code, sentence)`` for ``exc``, or ``None`` if it is not a Discord or network
    failure (then it is a bug and must surface as one). ``guild_id``: the guild a sync targeted."""
    if isinstance(exc, discord.LoginFailure):
        return EXIT_CONFIG, (
            "DISCORD_TOKEN was refused by Discord: reset it in the Developer Portal (Bot → Reset Token) and "
            "update .env."
        )
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        return EXIT_CONFIG, (
            "Discord refused the SERVER MEMBERS intent: enable it in the Developer Portal → Bot → Privileged "
            "Gateway Intents, then start again."
        )
    if isinstance(exc, discord.HTTPException):
        return _http(settings, exc, guild_id)
    if isinstance(exc, GatewayUnreachable):
        cause = exc.__cause__ or exc
        return EXIT_DISCORD, (
            f"Discord's gateway cannot be reached at {settings.discord_gateway_url} (DISCORD_GATEWAY_URL): "
            f"{_reason(cause)}. Cercle needs outgoing WebSocket connections (wss, port 443) to "
            "gateway.discord.gg: check the firewall or proxy, then start again."
        )
    if isinstance(exc, NETWORK_ERRORS):
        return EXIT_DISCORD, unreachable(settings, exc)
    return None


class OneLineNetworkErrors(logging.Filter):
    """Logs a network error that discord.py retries as one line, not a traceback: a
    reconnect after a dropped connection is an event to note, not a bug to debug."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Fold the exception of a network error into the message; keep every record."""
        if record.exc_info and isinstance(record.exc_info[1], NETWORK_ERRORS):
            exc = record.exc_info[1]
            record.msg = f"{record.getMessage()} ({type(exc).__name__}: {_reason(exc)})"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True
