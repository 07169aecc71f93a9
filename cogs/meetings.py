"""``/meeting`` (moderators) and ``/meetings`` (members): the Discord face of
:class:`bot.meetings.service.MeetingsService`.

Thin: parse → defer if slow → one service call → render. RSVP, Remind me and topic upvote
buttons are ``DynamicItem``s (``cercle:meetings:...``) that load their state from the
database on click, so they keep working after a restart. Who may do what is the
service's decision: each command and button passes the :class:`~bot.actor.Actor`
(:func:`cogs._common.actor_of`) to one use-case.
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.errors import InvalidInput
from bot.i18n import t
from bot.meetings import render
from bot.meetings.components import CREATE_FORM, REMIND, RSVP, TOPIC_VOTE
from bot.meetings.ical import CalendarNames
from bot.meetings.rules import AGENDA_MAX, TITLE_MAX
from bot.meetings.service import Draft, MeetingsService
from bot.meetings.store import Occurrence
from bot.text import plain, shorten
from cogs._common import (
    FORMAT_DESCRIPTION,
    Guarded,
    actor_of,
    format_choices,
    locale_for,
    respond,
    services_of,
)
from cogs._ui import to_files

log = logging.getLogger(__name__)

REPEAT_CHOICES = [
    app_commands.Choice(name=_("none"), value="none"),
    app_commands.Choice(name=_("weekly"), value="weekly"),
    app_commands.Choice(name=_("monthly"), value="monthly"),
    app_commands.Choice(name=_("quarterly"), value="quarterly"),
    app_commands.Choice(name=_("semiannual"), value="semiannual"),
    app_commands.Choice(name=_("yearly"), value="yearly"),
]
REPEAT_ON_CHOICES = [
    app_commands.Choice(name=_("same day of the month (e.g. the 15th)"), value="date"),
    app_commands.Choice(name=_("same weekday of the month (e.g. the 3rd Tuesday)"), value="weekday"),
    app_commands.Choice(name=_("last weekday of the month (e.g. the last Thursday)"), value="last_weekday"),
]
SCOPE_CHOICES = [
    app_commands.Choice(name=_("this occurrence"), value="occurrence"),
    app_commands.Choice(name=_("the whole series"), value="series"),
]
TEXT_CHANNELS = [discord.ChannelType.text, discord.ChannelType.news]
LOCATION_CHANNELS = [discord.ChannelType.voice, discord.ChannelType.stage_voice]


def service_of(interaction: discord.Interaction) -> MeetingsService:
    """The process's meetings service (built by the cog at load)."""
    return services_of(interaction.client).meetings


def rsvp_reply(locale: str, occ: Occurrence, status: str | None, remind: bool) -> tuple[str, discord.ui.View]:
    """The ephemeral answer to an RSVP click: your status and the Remind me toggle."""
    text = t(locale, f"meetings.rsvp.{status}", title=plain(shorten(occ.title, 200)), when=render.when_text(occ))
    text += "\n" + t(locale, "meetings.remind_state_on" if remind else "meetings.remind_state_off")
    view = discord.ui.View(timeout=None)
    view.add_item(
        discord.ui.Button(
            label=t(locale, "meetings.button.remind_on" if remind else "meetings.button.remind_off"),
            style=discord.ButtonStyle.primary if remind else discord.ButtonStyle.secondary,
            emoji="🔔" if remind else "🔕",
            custom_id=REMIND.build(occurrence=occ.id),
        )
    )
    view.stop()
    return text, view


class RsvpButton(Guarded, discord.ui.DynamicItem[discord.ui.Button], template=RSVP.pattern):
    """Going / Maybe / Can't go on an announcement."""

    def __init__(self, occurrence_id: int, status: str) -> None:
        super().__init__(discord.ui.Button(custom_id=RSVP.build(occurrence=occurrence_id, status=status), label=status))
        self.occurrence_id = occurrence_id
        self.status = status

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]) -> RsvpButton:
        fields = RSVP.read(match)
        return cls(fields.integer("occurrence"), fields.text("status"))

    async def run(self, interaction: discord.Interaction) -> None:
        service = service_of(interaction)
        actor = await actor_of(interaction)
        result = await service.rsvp(actor, self.occurrence_id, self.status, refresh=False)
        text, view = rsvp_reply(await locale_for(interaction), result.occurrence, result.status, result.remind)
        await respond(interaction, text, view=view)
        await service.refresh_announcement(actor, result.occurrence.id)  # after the answer: never delays it


class RemindButton(Guarded, discord.ui.DynamicItem[discord.ui.Button], template=REMIND.pattern):
    """The Remind me toggle under the ephemeral RSVP answer."""

    def __init__(self, occurrence_id: int) -> None:
        super().__init__(discord.ui.Button(custom_id=REMIND.build(occurrence=occurrence_id), label="remind"))
        self.occurrence_id = occurrence_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]) -> RemindButton:
        return cls(REMIND.read(match).integer("occurrence"))

    async def run(self, interaction: discord.Interaction) -> None:
        result = await service_of(interaction).toggle_remind(await actor_of(interaction), self.occurrence_id)
        text, view = rsvp_reply(await locale_for(interaction), result.occurrence, result.status, result.remind)
        await interaction.response.edit_message(content=text, view=view)


class VoteButton(Guarded, discord.ui.DynamicItem[discord.ui.Button], template=TOPIC_VOTE.pattern):
    """The upvote button under a proposed topic (a second click takes the vote back)."""

    def __init__(self, topic_id: int) -> None:
        super().__init__(discord.ui.Button(custom_id=TOPIC_VOTE.build(topic=topic_id), label="vote"))
        self.topic_id = topic_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]) -> VoteButton:
        return cls(TOPIC_VOTE.read(match).integer("topic"))

    async def run(self, interaction: discord.Interaction) -> None:
        service = service_of(interaction)
        actor = await actor_of(interaction)
        topic, voted = await service.vote(actor, self.topic_id, refresh=False)
        locale = await locale_for(interaction)
        await respond(interaction, t(locale, "meetings.voted" if voted else "meetings.unvoted", n=topic.votes))
        await service.refresh_topic(actor, topic.id)  # after the answer: never delays it


class CreateModal(discord.ui.Modal):
    """Title and agenda of a new meeting (after ``/meeting create``'s options were checked);
    ``typed`` fills it in again after a refusal."""

    def __init__(self, draft: Draft, locale: str, typed: dict[str, str] | None = None) -> None:
        super().__init__(title=shorten(t(locale, "meetings.modal.title"), 45), timeout=900,
                         custom_id=CREATE_FORM.build(nonce=secrets.token_hex(8)))
        self.draft = draft
        self.locale = locale
        typed = typed or {}
        self.name: discord.ui.TextInput[CreateModal] = discord.ui.TextInput(
            label=shorten(t(locale, "meetings.modal.name"), 45), max_length=TITLE_MAX, custom_id="title",
            default=typed.get("title") or None,
        )
        self.agenda: discord.ui.TextInput[CreateModal] = discord.ui.TextInput(
            label=shorten(t(locale, "meetings.modal.agenda"), 45), style=discord.TextStyle.paragraph,
            max_length=AGENDA_MAX, required=False, custom_id="agenda", default=typed.get("agenda") or None,
        )
        self.add_item(self.name)
        self.add_item(self.agenda)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        typed = {"title": self.name.value, "agenda": self.agenda.value}
        try:
            result = await service_of(interaction).create(await actor_of(interaction), self.draft, **typed)
        except InvalidInput as exc:
            if exc.params.get("field") not in RETRYABLE_FIELDS:
                raise  # the options of /meeting create were refused: the form cannot fix them
            # The refusal names the field; a button reopens the form with what was typed.
            locale = await locale_for(interaction)
            await respond(interaction, exc.render(locale), view=RetryView(self.draft, self.locale, typed, locale))
            return
        locale = await locale_for(interaction)
        occ = result.occurrence
        lines = [t(locale, "meetings.created", title=plain(shorten(occ.title, 200)), when=render.when_text(occ),
                   channel=f"<#{occ.channel_id}>")]
        if occ.thread_id:
            lines.append(t(locale, "meetings.created_thread", thread=occ.thread_id))
        if result.event_created:
            lines.append(t(locale, "meetings.event_created"))
        elif result.event_note == "forbidden":
            lines.append(t(locale, "meetings.event_forbidden"))
        elif result.event_note == "event_limit":
            lines.append(t(locale, "meetings.event_limit"))
        else:
            lines.append(t(locale, "meetings.event_failed", reason=result.event_note or "?"))
        await respond(interaction, "\n".join(lines))

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any] | None = None
    ) -> None:
        await interaction.client.tree.report_error(interaction, error)  # type: ignore[attr-defined]


RETRYABLE_FIELDS = ("meetings.title", "meetings.agenda")
"""Refusals the create form itself can fix (the others are about the command's options)."""


class RetryView(discord.ui.View):
    """One "Edit and try again" button under a refused create form, reopening it filled in (15 min)."""

    def __init__(self, draft: Draft, modal_locale: str, typed: dict[str, str], locale: str) -> None:
        super().__init__(timeout=900)
        self.draft, self.modal_locale, self.typed = draft, modal_locale, typed
        self.retry.label = t(locale, "meetings.modal.retry")

    @discord.ui.button(label="retry", style=discord.ButtonStyle.primary)
    async def retry(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_modal(CreateModal(self.draft, self.modal_locale, self.typed))


def calendar_names(guild: discord.Guild | None) -> CalendarNames:
    """The club's name and its channels' readable names (``#general``, a voice channel's
    own name) for the calendar file."""
    if guild is None:
        return CalendarNames()
    channels = {
        c.id: c.name if isinstance(c, discord.VoiceChannel | discord.StageChannel) else f"#{c.name}"
        for c in guild.channels
    }
    return CalendarNames(club=guild.name, channels=channels)


class MeetingsCog(commands.Cog):
    """Meetings: ``/meeting`` for moderators, ``/meetings`` for members."""

    meeting = app_commands.Group(
        name=_("meeting"),
        description=_("Plan and manage the club's meetings (moderators)"),
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )
    meetings = app_commands.Group(
        name=_("meetings"), description=_("The club's meetings: list, calendar, agenda topics"), guild_only=True
    )

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(RsvpButton, RemindButton, VoteButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(RsvpButton, RemindButton, VoteButton)

    # --- autocomplete --------------------------------------------------------------------

    async def meeting_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        found = await service_of(interaction).suggest(await actor_of(interaction), current)
        return [app_commands.Choice(name=name, value=value) for name, value in found]

    # --- moderators ----------------------------------------------------------------------

    @meeting.command(name=_("create"), description=_("Plan a meeting (a modal then asks for its title and agenda)"))
    @app_commands.rename(starts=_("starts"), duration=_("duration"), location=_("location"), channel=_("channel"),
                         repeat=_("repeat"), reminders=_("reminders"), repeat_on=_("repeat_on"))
    @app_commands.describe(
        starts=_("When it starts, in the club's time zone (e.g. 2027-03-16 18:00, next tuesday 6pm)"),
        duration=_("How long (e.g. 90m, 2h; default 1h)"),
        location=_("Where: a link, an address or a voice channel"),
        channel=_("Where to announce it (default: the meetings channel)"),
        repeat=_("Repeat the meeting"),
        reminders=_("Reminders before the start (default 24h,1h; 'none' for none)"),
        repeat_on=_("Monthly and longer: the same date, or the same weekday of the month"),
    )
    @app_commands.choices(repeat=REPEAT_CHOICES, repeat_on=REPEAT_ON_CHOICES)
    async def create(
        self,
        interaction: discord.Interaction,
        starts: app_commands.Range[str, 1, 100],
        duration: app_commands.Range[str, 1, 30] | None = None,
        location: app_commands.Range[str, 1, 100] | None = None,
        channel: discord.TextChannel | None = None,
        repeat: app_commands.Choice[str] | None = None,
        reminders: app_commands.Range[str, 1, 100] | None = None,
        repeat_on: app_commands.Choice[str] | None = None,
    ) -> None:
        draft = await service_of(interaction).prepare(
            await actor_of(interaction),
            starts=starts,
            duration=duration,
            location=location,
            channel_id=channel.id if channel else None,
            repeat=repeat.value if repeat else None,
            reminders=reminders,
            repeat_on=repeat_on.value if repeat_on else None,
        )
        await interaction.response.send_modal(CreateModal(draft, await locale_for(interaction)))

    @create.autocomplete("location")
    async def location_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Voice and stage channels of the server, then what was typed."""
        choices = []
        if current.strip():
            choices.append(app_commands.Choice(name=shorten(current, 100), value=shorten(current, 100)))
        guild = interaction.guild
        if guild is not None:
            needle = current.strip().lower()
            for chan in [*guild.voice_channels, *guild.stage_channels]:
                if needle in chan.name.lower() or not needle:
                    choices.append(app_commands.Choice(name=shorten(f"🔊 {chan.name}", 100), value=f"<#{chan.id}>"))
        return choices[:25]

    @meeting.command(name=_("list"), description=_("Upcoming meetings with their answers"))
    async def mod_list(self, interaction: discord.Interaction) -> None:
        found = await service_of(interaction).list_upcoming(await actor_of(interaction))
        locale = await locale_for(interaction)
        if not found:
            await respond(interaction, t(locale, "meetings.list.empty"))
            return
        lines = []
        for row in found:
            occ = row.occurrence
            line = (f"**{plain(shorten(occ.title, 100))}** · {render.when_text(occ)} · <#{occ.thread_id or occ.channel_id}>\n"
                    f"{render.counts_text(locale, row.counts)}")
            if row.reminders_sent:
                line += "\n" + t(locale, "meetings.list.reminders", count=row.reminders_sent,
                                  delivered=row.dms_delivered, failed=row.dms_failed)
            lines.append(line)
        embed = discord.Embed(title=t(locale, "meetings.list.title"), description=shorten("\n".join(lines), 4096))
        await respond(interaction, embed=embed)

    @meeting.command(name=_("edit"), description=_("Change a meeting's time, duration, location, title or agenda"))
    @app_commands.rename(meeting=_("meeting"), starts=_("starts"), duration=_("duration"), location=_("location"),
                         title=_("title"), agenda=_("agenda"), scope=_("scope"))
    @app_commands.describe(meeting=_("The meeting"), starts=_("New time, in the club's time zone"),
                           duration=_("New duration (e.g. 90m)"), location=_("New location"), title=_("New title"),
                           agenda=_("New agenda"), scope=_("This occurrence only, or the whole series"))
    @app_commands.choices(scope=SCOPE_CHOICES)
    async def edit(
        self,
        interaction: discord.Interaction,
        meeting: str,
        starts: app_commands.Range[str, 1, 100] | None = None,
        duration: app_commands.Range[str, 1, 30] | None = None,
        location: app_commands.Range[str, 1, 100] | None = None,
        title: app_commands.Range[str, 1, 200] | None = None,
        agenda: app_commands.Range[str, 1, 3000] | None = None,
        scope: app_commands.Choice[str] | None = None,
    ) -> None:
        actor = await actor_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await service_of(interaction).edit(
            actor, meeting, starts=starts, duration=duration,
            location=location, title=title, agenda=agenda, scope=scope.value if scope else "occurrence",
        )
        locale = await locale_for(interaction)
        fields = ", ".join(t(locale, f"field.meetings.{n}") for n in result.changed)
        text = t(locale, "meetings.edited", fields=fields)
        if result.time_changed:
            text += "\n" + t(locale, "meetings.edited_notified", sent=result.notified.sent, failed=result.notified.failed)
        await respond(interaction, text)

    @meeting.command(name=_("cancel"), description=_("Cancel one meeting or its whole series"))
    @app_commands.rename(meeting=_("meeting"), scope=_("scope"))
    @app_commands.describe(meeting=_("The meeting"), scope=_("This occurrence only, or the whole series"))
    @app_commands.choices(scope=SCOPE_CHOICES)
    async def cancel(self, interaction: discord.Interaction, meeting: str, scope: app_commands.Choice[str] | None = None) -> None:
        actor = await actor_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await service_of(interaction).cancel(actor, meeting, scope.value if scope else "occurrence")
        locale = await locale_for(interaction)
        text = t(locale, "meetings.cancel_done", count=len(result.cancelled), sent=result.notified.sent,
                 failed=result.notified.failed)
        if result.next_occurrence is not None:
            text += "\n" + t(locale, "meetings.cancel_next", when=render.when_text(result.next_occurrence))
        await respond(interaction, text)

    @meeting.command(name=_("attendees"), description=_("Who answered what (with a CSV or Excel file)"))
    @app_commands.rename(meeting=_("meeting"), file_format=_("format"))
    @app_commands.describe(meeting=_("The meeting"), file_format=FORMAT_DESCRIPTION)
    @app_commands.choices(file_format=format_choices())
    async def attendees(
        self, interaction: discord.Interaction, meeting: str, file_format: app_commands.Choice[str] | None = None
    ) -> None:
        actor = await actor_of(interaction)
        fmt = file_format.value if file_format else "csv"
        result = await service_of(interaction).attendees(actor, meeting, fmt)
        locale = await locale_for(interaction)
        nobody = t(locale, "meetings.attendees.nobody")
        lines = []
        for status, ids in (("going", result.going), ("maybe", result.maybe), ("no", result.no)):
            people = ", ".join(f"<@{i}>" for i in ids) or nobody
            lines.append(t(locale, "meetings.attendees.line", label=t(locale, f"meetings.status.{status}"),
                           count=len(ids), people=people))
        embed = discord.Embed(
            title=shorten(t(locale, "meetings.attendees.title", title=result.occurrence.title), 256),
            description=shorten("\n".join(lines), 4096),
        )
        await respond(interaction, embed=embed, files=to_files((result.file,)))

    @meeting.command(name=_("agenda"), description=_("Proposed topics ranked by votes"))
    @app_commands.rename(meeting=_("meeting"))
    @app_commands.describe(meeting=_("The meeting"))
    async def agenda(self, interaction: discord.Interaction, meeting: str) -> None:
        occ, ranked = await service_of(interaction).agenda(await actor_of(interaction), meeting)
        locale = await locale_for(interaction)
        lines = [
            t(locale, "meetings.agenda.line", rank=r.rank, text=plain(shorten(r.text, 300)), votes=r.votes, author=r.author_id)
            for r in ranked
        ] or [t(locale, "meetings.agenda.empty")]
        embed = discord.Embed(
            title=shorten(t(locale, "meetings.agenda.title", title=occ.title), 256), description=shorten("\n".join(lines), 4096)
        )
        await respond(interaction, embed=embed)

    for _command in (edit, cancel, attendees, agenda):
        _command.autocomplete("meeting")(meeting_autocomplete)
    del _command

    # --- members -------------------------------------------------------------------------

    @meetings.command(name=_("list"), description=_("Upcoming meetings and your answers"))
    async def member_list(self, interaction: discord.Interaction) -> None:
        found = await service_of(interaction).member_upcoming(await actor_of(interaction))
        locale = await locale_for(interaction)
        if not found:
            await respond(interaction, t(locale, "meetings.list.empty"))
            return
        lines = []
        for occ, status in found:
            mine = t(locale, "meetings.list.mine", status=t(locale, f"meetings.status.{status}")) if status else t(
                locale, "meetings.list.none"
            )
            link = render.jump_url(occ.guild_id, occ.channel_id, occ.message_id)
            lines.append(f"**[{plain(shorten(occ.title, 100))}]({link})** · {render.when_text(occ)} · {mine}")
        embed = discord.Embed(title=t(locale, "meetings.list.title"), description=shorten("\n".join(lines), 4096))
        await respond(interaction, embed=embed)

    @meetings.command(name=_("calendar"), description=_("Download the upcoming meetings as a calendar file (.ics)"))
    async def calendar(self, interaction: discord.Interaction) -> None:
        actor = await actor_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        file = await service_of(interaction).calendar(actor, calendar_names(interaction.guild))
        key = "meetings.calendar" if b"BEGIN:VEVENT" in file.data else "meetings.calendar_empty"
        await respond(interaction, await self._tr(interaction, key), files=to_files((file,)))

    @meetings.command(name=_("propose"), description=_("Propose a topic for a meeting's agenda"))
    @app_commands.rename(meeting=_("meeting"), topic=_("topic"))
    @app_commands.describe(meeting=_("The meeting"), topic=_("The topic you propose"))
    async def propose(self, interaction: discord.Interaction, meeting: str, topic: app_commands.Range[str, 1, 1000]) -> None:
        actor = await actor_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await service_of(interaction).propose(actor, meeting, topic)
        await respond(interaction, await self._tr(interaction, "meetings.proposed"))

    propose.autocomplete("meeting")(meeting_autocomplete)

    async def _tr(self, interaction: discord.Interaction, key: str, **params: Any) -> str:
        return t(await locale_for(interaction), key, **params)


__all__ = ["MeetingsCog", "RsvpButton", "RemindButton", "VoteButton"]


async def setup(bot: commands.Bot) -> None:
    """Extension entry point."""
    await bot.add_cog(MeetingsCog(bot))
