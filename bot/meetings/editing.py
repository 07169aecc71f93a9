"""Changing meetings: ``/meeting edit`` and ``/meeting cancel``, and the "moved" and
"cancelled" notices they DM.

What an edit changes, who is told and what is re-armed is decided by the pure
:func:`bot.meetings.rules.plan_edit`; this module applies the plan to the rows, the
announcement, the thread, the scheduled event and the jobs. The DMs go through the
durable outbox (docs/architecture.md, "Direct messages"): a restart in the middle
finishes them at start, each member once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.actor import Actor, use_case
from bot.clock import to_ts
from bot.errors import Conflict, InvalidInput
from bot.fanout import Delivery, FanOutResult, JobState, dm_rate
from bot.i18n import t
from bot.meetings import render, store
from bot.meetings.core import MeetingsCore
from bot.meetings.rules import (
    NOTICE_AUDIENCE,
    EditPlan,
    EditRequest,
    OccurrenceEdit,
    Scope,
    plan_edit,
    require_scheduled,
    validate_scope,
)
from bot.meetings.store import Occurrence, Series
from bot.ports import DeliveryError, OutMessage
from bot.text import plain, shorten

log = logging.getLogger(__name__)

JOB_MOVED = "meetings.moved"
"""Outbox job of a "meeting moved" notice: ``meetings.moved:{occurrence}:{old start}:{new start}`` (Unix s)."""
JOB_CANCELLED = "meetings.cancelled"
"""Outbox job of a "meeting cancelled" notice: ``meetings.cancelled:{occurrence}``."""


@dataclass(frozen=True)
class EditResult:
    """What an edit changed (field names), whether the time moved, how the DMs went, and
    how many occurrences were ``updated``."""

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


def moved_text(locale: str, occ: Occurrence, old_ts: int) -> str:
    """The "meeting moved" notice (thread and DM): from ``old_ts`` (Unix s) to its start."""
    return t(
        locale, "meetings.moved", title=plain(shorten(occ.title, 200)),
        old=f"<t:{old_ts}:F>", new=render.when_text(occ),
    )


def cancelled_text(locale: str, occ: Occurrence) -> str:
    """The "meeting cancelled" notice (thread and DM)."""
    return t(locale, "meetings.cancelled", title=plain(shorten(occ.title, 200)), when=render.when_text(occ))


class Editing(MeetingsCore):
    """Moderators changing or cancelling meetings."""

    @use_case("moderator")
    async def edit(
        self,
        actor: Actor,
        occurrence_id: int | str,
        *,
        starts: str | None = None,
        duration: str | None = None,
        location: str | None = None,
        title: str | None = None,
        agenda: str | None = None,
        scope: str = "occurrence",
    ) -> EditResult:
        """Change a scheduled occurrence of ``actor``'s guild; announcement, thread, event
        and reminders follow (:func:`~bot.meetings.rules.plan_edit` decides what changes).

        A new time moves this occurrence only (the rest of the series stays) — or, with
        ``scope="series"``, the series from this occurrence on (its rule restarts at the new
        local time); members who answered Going/Maybe get a DM. With ``scope="series"`` the
        title, agenda, location and duration also become the series' own for later
        occurrences. Raises ``Forbidden``, ``NotFound``, ``Conflict`` (not scheduled),
        ``InvalidInput`` naming the field.
        """
        guild_id = actor.guild()
        chosen = validate_scope(scope)
        occ = await self._occurrence(guild_id, occurrence_id)
        require_scheduled(occ.status)
        club = await self.ctx.club.get(guild_id)
        request = EditRequest(
            zone=club.timezone, locale=actor.reads(club.locale), starts=starts, duration=duration,
            location=location, title=title, agenda=agenda, scope=chosen, month_first=actor.month_first,
        )
        plan = plan_edit(occ, request, self.clock.now())
        if plan.local_start is not None:
            taken = await store.occurrence_by_recurrence(self.db, occ.series_id, plan.local_start)
            if taken is not None and taken.id != occ.id:
                raise InvalidInput("meetings.error.slot_taken", field="meetings.starts")
        targets = [(occ, plan.occurrence(occ))]
        series = plan.series
        if series is not None:
            await store.edit_series(self.db, occ.series_id, series)
            others = await store.occurrences_of_series(self.db, occ.series_id)
            targets += [(o, plan.sibling(o)) for o in others if o.id != occ.id and o.status == "scheduled"]
        for target, change in targets:
            await self._apply_edit(target, change)
        fresh = await store.get_occurrence(self.db, occ.id)
        assert fresh is not None
        notified = await self._tell_edit(occ, fresh, plan, club.locale)
        await self.ctx.club.audit(guild_id, actor.user_id, "meetings.edit", f"occurrence={occ.id} {','.join(plan.changed)}")
        return EditResult(fresh, plan.changed, plan.moved, notified, len(targets))

    async def _apply_edit(self, target: Occurrence, change: OccurrenceEdit) -> None:
        """Store ``change`` of ``target``, re-arm its jobs if its times changed (reminders
        sent again if its start moved), refresh its announcement, thread name and event."""
        await store.edit_occurrence(self.db, target.id, change)
        fresh = await store.get_occurrence(self.db, target.id)
        assert fresh is not None
        if change.rearm:
            if change.reset_reminders:
                await store.reset_reminders(self.db, fresh.id)
                await self._skip_past_reminders(fresh)
            await self._disarm(target)
            await self._arm(fresh)
        await self._show(fresh)
        if fresh.thread_id is not None and change.rename_thread:
            try:
                await self.port.rename_thread(fresh.thread_id, render.thread_name(fresh.title))
            except DeliveryError as exc:
                log.warning("meeting %s: thread not renamed (%s)", fresh.id, exc.reason)
        if fresh.event_id is not None:
            try:
                await self.port.edit_scheduled_event(fresh.guild_id, fresh.event_id, render.event_spec(fresh))
            except DeliveryError as exc:
                log.warning("meeting %s: event not updated (%s)", fresh.id, exc.reason)

    async def _tell_edit(self, before: Occurrence, fresh: Occurrence, plan: EditPlan, locale: str) -> FanOutResult:
        """Post the plan's notice in the thread; a move is also DMed to Going/Maybe members."""
        if plan.notice == "moved":
            old_ts, new_ts = to_ts(before.starts_at), to_ts(fresh.starts_at)
            await self._post_thread(fresh, OutMessage(content=moved_text(locale, fresh, old_ts)))
            return await self._notify(fresh, f"{JOB_MOVED}:{fresh.id}:{old_ts}:{new_ts}")
        if plan.notice == "updated":
            fields = ", ".join(t(locale, f"field.meetings.{n}") for n in plan.changed)
            await self._post_thread(fresh, OutMessage(content=t(locale, "meetings.updated", fields=fields)))
        return FanOutResult()

    @use_case("moderator")
    async def cancel(self, actor: Actor, occurrence_id: int | str, scope: str = "occurrence") -> CancelResult:
        """Cancel one occurrence of ``actor``'s guild (``scope="occurrence"``; the series goes
        on and its next occurrence is announced) or the whole series (``"series"``). Members
        who answered Going/Maybe get a DM; the announcement shows "Cancelled", the scheduled
        event is deleted. Raises ``Forbidden``, ``NotFound``, ``Conflict`` (already
        started/ended/cancelled), ``InvalidInput`` (scope).
        """
        guild_id = actor.guild()
        chosen = validate_scope(scope)
        occ = await self._occurrence(guild_id, occurrence_id)
        series = await store.get_series(self.db, occ.series_id)
        assert series is not None
        targets = await self._cancel_targets(occ, series, chosen)
        locale = await self._locale(guild_id)
        notified = FanOutResult()
        cancelled = []
        for target in targets:
            done = await self._cancel_one(target, locale)
            if done is None:
                continue
            fresh, result = done
            cancelled.append(fresh)
            notified.sent += result.sent
            notified.failures.update(result.failures)
        if chosen == "occurrence" and not cancelled:
            raise Conflict("meetings.error.closed_cancelled")
        next_occ = None
        if chosen == "occurrence" and series.rrule is not None:
            later = [o for o in await store.occurrences_of_series(self.db, series.id)
                     if o.status == "scheduled" and o.starts_at > occ.starts_at]
            if not later:
                next_occ = await self._announce_next(series, occ.recurrence_local)
        await self.ctx.club.audit(guild_id, actor.user_id, "meetings.cancel", f"occurrence={occ.id} scope={chosen}")
        return CancelResult(cancelled, notified, chosen == "series", next_occ)

    async def _cancel_targets(self, occ: Occurrence, series: Series, scope: Scope) -> list[Occurrence]:
        """What a cancel of ``scope`` takes: ``occ`` (scheduled), or the series' scheduled
        occurrences (the series row is marked cancelled). Raises ``Conflict``."""
        if scope == "occurrence":
            require_scheduled(occ.status)
            return [occ]
        if series.cancelled_at is not None:
            raise Conflict("meetings.error.closed_cancelled")
        targets = [o for o in await store.occurrences_of_series(self.db, series.id) if o.status == "scheduled"]
        await store.update_series(self.db, series.id, cancelled_at=to_ts(self.clock.now()))
        return targets

    async def _cancel_one(self, target: Occurrence, locale: str) -> tuple[Occurrence, FanOutResult] | None:
        """Cancel ``target`` if still scheduled (``None`` otherwise): jobs disarmed,
        announcement, event deleted, notice in the thread and by DM, thread archived."""
        if not await store.set_status(self.db, target.id, "cancelled", only_from=("scheduled",)):
            return None
        await self._disarm(target)
        fresh = await store.get_occurrence(self.db, target.id)
        assert fresh is not None
        await self._show(fresh)
        if fresh.event_id is not None:
            try:
                await self.port.delete_scheduled_event(fresh.guild_id, fresh.event_id)
            except DeliveryError as exc:
                log.warning("meeting %s: event not deleted (%s)", fresh.id, exc.reason)
        await self._post_thread(fresh, OutMessage(content=cancelled_text(locale, fresh)))
        result = await self._notify(fresh, f"{JOB_CANCELLED}:{fresh.id}")
        if fresh.thread_id is not None:
            try:
                await self.port.archive_thread(fresh.thread_id)
                await store.update_occurrence(self.db, fresh.id, archived=1)
            except DeliveryError as exc:
                log.warning("meeting %s: thread not archived (%s)", fresh.id, exc.reason)
        return fresh, result

    # --- notices by DM -------------------------------------------------------------------

    async def _notify(self, occ: Occurrence, job: str) -> FanOutResult:
        """DM members who answered Going/Maybe (:data:`~bot.meetings.rules.NOTICE_AUDIENCE`),
        paced; failures counted. The list is written to the outbox first (job ``job``, whose
        factory renders the message from the occurrence's row), so a restart in the middle
        finishes the notice at start."""
        recipients = [r.user_id for r in await store.rsvps(self.db, occ.id) if r.status in NOTICE_AUDIENCE]
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
            await self.port.send_dm(user_id, message)

        return Delivery(send)

    async def _moved_delivery(self, ref: str, state: JobState) -> Delivery | None:
        """The "meeting moved" DM of ``ref`` = ``{occurrence}:{old start}:{new start}``;
        ``None`` when the occurrence has since moved again or is no longer scheduled."""
        oid, old_ts, new_ts = (int(p) for p in ref.split(":"))
        occ = await store.get_occurrence(self.db, oid)
        if occ is None or occ.status != "scheduled" or to_ts(occ.starts_at) != new_ts:
            return None
        return self._dm_delivery(OutMessage(content=moved_text(await self._locale(occ.guild_id), occ, old_ts)))

    async def _cancelled_delivery(self, ref: str, state: JobState) -> Delivery | None:
        """The "meeting cancelled" DM of occurrence ``ref``; ``None`` unless it is cancelled."""
        occ = await store.get_occurrence(self.db, int(ref))
        if occ is None or occ.status != "cancelled":
            return None
        return self._dm_delivery(OutMessage(content=cancelled_text(await self._locale(occ.guild_id), occ)))
