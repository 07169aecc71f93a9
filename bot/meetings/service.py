"""Use-cases of meetings: create, RSVP, remind, start, end, edit, cancel, agenda, calendar.

The service speaks ids and dataclasses (never discord objects). Scheduled work goes
scheduler → service → port: each handler re-reads its row, checks the instant and claims
an idempotency key (``meetings:{occurrence}:reminder:{offset}`` …) before any side effect,
so reconnects, restarts and a second process never act twice (docs/architecture.md, "Scheduler").

Occurrences of a recurring series are announced one at a time: the next one is announced
when the current one ends or is cancelled. Every occurrence is mirrored as a one-off
Discord scheduled event (Discord cannot express quarterly/semiannual rules).
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.actor import Actor as Acting
from bot.clock import from_ts, to_ts
from bot.context import AppContext, Feature
from bot.errors import Conflict, InvalidInput, NotFound
from bot.fanout import Delivery, FanOutResult, JobState, dm_rate
from bot.i18n import t
from bot.meetings import render, store
from bot.meetings.rules import (
    ARCHIVE_AFTER,
    DEFAULT_DURATION,
    DEFAULT_REMINDERS,
    RRULES,
    RSVP_STATUSES,
    Location,
    RankedTopic,
    RsvpCounts,
    announce_key,
    archive_key,
    count_rsvps,
    end_key,
    format_local,
    parse_id,
    parse_local,
    parse_location,
    parse_start,
    rank_topics,
    reminder_decision,
    reminder_key,
    split_reminders,
    start_key,
    to_local,
    validate_agenda,
    validate_duration,
    validate_reminder_offsets,
    validate_repeat,
    validate_title,
    validate_topic,
)
from bot.meetings.store import Occurrence, Series, Topic
from bot.ports import DeliveryError, File, OutMessage
from bot.text import plain, shorten
from bot.timeparse import parse_duration

log = logging.getLogger(__name__)

KIND_REMINDER = "meetings.reminder"
KIND_START = "meetings.start"
KIND_END = "meetings.end"
KIND_ARCHIVE = "meetings.archive"
# Durable DM fan-outs (bot.fanout.Outbox), resumed at start when a restart interrupted them.
JOB_REMINDER = "meetings.reminder"  # meetings.reminder:{occurrence}:{offset}:{start}, payload starts_at + late
JOB_MOVED = "meetings.moved"  # meetings.moved:{occurrence}:{old start}:{new start}
JOB_CANCELLED = "meetings.cancelled"  # meetings.cancelled:{occurrence}
CALENDAR_HORIZON = timedelta(days=366)
CALENDAR_MAX_EVENTS = 200

EndedHook = Callable[[int, Occurrence, list[int]], Awaitable[None]]


async def _no_hook(guild_id: int, occurrence: Occurrence, attendee_ids: list[int]) -> None:
    return None


@dataclass(frozen=True)
class Actor:
    """Who acts: ``user_id``, and what makes a moderator (Manage Server, their role ids)."""

    user_id: int
    manage_guild: bool = False
    role_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Draft:
    """Validated options of ``/meeting create`` (before the title/agenda modal).

    ``starts_at`` is UTC-aware; ``local_start`` is its naive wall-clock time in ``timezone``.
    """

    guild_id: int
    channel_id: int
    starts_at: datetime
    local_start: datetime
    timezone: str
    duration_s: int
    location: Location
    repeat: str
    reminders: tuple[int, ...]


@dataclass(frozen=True)
class CreateResult:
    """A created meeting: its first ``occurrence`` and whether the scheduled event exists
    (``event_note`` says why not: ``forbidden``, ...)."""

    occurrence: Occurrence
    event_created: bool
    event_note: str | None


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
    """Who answered what, and the same as a CSV ``file``."""

    occurrence: Occurrence
    going: list[int]
    maybe: list[int]
    no: list[int]
    file: File


@dataclass(frozen=True)
class EditResult:
    """What an edit changed (field names), whether the time moved, how the DMs went."""

    occurrence: Occurrence
    changed: list[str]
    time_changed: bool
    notified: FanOutResult
    updated: int = 1


@dataclass(frozen=True)
class CancelResult:
    """Cancelled occurrences, how the DMs went, the next announced occurrence (if any)."""

    cancelled: list[Occurrence]
    notified: FanOutResult
    series: bool
    next_occurrence: Occurrence | None = None


@dataclass
class MeetingsService:
    """Meetings for every guild of one process. ``on_meeting_ended(guild_id, occurrence,
    going_ids)`` is awaited after each meeting ends (the post-meeting survey hook; default
    no-op; its errors are logged, never fatal)."""

    ctx: AppContext
    on_meeting_ended: EndedHook = field(default=_no_hook)
    _dirty: dict[str, bool] = field(default_factory=dict, init=False, repr=False)

    # --- helpers -------------------------------------------------------------------------

    @property
    def db(self):  # noqa: D401 - shortcut
        """The database."""
        return self.ctx.db

    async def _locale(self, guild_id: int) -> str:
        return (await self.ctx.club.get(guild_id)).locale

    async def _require_moderator(self, guild_id: int, actor: Actor) -> None:
        await self.ctx.club.require_moderator(
            Acting(actor.user_id, guild_id, manage_guild=actor.manage_guild, role_ids=tuple(actor.role_ids))
        )

    async def _occurrence(self, guild_id: int | None, occurrence_id: int | str) -> Occurrence:
        # With ``guild_id`` the id was typed in a command's ``meeting`` option: the refusal
        # names that field; without, it comes from a button of a meeting that may be gone.
        missing = (
            NotFound("meetings.error.not_found") if guild_id is None
            else NotFound("meetings.error.no_such_meeting", field="meetings.meeting")
        )
        oid = parse_id(occurrence_id)  # out of SQLite's range ("99999999999999999999999") → not found
        if oid is None:
            raise missing
        occ = await store.get_occurrence(self.db, oid)
        if occ is None or (guild_id is not None and occ.guild_id != guild_id):
            raise missing
        return occ

    async def _counts(self, occurrence_id: int) -> RsvpCounts:
        return count_rsvps(r.status for r in await store.rsvps(self.db, occurrence_id))

    async def _refresh_announcement(self, occ: Occurrence) -> None:
        if occ.message_id is None:
            return
        locale = await self._locale(occ.guild_id)
        message = render.announcement(locale, occ, await self._counts(occ.id))
        try:
            await self.ctx.port.edit_message(occ.channel_id, occ.message_id, message)
        except DeliveryError as exc:
            log.warning("meeting %s: announcement not updated (%s)", occ.id, exc.reason)

    async def _post_thread(self, occ: Occurrence, message: OutMessage) -> int | None:
        """Post in the meeting's thread (the port unarchives it), else in its channel."""
        target = occ.thread_id or occ.channel_id
        try:
            return await self.ctx.port.send_message(target, message)
        except DeliveryError as exc:
            log.warning("meeting %s: thread post failed (%s)", occ.id, exc.reason)
            return None

    async def _notify(self, occ: Occurrence, job: str, statuses: tuple[str, ...]) -> FanOutResult:
        """DM members who answered with one of ``statuses``, paced; failures counted. The list
        is written to the outbox first (job ``job``, whose factory renders the message from
        the occurrence's row), so a restart in the middle finishes the notice at start."""
        recipients = [r.user_id for r in await store.rsvps(self.db, occ.id) if r.status in statuses]
        if not recipients:
            return FanOutResult()
        outbox = self.ctx.outbox
        if not await outbox.enqueue(job, occ.guild_id, recipients):
            log.info("meeting %s: the same notice is already being sent", occ.id)
            return FanOutResult()
        prefix, _, ref = job.partition(":")
        factory = self._moved_delivery if prefix == JOB_MOVED else self._cancelled_delivery
        state = await outbox.state(job)
        delivery = None if state is None else await factory(ref, state)
        if delivery is None:
            await outbox.forget(job)
            return FanOutResult()
        result, _ = await outbox.run(job, delivery, rate=dm_rate(self.ctx.fanout_rate), sleep=self.ctx.sleep)
        return result

    def _dm_delivery(self, message: OutMessage) -> Delivery:
        async def send(user_id: int) -> None:
            await self.ctx.port.send_dm(user_id, message)

        return Delivery(send)

    @staticmethod
    def _moved_text(locale: str, occ: Occurrence, old_ts: int) -> str:
        return t(
            locale, "meetings.moved", title=plain(shorten(occ.title, 200)),
            old=f"<t:{old_ts}:F>", new=render.when_text(occ),
        )

    async def _moved_delivery(self, ref: str, state: JobState) -> Delivery | None:
        """The "meeting moved" DM of ``ref`` = ``{occurrence}:{old start}:{new start}``;
        ``None`` when the occurrence has since moved again or is no longer scheduled."""
        oid, old_ts, new_ts = (int(p) for p in ref.split(":"))
        occ = await store.get_occurrence(self.db, oid)
        if occ is None or occ.status != "scheduled" or to_ts(occ.starts_at) != new_ts:
            return None
        return self._dm_delivery(OutMessage(content=self._moved_text(await self._locale(occ.guild_id), occ, old_ts)))

    @staticmethod
    def _cancelled_text(locale: str, occ: Occurrence) -> str:
        return t(locale, "meetings.cancelled", title=plain(shorten(occ.title, 200)), when=render.when_text(occ))

    async def _cancelled_delivery(self, ref: str, state: JobState) -> Delivery | None:
        """The "meeting cancelled" DM of occurrence ``ref``; ``None`` unless it is cancelled."""
        occ = await store.get_occurrence(self.db, int(ref))
        if occ is None or occ.status != "cancelled":
            return None
        return self._dm_delivery(OutMessage(content=self._cancelled_text(await self._locale(occ.guild_id), occ)))

    # --- create --------------------------------------------------------------------------

    async def prepare(
        self,
        guild_id: int,
        actor: Actor,
        *,
        starts: str,
        duration: str | None = None,
        location: str | None = None,
        channel_id: int | None = None,
        repeat: str | None = None,
        reminders: str | None = None,
    ) -> Draft:
        """Validate the options of ``/meeting create`` (moderators only) before the modal.

        ``starts`` is typed in the club's zone and language; ``duration`` like ``90m``
        (default 1 h, 5 min–3 days); ``reminders`` like ``24h,1h`` (default; ``none`` for
        none; ≤ 5, each ≤ 30 days). Raises ``Forbidden``, or ``InvalidInput`` naming the field.
        """
        await self._require_moderator(guild_id, actor)
        club = await self.ctx.club.get(guild_id)
        now = self.ctx.clock.now()
        starts_at = parse_start(starts, zone=club.timezone, locale=club.locale, now=now)
        if duration and duration.strip():
            delta = validate_duration(parse_duration(duration, field="meetings.duration", locale=club.locale))
        else:
            delta = DEFAULT_DURATION
        place = parse_location(location)
        chosen = validate_repeat(repeat)
        parts = split_reminders(reminders)
        if parts is None:
            parts = split_reminders(DEFAULT_REMINDERS) or []
        offsets = validate_reminder_offsets(
            [parse_duration(p, field="meetings.reminders", locale=club.locale) for p in parts]
        )
        target = channel_id or club.meetings_channel_id
        if target is None:
            raise InvalidInput("meetings.error.no_channel", field="meetings.channel")
        if not await self.ctx.port.can_post(target):
            raise InvalidInput("meetings.error.cannot_post", field="meetings.channel", channel=f"<#{target}>")
        return Draft(
            guild_id=guild_id,
            channel_id=target,
            starts_at=starts_at,
            local_start=to_local(starts_at, club.timezone),
            timezone=club.timezone,
            duration_s=int(delta.total_seconds()),
            location=place,
            repeat=chosen,
            reminders=offsets,
        )

    async def create(self, draft: Draft, actor: Actor, *, title: str, agenda: str | None = None) -> CreateResult:
        """Store the series and its first occurrence, post the announcement, open its thread,
        mirror it as a scheduled event (``DeliveryError('forbidden')`` → noted, not fatal) and
        arm its reminders. Raises ``Forbidden``, ``InvalidInput`` (title ≤ 200, agenda ≤ 3000)."""
        await self._require_moderator(draft.guild_id, actor)
        title = validate_title(title)
        agenda_text = validate_agenda(agenda)
        now = self.ctx.clock.now()
        if draft.starts_at <= now:
            raise InvalidInput("error.time_in_past", field="meetings.starts")
        series_id = await store.insert_series(
            self.db,
            guild_id=draft.guild_id,
            channel_id=draft.channel_id,
            organiser_id=actor.user_id,
            title=title,
            agenda=agenda_text,
            location=draft.location,
            local_start=format_local(draft.local_start),
            timezone=draft.timezone,
            repeat=draft.repeat,
            rrule=RRULES[draft.repeat],  # type: ignore[index]
            duration_s=draft.duration_s,
            reminders=draft.reminders,
            now=now,
        )
        series = await store.get_series(self.db, series_id)
        assert series is not None
        occ = await self._materialise(series, draft.local_start, draft.starts_at)
        if occ is None:  # pragma: no cover - a brand-new series has no rows
            raise Conflict("meetings.error.not_found")
        try:
            occ = await self._publish(occ)
        except DeliveryError:
            await self.db.execute("DELETE FROM meeting_series WHERE id = ?", (series_id,))
            raise InvalidInput("meetings.error.cannot_post", field="meetings.channel", channel=f"<#{draft.channel_id}>") from None
        await self.ctx.club.audit(draft.guild_id, actor.user_id, "meetings.create", f"occurrence={occ.id} {title[:200]}")
        return CreateResult(occ, occ.event_id is not None, occ.event_note)

    async def _materialise(self, series: Series, local: datetime, starts_at: datetime) -> Occurrence | None:
        oid = await store.insert_occurrence(
            self.db,
            series=series,
            recurrence_local=format_local(local),
            starts_at=starts_at,
            ends_at=starts_at + timedelta(seconds=series.duration_s),
            now=self.ctx.clock.now(),
        )
        return None if oid is None else await store.get_occurrence(self.db, oid)

    async def _publish(self, occ: Occurrence) -> Occurrence:
        """Post the announcement, open the thread, create the event, arm the jobs.

        Raises ``DeliveryError`` when the announcement cannot be posted.
        """
        locale = await self._locale(occ.guild_id)
        message_id = await self.ctx.port.send_message(occ.channel_id, render.announcement(locale, occ, RsvpCounts()))
        await store.update_occurrence(self.db, occ.id, message_id=message_id)
        try:
            thread_id = await self.ctx.port.create_thread(occ.channel_id, message_id, render.thread_name(occ.title))
            await store.update_occurrence(self.db, occ.id, thread_id=thread_id)
        except DeliveryError as exc:
            log.warning("meeting %s: no thread (%s)", occ.id, exc.reason)
        try:
            event_id = await self.ctx.port.create_scheduled_event(occ.guild_id, render.event_spec(occ))
            await store.update_occurrence(self.db, occ.id, event_id=event_id, event_note=None)
        except DeliveryError as exc:
            await store.update_occurrence(self.db, occ.id, event_note=exc.reason)
        fresh = await store.get_occurrence(self.db, occ.id)
        assert fresh is not None
        await self._skip_past_reminders(fresh)
        await self._arm(fresh)
        return fresh

    async def _skip_past_reminders(self, occ: Occurrence) -> None:
        """Reminders already due when a meeting is created or moved are not sent: the
        announcement (or the "moved" DM) is the news. Only downtime gets the late policy."""
        now = self.ctx.clock.now()
        for offset in await store.reminder_offsets(self.db, occ.id):
            if occ.starts_at - timedelta(seconds=offset) <= now:
                await store.mark_reminder(self.db, occ.id, offset, sent_at=now, late=False, dm_sent=0, dm_failed=0)

    async def _arm(self, occ: Occurrence) -> None:
        scheduler = self.ctx.scheduler
        for offset in await store.reminder_offsets(self.db, occ.id):
            row = await store.get_reminder(self.db, occ.id, offset)
            if row is not None and row["sent_at"] is None:
                scheduler.arm(KIND_REMINDER, f"{occ.id}:{offset}", occ.starts_at - timedelta(seconds=offset))
        scheduler.arm(KIND_START, str(occ.id), occ.starts_at)
        scheduler.arm(KIND_END, str(occ.id), occ.ends_at)

    def _disarm(self, occ: Occurrence, offsets: list[int]) -> None:
        for offset in offsets:
            self.ctx.scheduler.disarm(KIND_REMINDER, f"{occ.id}:{offset}")
        self.ctx.scheduler.disarm(KIND_START, str(occ.id))
        self.ctx.scheduler.disarm(KIND_END, str(occ.id))

    async def _announce_next(self, series: Series, after_local: str) -> Occurrence | None:
        """Announce the first occurrence of ``series`` after local ``after_local`` that is
        still to come. Recurrences already stored are skipped when cancelled; one that is
        already announced stops the search (returns ``None``)."""
        if series.rrule is None or series.cancelled_at is not None:
            return None
        now = self.ctx.clock.now()
        local = parse_local(after_local)
        for _ in range(1000):
            found = series.rule.next_after(local)
            if found is None:
                return None
            local, starts_at = found
            existing = await store.occurrence_by_recurrence(self.db, series.id, format_local(local))
            if existing is not None:
                if existing.status in ("cancelled", "ended"):
                    continue
                return None
            if starts_at <= now:
                continue
            if not await self.ctx.scheduler.claim(announce_key(series.id, format_local(local)), series.guild_id):
                return None
            occ = await self._materialise(series, local, starts_at)
            if occ is None:
                return None
            try:
                return await self._publish(occ)
            except DeliveryError as exc:
                log.warning("series %s: next occurrence not announced (%s)", series.id, exc.reason)
                await self._arm(occ)
                return occ
        return None

    # --- members -------------------------------------------------------------------------

    async def _coalesced(self, key: str, work: Callable[[], Awaitable[None]]) -> None:
        """Run ``work`` now, or, if it is already running for ``key``, once more after it:
        a burst of clicks makes at most two edits of one message (Discord allows about
        5 edits per 5 s per channel; a queue of edits would delay every answer)."""
        if key in self._dirty:
            self._dirty[key] = True
            return
        self._dirty[key] = False
        try:
            while True:
                await work()
                if not self._dirty[key]:
                    return
                self._dirty[key] = False
        finally:
            del self._dirty[key]

    async def refresh_announcement(self, occurrence_id: int) -> None:
        """Show the current counts on an occurrence's announcement (coalesced per meeting)."""

        async def work() -> None:
            occ = await store.get_occurrence(self.db, occurrence_id)
            if occ is not None:
                await self._refresh_announcement(occ)

        await self._coalesced(f"announcement:{occurrence_id}", work)

    async def refresh_topic(self, topic_id: int) -> None:
        """Show the current vote count on a topic's message (coalesced per topic)."""

        async def work() -> None:
            topic = await store.get_topic(self.db, topic_id)
            occ = None if topic is None else await store.get_occurrence(self.db, topic.occurrence_id)
            if topic is None or occ is None or topic.message_id is None:
                return
            locale = await self._locale(occ.guild_id)
            try:
                await self.ctx.port.edit_message(
                    occ.thread_id or occ.channel_id, topic.message_id, render.topic_message(locale, topic)
                )
            except DeliveryError as exc:
                log.warning("topic %s: count not updated (%s)", topic_id, exc.reason)

        await self._coalesced(f"topic:{topic_id}", work)

    async def rsvp(self, occurrence_id: int | str, user_id: int, status: str, *, refresh: bool = True) -> RsvpResult:
        """Record a member's answer (``going``/``maybe``/``no``) and, unless ``refresh`` is
        false (the cog answers the member first, then calls :meth:`refresh_announcement`),
        show the live counts on the announcement.

        Raises ``NotFound``, or ``Conflict`` once the meeting has started/ended/been cancelled.
        """
        if status not in RSVP_STATUSES:
            raise InvalidInput("meetings.error.rsvp_status", field="meetings.status")
        occ = await self._occurrence(None, occurrence_id)
        if occ.status != "scheduled" or self.ctx.clock.now() >= occ.starts_at:
            raise Conflict(f"meetings.error.closed_{occ.status}" if occ.status != "scheduled" else "meetings.error.closed_started")
        await store.set_rsvp(self.db, occ.id, user_id, status, self.ctx.clock.now())
        if refresh:
            await self.refresh_announcement(occ.id)
        mine = await store.get_rsvp(self.db, occ.id, user_id)
        return RsvpResult(occ, status, bool(mine and mine.remind), await self._counts(occ.id))

    async def toggle_remind(self, occurrence_id: int | str, user_id: int) -> RsvpResult:
        """Switch the member's Remind me (DM at each reminder). Needs an RSVP first
        (``Conflict`` otherwise); ``Conflict`` once the meeting is no longer scheduled."""
        occ = await self._occurrence(None, occurrence_id)
        if occ.status != "scheduled":
            raise Conflict(f"meetings.error.closed_{occ.status}")
        mine = await store.get_rsvp(self.db, occ.id, user_id)
        if mine is None:
            raise Conflict("meetings.error.rsvp_first")
        await store.set_remind(self.db, occ.id, user_id, not mine.remind, self.ctx.clock.now())
        return RsvpResult(occ, mine.status, not mine.remind, await self._counts(occ.id))

    async def member_upcoming(self, guild_id: int, user_id: int, limit: int = 25) -> list[tuple[Occurrence, str | None]]:
        """Upcoming (or running) meetings with the member's answer (``None`` if none)."""
        occs = await store.upcoming(self.db, guild_id, self.ctx.clock.now(), limit)
        mine = await store.rsvps_of_user(self.db, user_id, [o.id for o in occs])
        return [(o, mine[o.id].status if o.id in mine else None) for o in occs]

    async def suggest(self, guild_id: int, query: str = "", limit: int = 25) -> list[tuple[str, str]]:
        """Autocomplete choices ``(name, value)`` for upcoming meetings matching ``query``
        (name ≤ 100 chars, Discord; the date is shown in the club's zone)."""
        club = await self.ctx.club.get(guild_id)
        needle = (query or "").strip().lower()
        found = []
        for occ in await store.upcoming(self.db, guild_id, self.ctx.clock.now(), 100):
            local = to_local(occ.starts_at, occ.timezone or club.timezone)
            when = local.strftime("%Y-%m-%d %H:%M")
            name = f"{when} · {' '.join(occ.title.split())}"
            if needle and needle not in name.lower() and needle != str(occ.id):
                continue
            found.append((shorten(name, 100), str(occ.id)))
            if len(found) >= limit:
                break
        return found

    async def calendar(self, guild_id: int) -> File:
        """An ``.ics`` file of the coming year's meetings: announced occurrences (with their
        overrides) and the further occurrences of live series (cancelled ones left out)."""
        from bot.meetings.ical import build_calendar

        now = self.ctx.clock.now()
        occs = await store.upcoming(self.db, guild_id, now, CALENDAR_MAX_EVENTS)
        events = list(occs)
        stored_keys = {(o.series_id, o.recurrence_local) for o in occs}
        for series in await store.active_series(self.db, guild_id):
            for stored in await store.occurrences_of_series(self.db, series.id):
                stored_keys.add((series.id, stored.recurrence_local))
            for local, starts_at in series.rule.occurrences(after=to_local(now, series.timezone), limit=60):
                if starts_at > now + CALENDAR_HORIZON or len(events) >= CALENDAR_MAX_EVENTS:
                    break
                if (series.id, format_local(local)) in stored_keys:
                    continue
                events.append(
                    Occurrence(
                        id=0, series_id=series.id, guild_id=guild_id, recurrence_local=format_local(local),
                        starts_at=starts_at, ends_at=starts_at + timedelta(seconds=series.duration_s),
                        title=series.title, agenda=series.agenda, location=series.location, status="scheduled",
                        channel_id=series.channel_id, message_id=None, thread_id=None, event_id=None,
                        event_note=None, archived=False, created_at=now, repeat=series.repeat, timezone=series.timezone,
                    )
                )
        events.sort(key=lambda o: o.starts_at)
        data = build_calendar(events, now=now)
        return File("cercle-meetings.ics", data, "iCalendar")

    async def propose(self, guild_id: int, occurrence_id: int | str, user_id: int, text: str) -> Topic:
        """Post a member's agenda topic in the meeting's thread with an upvote button.

        Raises ``InvalidInput`` (topic 1–500 chars), ``NotFound``, ``Conflict`` after the start.
        """
        text = validate_topic(text)
        occ = await self._occurrence(guild_id, occurrence_id)
        if occ.status not in ("scheduled", "started"):
            raise Conflict(f"meetings.error.closed_{occ.status}")
        topic_id = await store.insert_topic(self.db, occ.id, user_id, text, self.ctx.clock.now())
        topic = await store.get_topic(self.db, topic_id)
        assert topic is not None
        locale = await self._locale(guild_id)
        message_id = await self._post_thread(occ, render.topic_message(locale, topic))
        if message_id is None:
            await store.delete_topic(self.db, topic_id)
            raise Conflict("meetings.error.thread_unavailable")
        await store.set_topic_message(self.db, topic_id, message_id)
        return await store.get_topic(self.db, topic_id)  # type: ignore[return-value]

    async def vote(self, topic_id: int | str, user_id: int, *, refresh: bool = True) -> tuple[Topic, bool]:
        """Upvote a topic, or take the vote back on a second click; refreshes the button count
        unless ``refresh`` is false (then call :meth:`refresh_topic` after answering).

        Returns the topic and whether the member's vote now counts. Raises ``NotFound``,
        ``Conflict`` once the meeting has ended or was cancelled.
        """
        tid = parse_id(topic_id)
        if tid is None:
            raise NotFound("meetings.error.topic_not_found")
        topic = await store.get_topic(self.db, tid)
        if topic is None:
            raise NotFound("meetings.error.topic_not_found")
        occ = await self._occurrence(None, topic.occurrence_id)
        if occ.status in ("ended", "cancelled"):
            raise Conflict(f"meetings.error.closed_{occ.status}")
        voted = await store.toggle_vote(self.db, tid, user_id)
        topic = await store.get_topic(self.db, tid)
        assert topic is not None
        if refresh:
            await self.refresh_topic(tid)
        return topic, voted

    # --- moderators ------------------------------------------------------------------------

    async def list_upcoming(self, guild_id: int, actor: Actor) -> list[ModeratorRow]:
        """Upcoming meetings with their answers and how the reminder DMs went so far
        (failures are reported to moderators, docs/architecture.md, "Direct messages"). Raises ``Forbidden``."""
        await self._require_moderator(guild_id, actor)
        rows = []
        for occ in await store.upcoming(self.db, guild_id, self.ctx.clock.now(), 25):
            sent, delivered, failed = await store.reminder_totals(self.db, occ.id)
            rows.append(ModeratorRow(occ, await self._counts(occ.id), sent, delivered, failed))
        return rows

    async def agenda(self, guild_id: int, occurrence_id: int | str, actor: Actor) -> tuple[Occurrence, list[RankedTopic]]:
        """The proposed topics ranked by votes (moderators). Raises ``Forbidden``, ``NotFound``."""
        await self._require_moderator(guild_id, actor)
        occ = await self._occurrence(guild_id, occurrence_id)
        topics = await store.topics(self.db, occ.id)
        return occ, rank_topics((t.id, t.text, t.author_id, t.votes, t.created_at) for t in topics)

    async def attendees(self, guild_id: int, occurrence_id: int | str, actor: Actor) -> Attendees:
        """Who answered what, with a CSV (``user_id,status,remind``). Raises ``Forbidden``, ``NotFound``."""
        await self._require_moderator(guild_id, actor)
        occ = await self._occurrence(guild_id, occurrence_id)
        answers = await store.rsvps(self.db, occ.id)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["user_id", "status", "remind"])
        for r in answers:
            writer.writerow([str(r.user_id), r.status, "yes" if r.remind else "no"])
        return Attendees(
            occ,
            [r.user_id for r in answers if r.status == "going"],
            [r.user_id for r in answers if r.status == "maybe"],
            [r.user_id for r in answers if r.status == "no"],
            File(f"meeting-{occ.id}-attendees.csv", buffer.getvalue().encode("utf-8")),
        )

    async def edit(
        self,
        guild_id: int,
        occurrence_id: int | str,
        actor: Actor,
        *,
        starts: str | None = None,
        duration: str | None = None,
        location: str | None = None,
        title: str | None = None,
        agenda: str | None = None,
        scope: str = "occurrence",
    ) -> EditResult:
        """Change a scheduled occurrence; announcement, thread, event and reminders follow.

        A new time moves this occurrence only (the rest of the series stays) — or, with
        ``scope="series"``, the series from this occurrence on (its rule restarts at the new
        local time); members who answered Going/Maybe get a DM. With ``scope="series"`` the
        title, agenda, location and duration also become the series' own for later occurrences. Raises ``Forbidden``,
        ``NotFound``, ``Conflict`` (not scheduled), ``InvalidInput`` naming the field.
        """
        await self._require_moderator(guild_id, actor)
        if scope not in ("occurrence", "series"):
            raise InvalidInput("meetings.error.scope", field="meetings.scope")
        occ = await self._occurrence(guild_id, occurrence_id)
        if occ.status != "scheduled":
            raise Conflict(f"meetings.error.closed_{occ.status}")
        club = await self.ctx.club.get(guild_id)
        now = self.ctx.clock.now()
        changes: dict[str, object] = {}
        series_changes: dict[str, object] = {}
        starts_at = occ.starts_at
        length = occ.duration_s
        if starts is not None and starts.strip():
            starts_at = parse_start(starts, zone=club.timezone, locale=club.locale, now=now)
        if duration is not None and duration.strip():
            length = int(validate_duration(parse_duration(duration, field="meetings.duration", locale=club.locale)).total_seconds())
            series_changes["duration_s"] = length
        if location is not None and location.strip():
            place = parse_location(location)
            changes.update(location=place.text, location_channel_id=place.channel_id)
            series_changes.update(location=place.text, location_channel_id=place.channel_id)
        if title is not None and title.strip():
            changes["title"] = series_changes["title"] = validate_title(title)
        if agenda is not None:
            changes["agenda"] = series_changes["agenda"] = validate_agenda(agenda)
        time_changed = starts_at != occ.starts_at
        if time_changed or length != occ.duration_s:
            changes.update(starts_at=to_ts(starts_at), ends_at=to_ts(starts_at + timedelta(seconds=length)))
        if time_changed and scope == "series" and occ.repeat != "none":
            # From this occurrence on, the series follows the new local time (the rule restarts there).
            new_local = format_local(to_local(starts_at, occ.timezone))
            taken = await store.occurrence_by_recurrence(self.db, occ.series_id, new_local)
            if taken is not None and taken.id != occ.id:
                raise InvalidInput("meetings.error.slot_taken", field="meetings.starts")
            series_changes["local_start"] = changes["recurrence_local"] = new_local
        if not changes and not (scope == "series" and series_changes):
            raise InvalidInput("meetings.error.nothing_to_edit", field="meetings.meeting")
        targets = [occ]
        if scope == "series":
            if series_changes:
                await store.update_series(self.db, occ.series_id, **series_changes)
            targets += [
                o for o in await store.occurrences_of_series(self.db, occ.series_id)
                if o.id != occ.id and o.status == "scheduled"
            ]
        for target in targets:
            own = dict(changes) if target.id == occ.id else {
                k: v for k, v in series_changes.items() if k not in ("duration_s", "local_start")
            }
            if target.id != occ.id and "duration_s" in series_changes:
                own["ends_at"] = to_ts(target.starts_at + timedelta(seconds=length))
            if own:
                await store.update_occurrence(self.db, target.id, **own)
            fresh = await store.get_occurrence(self.db, target.id)
            assert fresh is not None
            if fresh.starts_at != target.starts_at or fresh.ends_at != target.ends_at:
                if fresh.starts_at != target.starts_at:
                    await store.reset_reminders(self.db, fresh.id)
                    await self._skip_past_reminders(fresh)
                self._disarm(target, await store.reminder_offsets(self.db, target.id))
                await self._arm(fresh)
            await self._refresh_announcement(fresh)
            if fresh.thread_id is not None and fresh.title != target.title:
                try:
                    await self.ctx.port.rename_thread(fresh.thread_id, render.thread_name(fresh.title))
                except DeliveryError as exc:
                    log.warning("meeting %s: thread not renamed (%s)", fresh.id, exc.reason)
            if fresh.event_id is not None:
                try:
                    await self.ctx.port.edit_scheduled_event(guild_id, fresh.event_id, render.event_spec(fresh))
                except DeliveryError as exc:
                    log.warning("meeting %s: event not updated (%s)", fresh.id, exc.reason)
        fresh = await store.get_occurrence(self.db, occ.id)
        assert fresh is not None
        names = []
        if time_changed:
            names.append("starts")
        if length != occ.duration_s:
            names.append("duration")
        names += [n for n in ("location", "title", "agenda") if n in changes]
        notified = FanOutResult()
        locale = club.locale
        if time_changed:
            old_ts, new_ts = to_ts(occ.starts_at), to_ts(fresh.starts_at)
            await self._post_thread(fresh, OutMessage(content=self._moved_text(locale, fresh, old_ts)))
            notified = await self._notify(fresh, f"{JOB_MOVED}:{fresh.id}:{old_ts}:{new_ts}", ("going", "maybe"))
        elif changes:
            fields = ", ".join(t(locale, f"field.meetings.{n}") for n in names)
            await self._post_thread(fresh, OutMessage(content=t(locale, "meetings.updated", fields=fields)))
        await self.ctx.club.audit(guild_id, actor.user_id, "meetings.edit", f"occurrence={occ.id} {','.join(names)}")
        return EditResult(fresh, names, time_changed, notified, len(targets))

    async def cancel(self, guild_id: int, occurrence_id: int | str, actor: Actor, scope: str = "occurrence") -> CancelResult:
        """Cancel one occurrence (``scope="occurrence"``; the series goes on and its next
        occurrence is announced) or the whole series (``"series"``). Members who answered
        Going/Maybe get a DM; the announcement shows "Cancelled", the scheduled event is
        deleted. Raises ``Forbidden``, ``NotFound``, ``Conflict`` (already started/ended/cancelled).
        """
        await self._require_moderator(guild_id, actor)
        if scope not in ("occurrence", "series"):
            raise InvalidInput("meetings.error.scope", field="meetings.scope")
        occ = await self._occurrence(guild_id, occurrence_id)
        series = await store.get_series(self.db, occ.series_id)
        assert series is not None
        if scope == "occurrence" and occ.status != "scheduled":
            raise Conflict(f"meetings.error.closed_{occ.status}")
        if scope == "series" and series.cancelled_at is not None:
            raise Conflict("meetings.error.closed_cancelled")
        now = self.ctx.clock.now()
        targets = [occ] if scope == "occurrence" else [
            o for o in await store.occurrences_of_series(self.db, series.id) if o.status == "scheduled"
        ]
        if scope == "series":
            await store.update_series(self.db, series.id, cancelled_at=to_ts(now))
        locale = await self._locale(guild_id)
        notified = FanOutResult()
        cancelled = []
        for target in targets:
            if not await store.set_status(self.db, target.id, "cancelled", only_from=("scheduled",)):
                continue
            self._disarm(target, await store.reminder_offsets(self.db, target.id))
            fresh = await store.get_occurrence(self.db, target.id)
            assert fresh is not None
            cancelled.append(fresh)
            await self._refresh_announcement(fresh)
            if fresh.event_id is not None:
                try:
                    await self.ctx.port.delete_scheduled_event(guild_id, fresh.event_id)
                except DeliveryError as exc:
                    log.warning("meeting %s: event not deleted (%s)", fresh.id, exc.reason)
            await self._post_thread(fresh, OutMessage(content=self._cancelled_text(locale, fresh)))
            result = await self._notify(fresh, f"{JOB_CANCELLED}:{fresh.id}", ("going", "maybe"))
            notified.sent += result.sent
            notified.failures.update(result.failures)
            if fresh.thread_id is not None:
                try:
                    await self.ctx.port.archive_thread(fresh.thread_id)
                    await store.update_occurrence(self.db, fresh.id, archived=1)
                except DeliveryError as exc:
                    log.warning("meeting %s: thread not archived (%s)", fresh.id, exc.reason)
        if scope == "occurrence" and not cancelled:
            raise Conflict("meetings.error.closed_cancelled")
        next_occ = None
        if scope == "occurrence" and series.rrule is not None:
            later = [o for o in await store.occurrences_of_series(self.db, series.id)
                     if o.status == "scheduled" and o.starts_at > occ.starts_at]
            if not later:
                next_occ = await self._announce_next(series, occ.recurrence_local)
        await self.ctx.club.audit(guild_id, actor.user_id, "meetings.cancel", f"occurrence={occ.id} scope={scope}")
        return CancelResult(cancelled, notified, scope == "series", next_occ)

    # --- scheduled work --------------------------------------------------------------------

    def register_jobs(self) -> tuple[str, ...]:
        """Register ``meetings.reminder`` / ``.start`` / ``.end`` / ``.archive`` with loaders
        that re-arm everything pending from the database (call before ``scheduler.start()``),
        and the outbox factories that finish interrupted reminder / moved / cancelled DMs;
        returns the scheduler kinds."""
        scheduler = self.ctx.scheduler
        scheduler.register(KIND_REMINDER, self._on_reminder, self._load_reminders)
        scheduler.register(KIND_START, self._on_start, self._load_starts)
        scheduler.register(KIND_END, self._on_end, self._load_ends)
        scheduler.register(KIND_ARCHIVE, self._on_archive, self._load_archives)
        outbox = self.ctx.outbox
        outbox.register(JOB_REMINDER, self._reminder_factory)
        outbox.register(JOB_MOVED, self._moved_delivery)
        outbox.register(JOB_CANCELLED, self._cancelled_delivery)
        return (KIND_REMINDER, KIND_START, KIND_END, KIND_ARCHIVE)

    async def _load_reminders(self) -> list[tuple[str, datetime]]:
        return [
            (f"{oid}:{offset}", starts_at - timedelta(seconds=offset))
            for oid, offset, starts_at in await store.pending_reminders(self.db)
        ]

    async def _load_starts(self) -> list[tuple[str, datetime]]:
        return [(str(o.id), o.starts_at) for o in await store.occurrences_with_status(self.db, ("scheduled",))]

    async def _load_ends(self) -> list[tuple[str, datetime]]:
        return [(str(o.id), o.ends_at) for o in await store.occurrences_with_status(self.db, ("scheduled", "started"))]

    async def _load_archives(self) -> list[tuple[str, datetime]]:
        return [(str(o.id), o.ends_at + ARCHIVE_AFTER) for o in await store.unarchived_ended(self.db)]

    async def _on_reminder(self, ref: str) -> None:
        oid, offset = (int(p) for p in ref.split(":"))
        occ = await store.get_occurrence(self.db, oid)
        if occ is None or occ.status != "scheduled":
            return
        row = await store.get_reminder(self.db, oid, offset)
        if row is None or row["sent_at"] is not None:
            return
        now = self.ctx.clock.now()
        due = occ.starts_at - timedelta(seconds=offset)
        if due > now:  # the meeting moved after this job was armed
            self.ctx.scheduler.arm(KIND_REMINDER, ref, due)
            return
        key = reminder_key(oid, occ.starts_at, offset)
        decision = reminder_decision(now, due, occ.starts_at)
        if not decision.send:
            if not await self.ctx.scheduler.claim(key, occ.guild_id):
                return
            log.info("meeting %s: reminder %ss dropped, the meeting has started", oid, offset)
            await store.mark_reminder(self.db, oid, offset, sent_at=now, late=False, dm_sent=0, dm_failed=0)
            await self.ctx.scheduler.complete(key)
            return
        # The claim and the members to DM are written in one transaction: a restart in the
        # middle of the fan-out finishes it at start (bot.fanout.Outbox, never twice).
        recipients = [r.user_id for r in await store.rsvps(self.db, oid) if r.remind and r.status in ("going", "maybe")]
        job = f"{JOB_REMINDER}:{oid}:{offset}:{to_ts(occ.starts_at)}"  # one job per claim key
        outbox = self.ctx.outbox
        payload = {"starts_at": to_ts(occ.starts_at), "late": decision.late}
        if not await outbox.enqueue(job, occ.guild_id, recipients, payload=payload, claim=key):
            return
        locale = await self._locale(occ.guild_id)
        message_id = await self._post_thread(occ, OutMessage(content=render.reminder_text(locale, occ, late=decision.late)))
        state = await outbox.state(job)
        assert state is not None
        delivery = await self._reminder_delivery(occ, offset, state, message_id)
        await outbox.run(job, delivery, rate=dm_rate(self.ctx.fanout_rate), sleep=self.ctx.sleep)

    async def _reminder_delivery(self, occ: Occurrence, offset: int, state: JobState, message_id: int | None) -> Delivery:
        """DM the reminder rendered from the occurrence's row; at the end record the counts
        over every run (a resumed fan-out adds to the interrupted one's) and complete the claim."""
        late = bool(state.payload.get("late"))
        dm = render.reminder_dm(await self._locale(occ.guild_id), occ, late=late)
        key = reminder_key(occ.id, occ.starts_at, offset)

        async def send(user_id: int) -> None:
            await self.ctx.port.send_dm(user_id, dm)

        async def finish(done: JobState) -> None:
            if done.failed:
                log.info("meeting %s: reminder DMs %s sent, %s failed", occ.id, done.sent, done.failed)
            await store.mark_reminder(
                self.db, occ.id, offset, sent_at=from_ts(done.created_at), late=late,
                dm_sent=done.sent, dm_failed=done.failed,
            )
            await self.ctx.scheduler.complete(key, message_id)

        return Delivery(send, finish)

    async def _reminder_factory(self, ref: str, state: JobState) -> Delivery | None:
        """Rebuild an interrupted reminder fan-out (``ref`` = ``{occurrence}:{offset}:{start}``);
        ``None`` when the meeting moved, started or was cancelled since (its reminder is moot)."""
        oid, offset, _start = (int(p) for p in ref.split(":"))
        occ = await store.get_occurrence(self.db, oid)
        if occ is None or occ.status != "scheduled" or to_ts(occ.starts_at) != state.payload.get("starts_at"):
            return None
        return await self._reminder_delivery(occ, offset, state, None)

    async def _on_start(self, ref: str) -> None:
        occ = await store.get_occurrence(self.db, int(ref))
        if occ is None or occ.status != "scheduled":
            return
        now = self.ctx.clock.now()
        if occ.starts_at > now:
            self.ctx.scheduler.arm(KIND_START, ref, occ.starts_at)
            return
        key = start_key(occ.id, occ.starts_at)
        if not await self.ctx.scheduler.claim(key, occ.guild_id):
            return
        message_id = None
        if now < occ.ends_at:
            locale = await self._locale(occ.guild_id)
            text = t(locale, "meetings.starting", title=plain(shorten(occ.title, 200)))
            where = render.location_text(occ)
            if where:
                text += "\n" + t(locale, "meetings.reminder_where", location=where)
            message_id = await self._post_thread(occ, OutMessage(content=text))
        await store.set_status(self.db, occ.id, "started", only_from=("scheduled",))
        fresh = await store.get_occurrence(self.db, occ.id)
        assert fresh is not None
        await self._refresh_announcement(fresh)
        await self.ctx.scheduler.complete(key, message_id)
        if now < occ.ends_at:
            await self._event_status(fresh, "active")

    async def _event_status(self, occ: Occurrence, status: str) -> None:
        """Keep the mirrored scheduled event in step (active at the start, completed at the
        end). Best effort: a missing permission or an event a moderator already ended is logged."""
        if occ.event_id is None:
            return
        try:
            await self.ctx.port.set_scheduled_event_status(occ.guild_id, occ.event_id, status)  # type: ignore[arg-type]
        except DeliveryError as exc:
            log.info("meeting %s: scheduled event not set %s (%s)", occ.id, status, exc.reason)

    async def _on_end(self, ref: str) -> None:
        occ = await store.get_occurrence(self.db, int(ref))
        if occ is None or occ.status not in ("scheduled", "started"):
            return
        now = self.ctx.clock.now()
        if occ.ends_at > now:
            self.ctx.scheduler.arm(KIND_END, ref, occ.ends_at)
            return
        key = end_key(occ.id)
        if not await self.ctx.scheduler.claim(key, occ.guild_id):
            return
        self.ctx.scheduler.disarm(KIND_START, ref)
        await store.set_status(self.db, occ.id, "ended", only_from=("scheduled", "started"))
        locale = await self._locale(occ.guild_id)
        going = [r.user_id for r in await store.rsvps(self.db, occ.id) if r.status == "going"]
        text = t(locale, "meetings.ended", title=plain(shorten(occ.title, 200)), going=len(going))
        message_id = await self._post_thread(occ, OutMessage(content=text))
        fresh = await store.get_occurrence(self.db, occ.id)
        assert fresh is not None
        await self._refresh_announcement(fresh)
        await self.ctx.scheduler.complete(key, message_id)
        await self._event_status(fresh, "completed")
        try:
            await self.on_meeting_ended(occ.guild_id, fresh, going)
        except Exception:
            log.exception("meeting %s: post-meeting hook failed", occ.id)
        if fresh.thread_id is not None:
            self.ctx.scheduler.arm(KIND_ARCHIVE, ref, fresh.ends_at + ARCHIVE_AFTER)
        series = await store.get_series(self.db, occ.series_id)
        if series is not None:
            await self._announce_next(series, occ.recurrence_local)

    async def _on_archive(self, ref: str) -> None:
        occ = await store.get_occurrence(self.db, int(ref))
        if occ is None or occ.archived or occ.thread_id is None:
            return
        due = occ.ends_at + ARCHIVE_AFTER
        if due > self.ctx.clock.now():
            self.ctx.scheduler.arm(KIND_ARCHIVE, ref, due)
            return
        if not await self.ctx.scheduler.claim(archive_key(occ.id), occ.guild_id):
            return
        try:
            await self.ctx.port.archive_thread(occ.thread_id)
        except DeliveryError as exc:
            log.warning("meeting %s: thread not archived (%s)", occ.id, exc.reason)
        await store.update_occurrence(self.db, occ.id, archived=1)
        await self.ctx.scheduler.complete(archive_key(occ.id))


Service = MeetingsService
"""The feature's service class under the name every feature offers: ``Service(ctx)``."""


def build(ctx: AppContext, *, on_meeting_ended: EndedHook = _no_hook) -> Feature[MeetingsService]:
    """The meetings feature for one process: its service (``on_meeting_ended`` awaited after
    each meeting ends, e.g. :func:`bot.meetings.survey.post_meeting_survey`) with its jobs
    and DM factories registered."""
    service = MeetingsService(ctx, on_meeting_ended=on_meeting_ended)
    return Feature(service, service.register_jobs())
