"""What every use-case module of meetings shares: the occurrence lookup, the live
announcement and topic messages, the thread, arming an occurrence's jobs and publishing
an occurrence (announcement, thread, scheduled event).

:class:`MeetingsCore` is the base of the use-case mixins (:mod:`bot.meetings.scheduling`,
:mod:`bot.meetings.editing`, :mod:`bot.meetings.members`) that make
:class:`bot.meetings.service.MeetingsService`. Scheduled work re-reads its row and claims
an idempotency key before any side effect (docs/architecture.md, "Scheduler").
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.context import AppContext, FeatureService
from bot.effects import Effect
from bot.errors import NotFound
from bot.live import LiveRefresh
from bot.meetings import render, store
from bot.meetings.rules import RsvpCounts, announce_key, count_rsvps, format_local, parse_id, parse_local
from bot.meetings.store import Occurrence, Series
from bot.ports import DeliveryError, OutMessage

log = logging.getLogger(__name__)

KIND_REMINDER = "meetings.reminder"
KIND_START = "meetings.start"
KIND_END = "meetings.end"
KIND_ARCHIVE = "meetings.archive"

EndedHook = Callable[[int, Occurrence, list[int]], Awaitable[None]]
"""Awaited after a meeting ends with ``(guild_id, occurrence, going member ids)`` (the
post-meeting survey, :func:`bot.meetings.survey.post_meeting_survey`)."""

ANNOUNCE_SEARCH = 1000
"""How many recurrences :meth:`MeetingsCore._announce_next` looks through at most."""


async def no_hook(guild_id: int, occurrence: Occurrence, attendee_ids: list[int]) -> None:
    """The default :data:`EndedHook`: nothing happens after a meeting."""
    return None


class MeetingsCore(FeatureService):
    """Shared state and helpers of the meetings use-cases. ``on_meeting_ended`` is awaited
    after each meeting ends (default no-op; its errors are logged, never fatal)."""

    def __init__(self, ctx: AppContext, *, on_meeting_ended: EndedHook = no_hook) -> None:
        super().__init__(ctx)
        self.on_meeting_ended = on_meeting_ended
        # Live counts (docs/architecture.md, "Live messages"): a burst of clicks makes at
        # most two edits of one message, the member's own answer never waits for them.
        self._announcements = LiveRefresh(self._render_announcement, delay=timedelta(0))
        self._topics = LiveRefresh(self._render_topic, delay=timedelta(0))

    async def _locale(self, guild_id: int) -> str:
        return (await self.ctx.club.get(guild_id)).locale

    async def _occurrence(self, guild_id: int | None, occurrence_id: int | str) -> Occurrence:
        """The occurrence ``occurrence_id``. With ``guild_id`` the id was typed in a command's
        ``meeting`` option (``NotFound`` naming that field, also for another guild's);
        without, it comes from a button of a meeting that may be gone."""
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

    # --- live messages -------------------------------------------------------------------

    async def _show(self, occ: Occurrence) -> None:
        """Bring ``occ``'s announcement up to date (status, counts) through the debounce."""
        await self._announcements.request(str(occ.id))

    async def _render_announcement(self, ref: str) -> None:
        occ = await store.get_occurrence(self.db, int(ref))
        if occ is None or occ.message_id is None:
            return
        message = render.announcement(await self._locale(occ.guild_id), occ, await self._counts(occ.id))
        try:
            await self.port.edit_message(occ.channel_id, occ.message_id, message)
        except DeliveryError as exc:
            log.warning("meeting %s: announcement not updated (%s)", occ.id, exc.reason)

    async def _render_topic(self, ref: str) -> None:
        topic = await store.get_topic(self.db, int(ref))
        occ = None if topic is None else await store.get_occurrence(self.db, topic.occurrence_id)
        if topic is None or occ is None or topic.message_id is None:
            return
        message = render.topic_message(await self._locale(occ.guild_id), topic)
        try:
            await self.port.edit_message(occ.thread_id or occ.channel_id, topic.message_id, message)
        except DeliveryError as exc:
            log.warning("topic %s: count not updated (%s)", topic.id, exc.reason)

    async def _post_thread(self, occ: Occurrence, message: OutMessage, effect: Effect | None = None) -> int | None:
        """Post in the meeting's thread (the port unarchives it), else in its channel — as
        ``effect`` when it is a scheduled post (once, whatever stops the process); the
        message id, or ``None`` when it could not be posted (logged)."""
        target = occ.thread_id or occ.channel_id
        try:
            if effect is not None:
                return await effect.post(self.port, target, message)
            return await self.port.send_message(target, message)
        except DeliveryError as exc:
            log.warning("meeting %s: thread post failed (%s)", occ.id, exc.reason)
            return None

    # --- jobs of one occurrence ------------------------------------------------------------

    async def _skip_past_reminders(self, occ: Occurrence) -> None:
        """Reminders already due when a meeting is created or moved are not sent: the
        announcement (or the "moved" DM) is the news. Only downtime gets the late policy."""
        now = self.clock.now()
        for offset in await store.reminder_offsets(self.db, occ.id):
            if occ.starts_at - timedelta(seconds=offset) <= now:
                await store.mark_reminder(self.db, occ.id, offset, sent_at=now, late=False, dm_sent=0, dm_failed=0)

    async def _arm(self, occ: Occurrence) -> None:
        """Arm ``occ``'s unsent reminders, its start and its end."""
        for offset in await store.reminder_offsets(self.db, occ.id):
            reminder = await store.get_reminder(self.db, occ.id, offset)
            if reminder is not None and reminder.sent_at is None:
                self.scheduler.arm(KIND_REMINDER, f"{occ.id}:{offset}", occ.starts_at - timedelta(seconds=offset))
        self.scheduler.arm(KIND_START, str(occ.id), occ.starts_at)
        self.scheduler.arm(KIND_END, str(occ.id), occ.ends_at)

    async def _disarm(self, occ: Occurrence) -> None:
        """Disarm ``occ``'s reminders, start and end (it moved or was cancelled)."""
        for offset in await store.reminder_offsets(self.db, occ.id):
            self.scheduler.disarm(KIND_REMINDER, f"{occ.id}:{offset}")
        self.scheduler.disarm(KIND_START, str(occ.id))
        self.scheduler.disarm(KIND_END, str(occ.id))

    # --- publishing ----------------------------------------------------------------------

    async def _materialise(self, series: Series, local: datetime, starts_at: datetime) -> Occurrence | None:
        """Store the occurrence of ``series`` at ``local`` (UTC ``starts_at``); ``None`` if
        that recurrence already has a row."""
        oid = await store.insert_occurrence(
            self.db,
            series=series,
            recurrence_local=format_local(local),
            starts_at=starts_at,
            ends_at=starts_at + timedelta(seconds=series.duration_s),
            now=self.clock.now(),
        )
        return None if oid is None else await store.get_occurrence(self.db, oid)

    async def _publish(self, occ: Occurrence) -> Occurrence:
        """Post the announcement, open the thread, create the event, arm the jobs.

        Raises ``DeliveryError`` when the announcement cannot be posted.
        """
        locale = await self._locale(occ.guild_id)
        message_id = await self.port.send_message(occ.channel_id, render.announcement(locale, occ, RsvpCounts()))
        await store.update_occurrence(self.db, occ.id, message_id=message_id)
        try:
            thread_id = await self.port.create_thread(occ.channel_id, message_id, render.thread_name(occ.title))
            await store.update_occurrence(self.db, occ.id, thread_id=thread_id)
        except DeliveryError as exc:
            log.warning("meeting %s: no thread (%s)", occ.id, exc.reason)
        try:
            event_id = await self.port.create_scheduled_event(occ.guild_id, render.event_spec(occ))
            await store.update_occurrence(self.db, occ.id, event_id=event_id, event_note=None)
        except DeliveryError as exc:
            await store.update_occurrence(self.db, occ.id, event_note=exc.reason)
        fresh = await store.get_occurrence(self.db, occ.id)
        assert fresh is not None
        await self._skip_past_reminders(fresh)
        await self._arm(fresh)
        return fresh

    async def _announce_next(self, series: Series, after_local: str) -> Occurrence | None:
        """Announce the first occurrence of ``series`` after local ``after_local`` that is
        still to come. Recurrences already stored are skipped when cancelled or ended; one
        that is already announced stops the search (returns ``None``)."""
        if series.rrule is None or series.cancelled_at is not None:
            return None
        now = self.clock.now()
        local = parse_local(after_local)
        for _ in range(ANNOUNCE_SEARCH):
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
            if not await self.scheduler.claim(announce_key(series.id, format_local(local)), series.guild_id):
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
