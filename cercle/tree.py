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


_LOCALES: dict[discord.Locale, i18n.Locale] = {discord.Locale.french: "fr"}
"""The Discord locales Cercle names its commands in (the English names are the defaults)."""

_Where = app_commands.TranslationContextLocation


class CercleTranslator(app_commands.Translator):
    """Names, descriptions and choice names of each command from the feature catalogs,
    looked up by the command's qualified path (``bot.i18n``, "Command names"): a word
    means what its own command says, never what another feature registered.

    Discord.py gives a choice's translation no parent, so the translator keeps an index
    from each ``Choice`` object to the option paths that use it (rebuilt from ``tree`` on
    a miss); one object shared by options that name it differently is refused.
    """

    def __init__(self, tree: app_commands.CommandTree) -> None:
        self._tree = tree
        self._choices: dict[int, tuple[app_commands.Choice[Any], list[str]]] = {}

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContext
    ) -> str | None:
        lang = _LOCALES.get(locale)
        if lang is None:
            return None
        where, data = context.location, context.data
        if where in (_Where.command_name, _Where.group_name):
            return i18n.command_name(data.qualified_name, lang)
        if where in (_Where.command_description, _Where.group_description):
            return i18n.command_description(data.qualified_name, lang)
        if where is _Where.parameter_name:
            return i18n.command_name(f"{data.command.qualified_name}.{data.display_name}", lang)
        if where is _Where.parameter_description:
            return i18n.command_description(f"{data.command.qualified_name}.{data.display_name}", lang)
        if where is _Where.choice_name:
            return self._choice(data, lang)
        return None

    def _choice(self, choice: app_commands.Choice[Any], lang: i18n.Locale) -> str | None:
        found = self._choices.get(id(choice))
        if found is None or found[0] is not choice:
            self._index()
            found = self._choices.get(id(choice))
        if found is None or found[0] is not choice:
            return None
        names = {i18n.choice_name(option, choice.value, lang) for option in found[1]}
        if len(names) > 1:
            raise ValueError(f"choice {choice.value!r} is shared by {found[1]} with different names: {names}")
        return names.pop()

    def _index(self) -> None:
        self._choices.clear()
        for command in self._tree.walk_commands():
            if not isinstance(command, app_commands.Command):
                continue
            for parameter in command.parameters:
                for choice in parameter.choices:
                    entry = self._choices.setdefault(id(choice), (choice, []))
                    entry[1].append(f"{command.qualified_name}.{parameter.display_name}")


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
