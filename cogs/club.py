"""``/club``: the club's settings and the moderators' audit log (moderators only)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.club.rules import ClubSettings, timezone_suggestions
from bot.i18n import t
from cogs._common import actor_of, ctx_of, locale_for, respond

TEXT_CHANNELS = [discord.ChannelType.text, discord.ChannelType.news]


def settings_embed(settings: ClubSettings, locale: str) -> discord.Embed:
    """The settings as one embed (channels as mentions: display only, pings are off)."""
    unset = t(locale, "club.config.unset")

    def channel(value: int | None) -> str:
        return f"<#{value}>" if value else unset

    embed = discord.Embed(title=t(locale, "club.config.title"))
    embed.add_field(name=t(locale, "field.announcements_channel_id"), value=channel(settings.announcements_channel_id))
    embed.add_field(name=t(locale, "field.meetings_channel_id"), value=channel(settings.meetings_channel_id))
    embed.add_field(name=t(locale, "field.prompts_channel_id"), value=channel(settings.prompts_channel_id))
    embed.add_field(name=t(locale, "field.feedback_channel_id"), value=channel(settings.feedback_channel_id))
    embed.add_field(name=t(locale, "field.moderators_channel_id"), value=channel(settings.moderators_channel_id))
    embed.add_field(
        name=t(locale, "club.moderator_role"),
        value=f"<@&{settings.moderator_role_id}>" if settings.moderator_role_id else unset,
    )
    embed.add_field(name=t(locale, "field.timezone"), value=settings.timezone)
    embed.add_field(name=t(locale, "field.language"), value=t(locale, f"club.locale.{settings.locale}"))
    embed.add_field(
        name=t(locale, "field.anonymity_threshold"),
        value=t(locale, "club.threshold_help", value=settings.anonymity_threshold),
    )
    return embed


class ClubCog(commands.Cog):
    """Thin face of :class:`bot.club.service.ClubService`."""

    club = app_commands.Group(
        name=_("club"),
        description=_("Club settings and audit log (moderators)"),
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )
    config = app_commands.Group(name=_("config"), description=_("Show or change the club settings"), parent=club)

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @config.command(name=_("show"), description=_("Show the club settings"))
    async def config_show(self, interaction: discord.Interaction) -> None:
        settings = await ctx_of(interaction).club.show(await actor_of(interaction))
        await respond(interaction, embed=settings_embed(settings, await locale_for(interaction)))

    @config.command(name=_("set"), description=_("Change one or more club settings"))
    @app_commands.rename(
        announcements_channel=_("announcements_channel"),
        meetings_channel=_("meetings_channel"),
        prompts_channel=_("prompts_channel"),
        feedback_channel=_("feedback_channel"),
        moderators_channel=_("moderators_channel"),
        moderator_role=_("moderator_role"),
        timezone=_("timezone"),
        language=_("language"),
        anonymity_threshold=_("anonymity_threshold"),
    )
    @app_commands.describe(
        announcements_channel=_("Channel for announcements and polls"),
        meetings_channel=_("Channel for meeting announcements"),
        prompts_channel=_("Channel for the weekly discussion prompt"),
        feedback_channel=_("Channel for anonymous feedback digests"),
        moderators_channel=_("Private channel where Cercle tells moderators a digest awaits review"),
        moderator_role=_("Role whose members may use moderator commands"),
        timezone=_("IANA time zone of the club, e.g. Europe/Paris"),
        language=_("Language of the club: fr or en"),
        anonymity_threshold=_("Minimum answers before anonymous results show (3 to 50)"),
    )
    @app_commands.choices(language=[app_commands.Choice(name=_("French"), value="fr"), app_commands.Choice(name=_("English"), value="en")])
    async def config_set(
        self,
        interaction: discord.Interaction,
        announcements_channel: discord.TextChannel | None = None,
        meetings_channel: discord.TextChannel | None = None,
        prompts_channel: discord.TextChannel | None = None,
        feedback_channel: discord.TextChannel | None = None,
        moderators_channel: discord.TextChannel | None = None,
        moderator_role: discord.Role | None = None,
        timezone: str | None = None,
        language: app_commands.Choice[str] | None = None,
        anonymity_threshold: int | None = None,
    ) -> None:
        changes = {
            "announcements_channel_id": announcements_channel.id if announcements_channel else None,
            "meetings_channel_id": meetings_channel.id if meetings_channel else None,
            "prompts_channel_id": prompts_channel.id if prompts_channel else None,
            "feedback_channel_id": feedback_channel.id if feedback_channel else None,
            "moderators_channel_id": moderators_channel.id if moderators_channel else None,
            "moderator_role_id": moderator_role.id if moderator_role else None,
            "timezone": timezone,
            "locale": language.value if language else None,
            "anonymity_threshold": anonymity_threshold,
        }
        club = ctx_of(interaction).club
        settings, changed = await club.update(await actor_of(interaction), **changes)
        interaction.extras.pop("cercle_locale", None)  # the club's language may have changed
        locale = await locale_for(interaction)
        names = ", ".join(t(locale, f"field.{name}") for name in changed)
        await respond(interaction, t(locale, "club.config.updated", fields=names), embed=settings_embed(settings, locale))

    @config_set.autocomplete("timezone")
    async def timezone_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=name, value=name) for name in timezone_suggestions(current)]

    @club.command(name=_("audit"), description=_("The last moderator actions of this server"))
    async def audit(self, interaction: discord.Interaction) -> None:
        locale = await locale_for(interaction)
        entries = await ctx_of(interaction).club.recent_audit(await actor_of(interaction))
        if not entries:
            await respond(interaction, t(locale, "club.audit.empty"))
            return
        # Actor 0 is Cercle itself (e.g. an alert about a lost channel).
        lines = [
            f"<t:{e.created_at}:f> · {f'<@{e.actor_id}>' if e.actor_id else 'Cercle'} · `{e.action}` "
            f"{discord.utils.escape_markdown(e.detail)}"
            for e in entries
        ]
        embed = discord.Embed(title=t(locale, "club.audit.title"), description="\n".join(lines)[:4096])
        await respond(interaction, embed=embed)


async def setup(bot: commands.Bot) -> None:
    """Extension entry point."""
    await bot.add_cog(ClubCog(bot))
