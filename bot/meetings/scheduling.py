"""Scheduling meetings: ``/meeting create`` (options, then the title/agenda form) and the
scheduled work of each occurrence — reminders, the start, the end (and the next
occurrence of a series), the thread's archiving.

Each job handler re-reads its row, checks the instant and claims an idempotency key
(``meetings:{occurrence}@{start}:reminder:{offset}`` …) before any side effect, so
reconnects, restarts and a second process never act twice (docs/architecture.md,
"Scheduler"). Occurrences of a recurring series are announced one at a time: the next one
when the current one ends or is cancelled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.actor import Actor, use_case
from bot.clock import from_ts, to_ts
from bot.errors import Conflict, Forbidden, InvalidInput
from bot.fanout import Delivery, JobState, dm_rate
from bot.i18n import t
from bot.meetings import render, store
from bot.meetings.core import KIND_ARCHIVE, KIND_END, KIND_REMINDER, KIND_START, MeetingsCore
from bot.meetings.rules import (
    ARCHIVE_AFTER,
    DEFAULT_DURATION,
    DEFAULT_REMINDERS,
    NOTICE_AUDIENCE,
    Location,
    Repeat,
    archive_key,
    end_key,
    format_local,
    parse_location,
    parse_start,
    reminder_decision,
    reminder_key,
    split_reminders,
    start_key,
    to_local,
    validate_agenda,
    validate_anchor,
    validate_duration,
    validate_reminder_offsets,
    validate_repeat,
    validate_title,
)
from bot.meetings.store import Occurrence
from bot.ports import DeliveryError, EventStatus, OutMessage
from bot.recurrence import rule_for
from bot.text import plain, shorten
from bot.timeparse import parse_duration

log = logging.getLogger(__name__)

JOB_REMINDER = "meetings.reminder"
"""Outbox job of a reminder's DMs: ``meetings.reminder:{occurrence}:{offset}:{start}``,
payload ``starts_at`` (Unix s) and ``late``; resumed at start after a restart."""


@dataclass(frozen=True)
class Draft:
    """Validated options of ``/meeting create`` (before the title/agenda modal).

    ``starts_at`` is UTC-aware; ``local_start`` is its naive wall-clock time in ``timezone``;
    ``duration_s`` and ``reminders`` (offsets before the start, largest first) in seconds;
    ``rrule`` the series' RFC 5545 rule (:func:`bot.recurrence.rule_for`, ``None``: once).
    """

    guild_id: int
    channel_id: int
    starts_at: datetime
    local_start: datetime
    timezone: str
    duration_s: int
    location: Location
    repeat: Repeat
    reminders: tuple[int, ...]
    rrule: str | None = None


@dataclass(frozen=True)
class CreateResult:
    """A created meeting: its first ``occurrence`` and whether the scheduled event exists
    (``event_note`` says why not: ``forbidden``, ...)."""

    occurrence: Occurrence
    event_created: bool
    event_note: str | None


class Scheduling(MeetingsCore):
    """Creating meetings and running their scheduled work."""

    @use_case("moderator")
    async def prepare(
        self,
        actor: Actor,
        *,
        starts: str,
        duration: str | None = None,
        location: str | None = None,
        channel_id: int | None = None,
        repeat: str | None = None,
        reminders: str | None = None,
        repeat_on: str | None = None,
    ) -> Draft:
        """Validate the options of ``/meeting create`` in ``actor``'s guild, before the modal.

        ``starts`` is typed in the club's zone and language; ``duration`` like ``90m``
        (default 1 h, 5 min–3 days); ``reminders`` like ``24h,1h`` (default; ``none`` for
        none; ≤ 5, each ≤ 30 days); ``repeat_on`` one of :data:`bot.recurrence.ANCHORS`
        (default ``date``: the same day of the month; ``weekday``: the 3rd Tuesday…).
        Raises ``Forbidden``, or ``InvalidInput`` naming the field.
        """
        club = await self.ctx.club.get(actor.guild())
        starts_at = parse_start(
            starts, zone=club.timezone, locale=actor.reads(club.locale), now=self.clock.now(),
            month_first=actor.month_first,
        )
        if duration and duration.strip():
            delta = validate_duration(parse_duration(duration, field="meetings.duration", locale=actor.reads(club.locale)))
        else:
            delta = DEFAULT_DURATION
        place = parse_location(location)
        chosen = validate_repeat(repeat)
        local_start = to_local(starts_at, club.timezone)
        rule = rule_for(chosen, local_start, validate_anchor(repeat_on), field="meetings.repeat_on")
        parts = split_reminders(reminders)
        if parts is None:
            parts = split_reminders(DEFAULT_REMINDERS) or []
        offsets = validate_reminder_offsets(
            [parse_duration(p, field="meetings.reminders", locale=actor.reads(club.locale)) for p in parts]
        )
        target = channel_id or club.meetings_channel_id
        if target is None:
            raise InvalidInput("meetings.error.no_channel", field="meetings.channel")
        if not await self.port.can_post(target):
            raise InvalidInput("meetings.error.cannot_post", field="meetings.channel", channel=f"<#{target}>")
        return Draft(
            guild_id=club.guild_id,
            channel_id=target,
            starts_at=starts_at,
            local_start=local_start,
            timezone=club.timezone,
            duration_s=int(delta.total_seconds()),
            location=place,
            repeat=chosen,
            reminders=offsets,
            rrule=rule,
        )

    @use_case("moderator")
    async def create(self, actor: Actor, draft: Draft, *, title: str, agenda: str | None = None) -> CreateResult:
        """Store the series and its first occurrence, post the announcement, open its thread,
        mirror it as a scheduled event (``DeliveryError('forbidden')`` → noted, not fatal) and
        arm its reminders. Raises ``Forbidden`` (also for a ``draft`` of another guild),
        ``InvalidInput`` (title ≤ 200, agenda ≤ 3000, a start now past, a channel the bot
        cannot post in)."""
        if draft.guild_id != actor.guild():
            raise Forbidden("error.not_allowed")
        title = validate_title(title)
        agenda_text = validate_agenda(agenda)
        now = self.clock.now()
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
            rrule=draft.rrule,
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
            await store.delete_series(self.db, series_id)
            raise InvalidInput("meetings.error.cannot_post", field="meetings.channel", channel=f"<#{draft.channel_id}>") from None
        await self.ctx.club.audit(draft.guild_id, actor.user_id, "meetings.create", f"occurrence={occ.id} {title[:200]}")
        return CreateResult(occ, occ.event_id is not None, occ.event_note)

    # --- loaders (the scheduler re-arms from the database at start) ----------------------

    async def _load_reminders(self) -> list[tuple[str, datetime]]:
        return [(f"{p.occurrence_id}:{p.offset_s}", p.due) for p in await store.pending_reminders(self.db)]

    async def _load_starts(self) -> list[tuple[str, datetime]]:
        return [(str(o.id), o.starts_at) for o in await store.occurrences_with_status(self.db, ("scheduled",))]

    async def _load_ends(self) -> list[tuple[str, datetime]]:
        return [(str(o.id), o.ends_at) for o in await store.occurrences_with_status(self.db, ("scheduled", "started"))]

    async def _load_archives(self) -> list[tuple[str, datetime]]:
        return [(str(o.id), o.ends_at + ARCHIVE_AFTER) for o in await store.unarchived_ended(self.db)]

    # --- reminders -----------------------------------------------------------------------

    async def _job_reminder(self, ref: str) -> None:
        """The reminder ``ref`` = ``{occurrence}:{offset}`` is due: post it in the thread and
        DM the members who asked (late with a note after downtime, dropped once started)."""
        oid, offset = (int(p) for p in ref.split(":"))
        occ = await store.get_occurrence(self.db, oid)
        if occ is None or occ.status != "scheduled":
            return
        reminder = await store.get_reminder(self.db, oid, offset)
        if reminder is None or reminder.sent_at is not None:
            return
        now = self.clock.now()
        due = occ.starts_at - timedelta(seconds=offset)
        if due > now:  # the meeting moved after this job was armed
            self.scheduler.arm(KIND_REMINDER, ref, due)
            return
        key = reminder_key(oid, occ.starts_at, offset)
        decision = reminder_decision(now, due, occ.starts_at)
        if not decision.send:
            if not await self.scheduler.claim(key, occ.guild_id):
                return
            log.info("meeting %s: reminder %ss dropped, the meeting has started", oid, offset)
            await store.mark_reminder(self.db, oid, offset, sent_at=now, late=False, dm_sent=0, dm_failed=0)
            await self.scheduler.complete(key)
            return
        await self._send_reminder(occ, offset, late=decision.late)

    async def _send_reminder(self, occ: Occurrence, offset: int, *, late: bool) -> None:
        """Post the reminder in the thread (an effect of its own: once, even across a kill),
        then DM the members who asked through the outbox (claim and recipients in one
        transaction: a restart finishes the fan-out, never twice)."""
        key = reminder_key(occ.id, occ.starts_at, offset)
        if self.scheduler.holds(key):  # another run of this process is sending it
            return
        locale = await self._locale(occ.guild_id)
        async with self.scheduler.effect(f"{key}:thread", occ.guild_id) as effect:
            if effect is not None:
                text = render.reminder_text(locale, occ, late=late)
                await effect.complete(await self._post_thread(occ, OutMessage(content=text), effect))
        answers = await store.rsvps(self.db, occ.id)
        recipients = [r.user_id for r in answers if r.remind and r.status in NOTICE_AUDIENCE]
        job = f"{JOB_REMINDER}:{occ.id}:{offset}:{to_ts(occ.starts_at)}"  # one job per claim key
        outbox = self.ctx.outbox
        payload = {"starts_at": to_ts(occ.starts_at), "late": late}
        if not await outbox.enqueue(job, occ.guild_id, recipients, payload=payload, claim=key):
            return
        state = await outbox.state(job)
        assert state is not None
        delivery = self._reminder_delivery(occ, offset, state, locale)
        await outbox.run(job, delivery, rate=dm_rate(self.ctx.fanout_rate), sleep=self.ctx.sleep)

    def _reminder_delivery(self, occ: Occurrence, offset: int, state: JobState, locale: str) -> Delivery:
        """DM the reminder rendered from the occurrence's row — with the late note when it goes
        out late (resumed after downtime too), never once the meeting has started (those DMs
        are counted ``expired``); at the end record the counts over every run (a resumed
        fan-out adds to the interrupted one's) and complete the claim."""
        due = occ.starts_at - timedelta(seconds=offset)
        late = bool(state.payload.get("late")) or reminder_decision(self.clock.now(), due, occ.starts_at).late
        dm = render.reminder_dm(locale, occ, late=late)
        key = reminder_key(occ.id, occ.starts_at, offset)

        async def send(user_id: int) -> None:
            if not reminder_decision(self.clock.now(), due, occ.starts_at).send:
                raise DeliveryError("expired")
            await self.port.send_dm(user_id, dm)

        async def finish(done: JobState) -> None:
            if done.failed:
                log.info("meeting %s: reminder DMs %s sent, %s failed", occ.id, done.sent, done.failed)
            await store.mark_reminder(
                self.db, occ.id, offset, sent_at=from_ts(done.created_at), late=late,
                dm_sent=done.sent, dm_failed=done.failed,
            )
            await self.scheduler.complete(key)

        return Delivery(send, finish)

    async def _reminder_factory(self, ref: str, state: JobState) -> Delivery | None:
        """Rebuild an interrupted reminder fan-out (``ref`` = ``{occurrence}:{offset}:{start}``);
        ``None`` when the meeting moved, was cancelled or has started since — by the clock,
        whatever its stored status (its reminder is moot)."""
        oid, offset, _start = (int(p) for p in ref.split(":"))
        occ = await store.get_occurrence(self.db, oid)
        if occ is None or occ.status != "scheduled" or to_ts(occ.starts_at) != state.payload.get("starts_at"):
            return None
        if self.clock.now() >= occ.starts_at:
            return None
        return self._reminder_delivery(occ, offset, state, await self._locale(occ.guild_id))

    # --- start, end, archive -------------------------------------------------------------

    async def _job_start(self, ref: str) -> None:
        """Occurrence ``ref`` starts: "starting now" in the thread (unless already over; an
        effect, so once even across a kill), then its state follows the clock whatever was
        interrupted before: RSVPs closed on the announcement, the scheduled event active."""
        occ = await store.get_occurrence(self.db, int(ref))
        if occ is None or occ.status != "scheduled":
            return
        now = self.clock.now()
        if occ.starts_at > now:
            self.scheduler.arm(KIND_START, ref, occ.starts_at)
            return
        async with self.scheduler.effect(start_key(occ.id, occ.starts_at), occ.guild_id) as effect:
            if effect is not None:
                message_id = None
                if now < occ.ends_at:
                    message_id = await self._post_thread(occ, OutMessage(content=self._starting_text(
                        await self._locale(occ.guild_id), occ)), effect)
                await effect.complete(message_id)
        await store.set_status(self.db, occ.id, "started", only_from=("scheduled",))
        await self._show(occ)
        await self._event_status(occ, "active")

    @staticmethod
    def _starting_text(locale: str, occ: Occurrence) -> str:
        """The "starting now" message, with where the meeting takes place."""
        text = t(locale, "meetings.starting", title=plain(shorten(occ.title, 200)))
        where = render.location_text(occ)
        if where:
            text += "\n" + t(locale, "meetings.reminder_where", location=where)
        return text

    async def _event_status(self, occ: Occurrence, status: EventStatus) -> None:
        """Keep the mirrored scheduled event in step with Discord's state machine (scheduled
        → active at the start, active → completed at the end; ended events are final). Best
        effort: a missing permission, or an event a moderator already ended or deleted, is
        logged and left alone."""
        if occ.event_id is None:
            return
        try:
            await self.port.set_scheduled_event_status(occ.guild_id, occ.event_id, status)
        except DeliveryError as exc:
            log.info("meeting %s: scheduled event not set %s (%s)", occ.id, status, exc.reason)

    async def _job_end(self, ref: str) -> None:
        """Occurrence ``ref`` ends: the closing message, the event completed, the
        post-meeting hook with the Going members, the archive armed, the next occurrence
        of its series announced."""
        occ = await store.get_occurrence(self.db, int(ref))
        if occ is None or occ.status not in ("scheduled", "started"):
            return
        if occ.ends_at > self.clock.now():
            self.scheduler.arm(KIND_END, ref, occ.ends_at)
            return
        async with self.scheduler.effect(end_key(occ.id), occ.guild_id) as effect:
            if effect is None:
                return
            self.scheduler.disarm(KIND_START, ref)
            locale = await self._locale(occ.guild_id)
            going = [r.user_id for r in await store.rsvps(self.db, occ.id) if r.status == "going"]
            text = t(locale, "meetings.ended", title=plain(shorten(occ.title, 200)), going=len(going))
            message_id = await self._post_thread(occ, OutMessage(content=text), effect)
            await store.set_status(self.db, occ.id, "ended", only_from=("scheduled", "started"))
            fresh = await store.get_occurrence(self.db, occ.id)
            assert fresh is not None
            await self._show(fresh)
            await effect.complete(message_id)
        # Also when the start never ran (a crash between its claim and its status): the
        # port walks the event through active, the only way Discord lets it complete.
        await self._event_status(fresh, "completed")
        try:
            await self.on_meeting_ended(occ.guild_id, fresh, going)
        except Exception:
            log.exception("meeting %s: post-meeting hook failed", occ.id)
        if fresh.thread_id is not None:
            self.scheduler.arm(KIND_ARCHIVE, ref, fresh.ends_at + ARCHIVE_AFTER)
        series = await store.get_series(self.db, occ.series_id)
        if series is not None:
            await self._announce_next(series, occ.recurrence_local)

    async def _job_archive(self, ref: str) -> None:
        """Archive the thread of occurrence ``ref`` a day after its end."""
        occ = await store.get_occurrence(self.db, int(ref))
        if occ is None or occ.archived or occ.thread_id is None:
            return
        due = occ.ends_at + ARCHIVE_AFTER
        if due > self.clock.now():
            self.scheduler.arm(KIND_ARCHIVE, ref, due)
            return
        if not await self.scheduler.claim(archive_key(occ.id), occ.guild_id):
            return
        try:
            await self.port.archive_thread(occ.thread_id)
        except DeliveryError as exc:
            log.warning("meeting %s: thread not archived (%s)", occ.id, exc.reason)
        await store.update_occurrence(self.db, occ.id, archived=1)
        await self.scheduler.complete(archive_key(occ.id))
