"""The command tree: one error ladder for every command and component, one ``respond``
helper that works whatever the interaction's state, and the command translator.

Errors are data (docs/architecture.md, "Errors"): a :class:`~bot.errors.CercleError` is rendered for the
member in their language; anything else gives the member a short reference and the log
the details — never an anonymous answer's content or its author.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from typing import Any

import discord
from discord import app_commands

from bot import i18n
from bot.errors import CercleError

log = logging.getLogger(__name__)


class CercleTranslator(app_commands.Translator):
    """French names, descriptions and choice names from the feature catalogs."""

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContext
    ) -> str | None:
        if locale is not discord.Locale.french:
            return None
        return i18n.command_translation(string.message, "fr")


async def locale_for(interaction: discord.Interaction) -> str:
    """The reply language: the member's (French/English), else the club's, else the default."""
    cached = interaction.extras.get("cercle_locale")
    if cached:
        return cached
    client: Any = interaction.client
    club_locale = client.settings.default_locale
    if interaction.guild_id is not None and hasattr(client, "ctx"):
        club_locale = (await client.ctx.club.get(interaction.guild_id)).locale
    locale = i18n.pick_locale(str(interaction.locale) if interaction.locale else None, club_locale)
    interaction.extras["cercle_locale"] = locale
    return locale


async def respond(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    ephemeral: bool = True,
    **kwargs: Any,
) -> None:
    """Answer whether or not the interaction was already responded to or deferred.

    ``kwargs`` are ``embed``, ``embeds``, ``view``, ``file``, ``files``. A deferred
    interaction's first followup replaces the "thinking" message (Discord's behaviour).
    """
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    if interaction.response.is_done():
        if content is not None:
            kwargs["content"] = content
        await interaction.followup.send(ephemeral=ephemeral, **kwargs)
    else:
        await interaction.response.send_message(content, ephemeral=ephemeral, **kwargs)


class CercleTree(app_commands.CommandTree):
    """Command tree with Cercle's error ladder."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await self.report_error(interaction, error)

    async def report_error(self, interaction: discord.Interaction, error: BaseException) -> None:
        """Tell the member what went wrong (localised, ephemeral) and log unexpected errors
        with a short reference. Used by commands and by components."""
        original = getattr(error, "original", error)
        locale = await locale_for(interaction)
        if isinstance(original, CercleError):
            text = original.render(locale)
        elif isinstance(original, app_commands.NoPrivateMessage):
            text = i18n.t(locale, "error.guild_only")
        elif isinstance(original, app_commands.BotMissingPermissions):
            text = i18n.t(locale, "error.bot_missing_permissions", permissions=", ".join(original.missing_permissions))
        elif isinstance(original, app_commands.CommandOnCooldown):
            text = i18n.t(locale, "error.cooldown", seconds=int(original.retry_after) + 1)
        else:
            ref = secrets.token_hex(4)
            # Only the command name or the component's feature prefix: never ids of members.
            if interaction.command is not None:
                where = interaction.command.qualified_name
            else:
                data: Mapping[str, object] = interaction.data or {}
                where = ":".join(str(data.get("custom_id", "?")).split(":")[:3])
            log.error("error %s in %s", ref, where, exc_info=original)
            text = i18n.t(locale, "error.unexpected", ref=ref)
        try:
            await respond(interaction, text, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not deliver an error message to the member (interaction expired)")
