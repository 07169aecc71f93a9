"""``/help``: what Cercle does and the commands this member may use (built from the tree,
so every feature's commands appear without a list to keep in step)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot import i18n
from bot.i18n import t
from cogs._common import actor_of, ctx_of, locale_for, respond


def command_lines(tree: app_commands.CommandTree, locale: str, *, moderator_area: bool) -> list[str]:
    """``/name sub — description`` for every leaf command of one audience, localised."""
    lines = []
    for command in sorted(tree.get_commands(), key=lambda c: c.name):
        if not isinstance(command, app_commands.Command | app_commands.Group):
            continue
        is_mod = command.default_permissions is not None
        if is_mod != moderator_area:
            continue
        leaves = command.walk_commands() if isinstance(command, app_commands.Group) else [command]
        for leaf in leaves:
            if isinstance(leaf, app_commands.Group):
                continue
            names = [i18n.command_name(part.qualified_name, locale) or part.name for part in _chain(leaf)]
            description = i18n.command_description(leaf.qualified_name, locale) or leaf.description
            lines.append(f"`/{' '.join(names)}` — {description}")
    return lines


def _chain(command: app_commands.Command | app_commands.Group) -> list[app_commands.Command | app_commands.Group]:
    chain = []
    node: app_commands.Command | app_commands.Group | None = command
    while node is not None:
        chain.append(node)
        node = node.parent
    return list(reversed(chain))


class HelpCog(commands.Cog):
    """``/help`` for everyone."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name=_("help"), description=_("What Cercle does and the commands you may use"))
    async def help(self, interaction: discord.Interaction) -> None:
        locale = await locale_for(interaction)
        ctx = ctx_of(interaction)
        timezone, club_locale = ctx.settings.default_timezone, str(ctx.settings.default_locale)
        settings, moderator = await ctx.club.standing(await actor_of(interaction))
        if settings is not None:
            timezone, club_locale = settings.timezone, settings.locale
        embed = discord.Embed(title=t(locale, "help.title"), description=t(locale, "help.intro"))
        for area, visible in (("help.members", True), ("help.moderators", moderator)):
            if not visible:
                continue
            lines = command_lines(self.bot.tree, locale, moderator_area=area == "help.moderators")
            chunk = ""
            for line in lines:
                if len(chunk) + len(line) + 1 > 1024:
                    embed.add_field(name=t(locale, area), value=chunk, inline=False)
                    chunk = ""
                chunk += line + "\n"
            if chunk:
                embed.add_field(name=t(locale, area), value=chunk, inline=False)
        embed.set_footer(text=t(locale, "help.footer", locale=club_locale, timezone=timezone))
        await respond(interaction, embed=embed)


async def setup(bot: commands.Bot) -> None:
    """Extension entry point."""
    await bot.add_cog(HelpCog(bot))
