"""``/poll`` (moderators) and ``/polls`` (members), and the persistent vote buttons.

Thin face of :class:`bot.polls.service.PollService`: parse → defer if slow → one service
call → render. Vote buttons are ``DynamicItem``s with the custom_id
``cercle:polls:{poll}:vote:{position}`` whose state is read from the database on each
click, so they keep working after a restart. Every command and click builds the
:class:`~bot.actor.Actor` and the service's use-case decides who may act
(``default_permissions`` is only a hint).
"""

from __future__ import annotations

import re
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.errors import CercleError, InvalidInput
from bot.i18n import t
from bot.polls import render
from bot.polls.render import VOTE_ID
from bot.polls.rules import CHOICES_FIELD_MAX, DESCRIPTION_MAX, QUESTION_MAX
from bot.polls.service import PollDraft, PollService
from bot.ports import File, OutMessage
from cogs._common import (
    FORMAT_DESCRIPTION,
    Guarded,
    actor_of,
    format_choices,
    locale_for,
    respond,
    services_of,
)
from cogs._ui import response_kwargs, to_embed

TEXT_CHANNELS = [discord.ChannelType.text, discord.ChannelType.news]


def service_of(interaction: discord.Interaction) -> PollService:
    """The bot's poll service."""
    return services_of(interaction.client).polls


class VoteButton(Guarded, discord.ui.DynamicItem[discord.ui.Button], template=VOTE_ID.pattern):
    """A choice's button on a poll message (:data:`bot.polls.render.VOTE_ID`); answers the click ephemerally."""

    def __init__(self, poll_id: int, position: int) -> None:
        super().__init__(discord.ui.Button(custom_id=VOTE_ID.build(poll=poll_id, position=position), label=str(position)))
        self.poll_id = poll_id
        self.position = position

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> VoteButton:
        fields = VOTE_ID.read(match)
        return cls(fields.integer("poll"), fields.integer("position"))

    async def run(self, interaction: discord.Interaction) -> None:
        actor = await actor_of(interaction)
        receipt = await service_of(interaction).click(actor, self.poll_id, self.position)
        await respond(interaction, receipt.reply(await locale_for(interaction)), ephemeral=True)


class CreateModal(discord.ui.Modal):
    """The question, choices (one per line) and optional description of a new poll."""

    def __init__(self, draft: PollDraft, locale: str, typed: dict[str, str] | None = None) -> None:
        super().__init__(title=t(locale, "polls.modal.title"), timeout=900)
        self.draft = draft
        self.locale = locale
        typed = typed or {}
        self.question: discord.ui.TextInput = discord.ui.TextInput(
            label=t(locale, "polls.modal.question"), custom_id="question", max_length=QUESTION_MAX,
            style=discord.TextStyle.paragraph, default=typed.get("question") or None,
        )
        self.choices: discord.ui.TextInput = discord.ui.TextInput(
            label=t(locale, "polls.modal.choices"), custom_id="choices", style=discord.TextStyle.paragraph,
            placeholder=t(locale, "polls.modal.choices_placeholder"), max_length=CHOICES_FIELD_MAX,
            default=typed.get("choices") or None,
        )
        self.description: discord.ui.TextInput = discord.ui.TextInput(
            label=t(locale, "polls.modal.description"), custom_id="description", style=discord.TextStyle.paragraph,
            required=False, max_length=DESCRIPTION_MAX, default=typed.get("description") or None,
        )
        for item in (self.question, self.choices, self.description):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        # No defer: a few SQLite writes and one post answer well within Discord's 3 s.
        typed = {"question": self.question.value, "choices": self.choices.value, "description": self.description.value}
        locale = await locale_for(interaction)
        try:
            poll = await service_of(interaction).create(await actor_of(interaction), self.draft, **typed)
        except InvalidInput as exc:
            # The refusal names the field; a button reopens the form with what was typed.
            await respond(interaction, exc.render(locale), ephemeral=True, view=RetryView(self.draft, self.locale, typed, locale))
            return
        link = render.message_link(poll.guild_id, poll.channel_id, poll.message_id)
        if poll.status == "open":
            text = t(locale, "polls.created.open", poll=poll.id, channel=poll.channel_id, link=link,
                     closes=int(poll.closes_at.timestamp()))
        else:
            text = t(locale, "polls.created.scheduled", poll=poll.id, channel=poll.channel_id, link=link,
                     opens=int(poll.opens_at.timestamp()), closes=int(poll.closes_at.timestamp()))
        if self.draft.repeat != "none":
            text += "\n" + t(locale, "polls.created.repeat", repeat=t(locale, f"polls.repeat.{self.draft.repeat}"),
                             timezone=self.draft.timezone)
        await respond(interaction, text, ephemeral=True)

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any] | None = None
    ) -> None:
        await interaction.client.tree.report_error(interaction, error)  # type: ignore[attr-defined]


class RetryView(discord.ui.View):
    """One "Edit and try again" button under a refused form, reopening it filled in (15 min)."""

    def __init__(self, draft: PollDraft, modal_locale: str, typed: dict[str, str], locale: str) -> None:
        super().__init__(timeout=900)
        self.draft, self.modal_locale, self.typed = draft, modal_locale, typed
        self.retry.label = t(locale, "polls.modal.retry")

    @discord.ui.button(label="retry", style=discord.ButtonStyle.primary)
    async def retry(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_modal(CreateModal(self.draft, self.modal_locale, self.typed))


SHOW_RESULTS_CHOICES = [
    app_commands.Choice(name=_("Live (public polls): counts update as votes come"), value="live"),
    app_commands.Choice(name=_("After close: counts shown at the end"), value="after_close"),
]
REPEAT_CHOICES = [
    app_commands.Choice(name=_("None"), value="none"),
    app_commands.Choice(name=_("Weekly"), value="weekly"),
    app_commands.Choice(name=_("Monthly"), value="monthly"),
    app_commands.Choice(name=_("Quarterly"), value="quarterly"),
]


class PollsCog(commands.Cog):
    """``/poll create|list|close|cancel|results|export`` and ``/polls``."""

    poll = app_commands.Group(
        name=_("poll"),
        description=_("Create and manage the club's polls (moderators)"),
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    def __init__(self, bot: commands.Bot, service: PollService) -> None:
        self.bot = bot
        self.service = service

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(VoteButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(VoteButton)

    @poll.command(name=_("create"), description=_("Create a poll (a form asks for the question and choices)"))
    @app_commands.rename(
        channel=_("channel"), anonymous=_("anonymous"), max_choices=_("max_choices"), opens=_("opens"),
        closes=_("closes"), show_results=_("show_results"), repeat=_("repeat"),
    )
    @app_commands.describe(
        channel=_("Where to post (default: the announcements channel)"),
        anonymous=_("Hide who voted what from everyone (default: yes)"),
        max_choices=_("How many choices a member may pick (1 = single choice)"),
        opens=_("When it opens, e.g. 2026-12-03 18:00 or thursday 6pm (default: now)"),
        closes=_("When it closes, or a duration such as 48h (default: 7 days)"),
        show_results=_("When members see the counts"),
        repeat=_("Open a new occurrence every week, month or quarter"),
    )
    @app_commands.choices(show_results=SHOW_RESULTS_CHOICES, repeat=REPEAT_CHOICES)
    async def create(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | None = None,
        anonymous: bool = True,
        max_choices: app_commands.Range[int, 1, 20] = 1,
        opens: app_commands.Range[str, 1, 100] | None = None,
        closes: app_commands.Range[str, 1, 100] | None = None,
        show_results: app_commands.Choice[str] | None = None,
        repeat: app_commands.Choice[str] | None = None,
    ) -> None:
        draft = await self.service.prepare(
            await actor_of(interaction), channel_id=channel.id if channel else None, anonymous=anonymous, max_choices=max_choices,
            opens=opens, closes=closes, show_results=show_results.value if show_results else "live",
            repeat=repeat.value if repeat else "none",
        )
        await interaction.response.send_modal(CreateModal(draft, await locale_for(interaction)))

    @poll.command(name=_("list"), description=_("Scheduled, open and recently closed polls"))
    async def list_polls(self, interaction: discord.Interaction) -> None:
        polls = await self.service.listing(await actor_of(interaction))
        embed = render.list_embed(polls, await locale_for(interaction))
        await respond(interaction, embed=to_embed(embed), ephemeral=True)

    @poll.command(name=_("close"), description=_("Close an open poll now and post its results"))
    @app_commands.rename(poll=_("poll"), stop_repeating=_("stop_repeating"))
    @app_commands.describe(poll=_("The poll (type to search)"), stop_repeating=_("Also end its repeating series"))
    async def close(self, interaction: discord.Interaction, poll: int, stop_repeating: bool = False) -> None:
        actor = await actor_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        closed = await self.service.close(actor, poll, stop_repeating=stop_repeating)
        locale = await locale_for(interaction)
        text = t(locale, "polls.closed.done", poll=closed.id)
        if stop_repeating and closed.series_id is not None:
            text += " " + t(locale, "polls.closed.series_stopped")
        await respond(interaction, text, ephemeral=True)

    @poll.command(name=_("cancel"), description=_("Cancel a scheduled poll (and its repeating series)"))
    @app_commands.rename(poll=_("poll"))
    @app_commands.describe(poll=_("The poll (type to search)"))
    async def cancel(self, interaction: discord.Interaction, poll: int) -> None:
        cancelled = await self.service.cancel(await actor_of(interaction), poll)
        locale = await locale_for(interaction)
        text = t(locale, "polls.cancelled.done", poll=cancelled.id)
        if cancelled.series_id is not None:
            text += " " + t(locale, "polls.cancelled.series_stopped")
        await respond(interaction, text, ephemeral=True)

    @poll.command(name=_("results"), description=_("See a poll's results privately, with a chart"))
    @app_commands.rename(poll=_("poll"))
    @app_commands.describe(poll=_("The poll (type to search)"))
    async def results(self, interaction: discord.Interaction, poll: int) -> None:
        actor = await actor_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        message = await self.service.results(actor, poll)
        await respond(interaction, ephemeral=True, **response_kwargs(message))

    @poll.command(name=_("export"), description=_("Download a poll's votes as CSV or Excel (no voter for anonymous polls)"))
    @app_commands.rename(poll=_("poll"), file_format=_("format"))
    @app_commands.describe(poll=_("The poll (type to search)"), file_format=FORMAT_DESCRIPTION)
    @app_commands.choices(file_format=format_choices())
    async def export(
        self, interaction: discord.Interaction, poll: int, file_format: app_commands.Choice[str] | None = None
    ) -> None:
        actor = await actor_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        export = await self.service.export(actor, poll, file_format.value if file_format else "csv")
        locale = await locale_for(interaction)
        text = t(locale, "polls.export.done", poll=poll, rows=export.rows)
        if export.anonymous:
            text += "\n" + t(locale, "polls.export.anonymous_note")
        await respond(interaction, text, ephemeral=True, **response_kwargs(_file_message(export.file)))

    @close.autocomplete("poll")
    async def _close_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
        return await self._suggest(interaction, current, "close")

    @cancel.autocomplete("poll")
    async def _cancel_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
        return await self._suggest(interaction, current, "cancel")

    @results.autocomplete("poll")
    async def _results_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
        return await self._suggest(interaction, current, "results")

    @export.autocomplete("poll")
    async def _export_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
        return await self._suggest(interaction, current, "export")

    async def _suggest(self, interaction: discord.Interaction, current: str, action: str) -> list[app_commands.Choice[int]]:
        try:
            found = await self.service.autocomplete(await actor_of(interaction), current, action)
        except CercleError:  # not a moderator, or a DM: an autocomplete has no error to show
            return []
        return [app_commands.Choice(name=label, value=poll_id) for label, poll_id in found[:25]]

    @app_commands.command(name=_("polls"), description=_("The polls open right now, with links"))
    @app_commands.guild_only()
    async def polls(self, interaction: discord.Interaction) -> None:
        found = await self.service.open_polls(await actor_of(interaction))
        embed = render.list_embed(found, await locale_for(interaction), members=True)
        await respond(interaction, embed=to_embed(embed), ephemeral=True)


def _file_message(file: File) -> OutMessage:
    return OutMessage(files=(file,))


async def setup(bot: commands.Bot) -> None:
    """Extension entry point."""
    await bot.add_cog(PollsCog(bot, services_of(bot).polls))
