"""Helpers every cog uses: the context, who acts (:func:`actor_of`), the member's
language, and a guard that routes component errors to the tree's error ladder.

Cogs never decide permissions: they build the :class:`~bot.actor.Actor` and the service's
use-case authorises it (docs/architecture.md, "Who acts")."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str

from bot.actor import Actor
from bot.context import AppContext
from bot.errors import CercleError
from bot.i18n import t
from bot.services import Services
from cercle.app import CercleBot
from cercle.tree import locale_for, respond

WEEKDAY_CHOICES = [
    app_commands.Choice(name=locale_str(name), value=index)
    for index, name in enumerate(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))
]
"""Weekday choices for slash options: value 0 = Monday (``datetime.weekday()``), names localised."""

__all__ = ["WEEKDAY_CHOICES", "FORMAT_DESCRIPTION", "format_choices", "ctx_of", "services_of", "locale_for", "respond", "actor_of", "require_guild", "Guarded", "tr", "role_ids_of"]


FORMAT_DESCRIPTION = locale_str("File format: CSV (default) or Excel (.xlsx)")
"""The description of the ``format`` option of every export command (``bot.export``)."""


def format_choices() -> list[app_commands.Choice[str]]:
    """The ``format`` choices of an export command (``csv``, ``xlsx``): a new list for each
    command, so each names them from its own catalog path."""
    return [
        app_commands.Choice(name=locale_str("CSV (spreadsheet, default)"), value="csv"),
        app_commands.Choice(name=locale_str("Excel (.xlsx)"), value="xlsx"),
    ]


def _cercle(client: discord.Client) -> CercleBot:
    """``client`` as Cercle's bot, or ``TypeError`` (a cog loaded into another bot)."""
    if not isinstance(client, CercleBot):
        raise TypeError(f"Cercle's cogs need Cercle's bot, not {type(client).__name__}")
    return client


def ctx_of(interaction: discord.Interaction) -> AppContext:
    """The bot's :class:`AppContext`."""
    return _cercle(interaction.client).ctx


def services_of(client: discord.Client) -> Services:
    """Every feature's service (:class:`bot.services.Services`), built before the cogs load."""
    return _cercle(client).services


def require_guild(interaction: discord.Interaction) -> int:
    """The guild id, or ``CercleError('error.guild_only')`` in a DM."""
    if interaction.guild_id is None:
        raise CercleError("error.guild_only")
    return interaction.guild_id


def role_ids_of(interaction: discord.Interaction) -> tuple[int, ...]:
    """Role ids of the member who interacted (empty in DMs)."""
    user = interaction.user
    return tuple(r.id for r in getattr(user, "roles", []))


async def actor_of(interaction: discord.Interaction) -> Actor:
    """Who acts in ``interaction``: the member, the guild (``None`` in a DM), their
    resolved Manage Server permission in this channel (``interaction.permissions``,
    which Discord computes with overwrites), their roles and reply language."""
    return Actor(
        user_id=interaction.user.id,
        guild_id=interaction.guild_id,
        manage_guild=bool(interaction.guild_id is not None and interaction.permissions.manage_guild),
        role_ids=role_ids_of(interaction),
        locale=await locale_for(interaction),
        month_first=str(interaction.locale) == "en-US",
    )


async def tr(interaction: discord.Interaction, key: str, **params: Any) -> str:
    """``t()`` in the interaction's reply language."""
    return t(await locale_for(interaction), key, **params)


class Guarded:
    """Mixin for ``DynamicItem`` subclasses: put the work in ``run(interaction)``; any
    error goes through the tree's error ladder, so a member never sees "This interaction
    failed"."""

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.run(interaction)  # type: ignore[attr-defined]
        except Exception as exc:  # the ladder decides what the member sees
            await interaction.client.tree.report_error(interaction, exc)  # type: ignore[attr-defined]


async def safe_respond(interaction: discord.Interaction, content: str, **kwargs: Any) -> None:
    """``respond`` that never raises on an expired interaction."""
    try:
        await respond(interaction, content, **kwargs)
    except discord.HTTPException:
        pass
