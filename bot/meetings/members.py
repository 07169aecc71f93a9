"""Members and meetings: RSVP, Remind me, agenda topics and their votes, the upcoming list,
the calendar file — and what moderators see of the answers (``/meeting list``,
``attendees``, ``agenda``).

A click answers the member first; the live count on the announcement or the topic
follows through :meth:`Members.refresh_announcement` / :meth:`Members.refresh_topic`
(docs/architecture.md, "Live messages").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot import export
from bot.actor import Actor, use_case
from bot.errors import Conflict, InvalidInput, NotFound
from bot.i18n import t
from bot.meetings import render, store
from bot.meetings.core import MeetingsCore
from bot.meetings.ical import CalendarNames, SeriesEntry, build_calendar
from bot.meetings.rules import (
    RSVP_STATUSES,
    RankedTopic,
    RsvpCounts,
    parse_id,
    rank_topics,
    require_rsvp_open,
    require_scheduled,
    require_topics_open,
    require_votes_open,
    to_local,
    validate_topic,
)
from bot.meetings.store import Occurrence, Topic
from bot.ports import File
from bot.text import shorten

CALENDAR_HORIZON = timedelta(days=366)
MODERATOR_LIST = 25
"""How many upcoming meetings ``/meeting list`` shows."""


@dataclass(frozen=True)
class RsvpResult:
    """A member's state after a click: ``status`` (or ``None``), ``remind``, live ``counts``."""

    occurrence: Occurrence
    status: str | None
    remind: bool
    counts: RsvpCounts


@dataclass(frozen=True)
class ModeratorRow:
    """One line of ``/meeting list``: the occurrence, its answers, reminders sent so far and
    their DMs delivered / failed (DMs closed…)."""

    occurrence: Occurrence
    counts: RsvpCounts
    reminders_sent: int
    dms_delivered: int
    dms_failed: int


@dataclass(frozen=True)
class Attendees:
    """Who answered what, and the same as a CSV or Excel ``file``."""

    occurrence: Occurrence
    going: list[int]
    maybe: list[int]
    no: list[int]
    file: File


class Members(MeetingsCore):
    """What members do with meetings, and what moderators see of it."""

    # --- answers -------------------------------------------------------------------------

    @use_case("member")
    async def rsvp(self, actor: Actor, occurrence_id: int | str, status: str, *, refresh: bool = True) -> RsvpResult:
        """Record ``actor``'s answer (``going``/``maybe``/``no``) and, unless ``refresh`` is
        false (the cog answers the member first, then calls :meth:`refresh_announcement`),
        show the live counts on the announcement.

        Raises ``InvalidInput`` (status), ``NotFound``, or ``Conflict`` once the meeting has
        started/ended/been cancelled.
        """
        if status not in RSVP_STATUSES:
            raise InvalidInput("meetings.error.rsvp_status", field="meetings.status")
        occ = await self._occurrence(None, occurrence_id)
        require_rsvp_open(occ.status, occ.starts_at, self.clock.now())
        await store.set_rsvp(self.db, occ.id, actor.user_id, status, self.clock.now())
        if refresh:
            await self._show(occ)
        mine = await store.get_rsvp(self.db, occ.id, actor.user_id)
        return RsvpResult(occ, status, bool(mine and mine.remind), await self._counts(occ.id))

    @use_case("member")
    async def toggle_remind(self, actor: Actor, occurrence_id: int | str) -> RsvpResult:
        """Switch ``actor``'s Remind me (DM at each reminder). Needs an RSVP first
        (``Conflict`` otherwise); ``NotFound``; ``Conflict`` once the meeting is no longer
        scheduled."""
        occ = await self._occurrence(None, occurrence_id)
        require_scheduled(occ.status)
        mine = await store.get_rsvp(self.db, occ.id, actor.user_id)
        if mine is None:
            raise Conflict("meetings.error.rsvp_first")
        await store.set_remind(self.db, occ.id, actor.user_id, not mine.remind, self.clock.now())
        return RsvpResult(occ, mine.status, not mine.remind, await self._counts(occ.id))

    @use_case("member")
    async def refresh_announcement(self, actor: Actor, occurrence_id: int) -> None:
        """Show the current counts on an occurrence's announcement, after ``actor``'s click
        was answered. Debounced per meeting: a burst of clicks makes at most two edits."""
        await self._announcements.request(str(occurrence_id))

    @use_case("member")
    async def refresh_topic(self, actor: Actor, topic_id: int) -> None:
        """Show the current vote count on a topic's message, after ``actor``'s click was
        answered. Debounced per topic: a burst of clicks makes at most two edits."""
        await self._topics.request(str(topic_id))

    @use_case("member")
    async def member_upcoming(self, actor: Actor, limit: int = 25) -> list[tuple[Occurrence, str | None]]:
        """Upcoming (or running) meetings of ``actor``'s guild with their answer (``None``
        if none), soonest first. ``CercleError('error.guild_only')`` in a DM."""
        occs = await store.upcoming(self.db, actor.guild(), self.clock.now(), limit)
        mine = await store.rsvps_of_user(self.db, actor.user_id, [o.id for o in occs])
        return [(o, mine[o.id].status if o.id in mine else None) for o in occs]

    @use_case("member")
    async def suggest(self, actor: Actor, query: str = "", limit: int = 25) -> list[tuple[str, str]]:
        """Autocomplete choices ``(name, value)`` for upcoming meetings of ``actor``'s guild
        matching ``query`` (name ≤ 100 chars, Discord; the date in the club's zone)."""
        club = await self.ctx.club.get(actor.guild())
        needle = (query or "").strip().lower()
        found = []
        for occ in await store.upcoming(self.db, club.guild_id, self.clock.now(), 100):
            local = to_local(occ.starts_at, occ.timezone or club.timezone)
            name = f"{local.strftime('%Y-%m-%d %H:%M')} · {' '.join(occ.title.split())}"
            if needle and needle not in name.lower() and needle != str(occ.id):
                continue
            found.append((shorten(name, 100), str(occ.id)))
            if len(found) >= limit:
                break
        return found

    @use_case("member")
    async def calendar(self, actor: Actor, names: CalendarNames | None = None) -> File:
        """An ``.ics`` file of the meetings of ``actor``'s guild (:mod:`bot.meetings.ical`):
        one event per series — a recurring series with its rule and every stored occurrence
        as an override (moved, cancelled) — series cancelled or one-offs ended within the
        last :data:`CALENDAR_HORIZON` included; ``names`` gives the club's and the channels'
        names (ids otherwise)."""
        guild_id = actor.guild()
        now = self.clock.now()
        entries = [
            SeriesEntry(series, await store.occurrences_of_series(self.db, series.id))
            for series in await store.calendar_series(self.db, guild_id, now - CALENDAR_HORIZON)
        ]
        return File("cercle-meetings.ics", build_calendar(entries, now=now, names=names), "iCalendar")

    # --- agenda topics -------------------------------------------------------------------

    @use_case("member")
    async def propose(self, actor: Actor, occurrence_id: int | str, text: str) -> Topic:
        """Post ``actor``'s agenda topic in the meeting's thread with an upvote button.

        Raises ``InvalidInput`` (topic 1–500 chars), ``NotFound`` (naming the meeting
        field), ``Conflict`` once the meeting ended or if the thread cannot be posted in.
        """
        guild_id = actor.guild()
        text = validate_topic(text)
        occ = await self._occurrence(guild_id, occurrence_id)
        require_topics_open(occ.status)
        topic_id = await store.insert_topic(self.db, occ.id, actor.user_id, text, self.clock.now())
        topic = await store.get_topic(self.db, topic_id)
        assert topic is not None
        message_id = await self._post_thread(occ, render.topic_message(await self._locale(guild_id), topic))
        if message_id is None:
            await store.delete_topic(self.db, topic_id)
            raise Conflict("meetings.error.thread_unavailable")
        await store.set_topic_message(self.db, topic_id, message_id)
        posted = await store.get_topic(self.db, topic_id)
        assert posted is not None
        return posted

    @use_case("member")
    async def vote(self, actor: Actor, topic_id: int | str, *, refresh: bool = True) -> tuple[Topic, bool]:
        """Upvote a topic as ``actor``, or take the vote back on a second click; refreshes
        the button count unless ``refresh`` is false (then call :meth:`refresh_topic` after
        answering).

        Returns the topic and whether the member's vote now counts. Raises ``NotFound``,
        ``Conflict`` once the meeting has ended or was cancelled.
        """
        tid = parse_id(topic_id)
        topic = None if tid is None else await store.get_topic(self.db, tid)
        if tid is None or topic is None:
            raise NotFound("meetings.error.topic_not_found")
        occ = await self._occurrence(None, topic.occurrence_id)
        require_votes_open(occ.status)
        voted = await store.toggle_vote(self.db, tid, actor.user_id)
        topic = await store.get_topic(self.db, tid)
        assert topic is not None
        if refresh:
            await self._topics.request(str(tid))
        return topic, voted

    # --- what moderators see -------------------------------------------------------------

    @use_case("moderator")
    async def list_upcoming(self, actor: Actor) -> list[ModeratorRow]:
        """Upcoming meetings of ``actor``'s guild with their answers and how the reminder
        DMs went so far (failures are reported to moderators, docs/architecture.md,
        "Direct messages"). Raises ``Forbidden``."""
        rows = []
        for occ in await store.upcoming(self.db, actor.guild(), self.clock.now(), MODERATOR_LIST):
            totals = await store.reminder_totals(self.db, occ.id)
            rows.append(ModeratorRow(occ, await self._counts(occ.id), totals.sent, totals.delivered, totals.failed))
        return rows

    @use_case("moderator")
    async def agenda(self, actor: Actor, occurrence_id: int | str) -> tuple[Occurrence, list[RankedTopic]]:
        """The proposed topics ranked by votes. Raises ``Forbidden``, ``NotFound``."""
        occ = await self._occurrence(actor.guild(), occurrence_id)
        topics = await store.topics(self.db, occ.id)
        return occ, rank_topics((t.id, t.text, t.author_id, t.votes, t.created_at) for t in topics)

    @use_case("moderator")
    async def attendees(self, actor: Actor, occurrence_id: int | str, fmt: str = "csv") -> Attendees:
        """Who answered what, with a ``fmt`` file (``csv`` or ``xlsx``, :mod:`bot.export`, in
        the club's language): member (a Discord id), answer, DM reminder (yes/no). Raises
        ``Forbidden``, ``NotFound``, ``InvalidInput`` for another format."""
        checked = export.check_format(fmt)
        club = await self.ctx.club.get(actor.guild())
        occ = await self._occurrence(club.guild_id, occurrence_id)
        answers = await store.rsvps(self.db, occ.id)
        lang = club.locale
        columns = [
            export.Column(t(lang, "meetings.export.member"), "member"),
            export.Column(t(lang, "meetings.export.answer")),
            export.Column(t(lang, "meetings.export.remind"), "yes_no"),
        ]
        rows: list[list[export.Cell]] = [[r.user_id, t(lang, f"meetings.status.{r.status}"), r.remind] for r in answers]
        table = export.Table(f"meeting-{occ.id}-attendees", t(lang, "meetings.export.sheet"), columns, rows)
        return Attendees(
            occ,
            [r.user_id for r in answers if r.status == "going"],
            [r.user_id for r in answers if r.status == "maybe"],
            [r.user_id for r in answers if r.status == "no"],
            export.write(table, checked, locale=lang, timezone=club.timezone),
        )
