"""Closing polls: ``/poll close`` by a moderator and the ``polls.close`` job at
``closes_at``, then the after-close work, each step once (docs/architecture.md, "Two
walks": a poll closing): seal an anonymous poll, edit its message with the final tally, post the
results with the chart, arm the series' next occurrence, mark it finalized.

An anonymous poll is sealed at its close (:func:`bot.polls.store.seal`, one transaction):
every vote's voter key is replaced by a random value, so only the counts survive — not
even the database and the secret together tell who voted what (docs/anonymity.md,
"Anonymous polls sealed at the close").
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.actor import Actor, use_case
from bot.db import truncate_wal
from bot.errors import Conflict
from bot.polls import store
from bot.polls.base import KIND_CLOSE, KIND_OPEN, PollsBase
from bot.polls.rules import Poll, effective_threshold, next_occurrence, visibility
from bot.ports import DeliveryError

log = logging.getLogger(__name__)


class Closing(PollsBase):
    """``close``, the ``polls.close`` job and the after-close work."""

    async def _load_closes(self) -> list[tuple[str, datetime]]:
        """At start: open polls at their close, closed ones with unfinished after-close work at once."""
        return [(str(due.poll_id), due.when) for due in await store.due_closes(self.db)]

    @use_case("moderator")
    async def close(self, actor: Actor, poll_id: int, *, stop_repeating: bool = False) -> Poll:
        """Close open poll ``poll_id`` of ``actor``'s guild now: final results, chart, next
        occurrence (unless ``stop_repeating``, which also ends its series). Returns the
        poll. Raises ``Forbidden``, ``NotFound`` (field ``polls.poll``) or ``Conflict``
        (``already_closed``, ``close_scheduled``, ``close_cancelled``)."""
        poll = await self._poll_for(actor.guild(), poll_id)
        if poll.status == "scheduled":
            raise Conflict("polls.error.close_scheduled", poll=poll_id)
        if poll.status == "cancelled":
            raise Conflict("polls.error.close_cancelled", poll=poll_id)
        if poll.status == "closed" and poll.finalized_at is not None:
            raise Conflict("polls.error.already_closed", poll=poll_id)
        if stop_repeating and poll.series_id is not None:
            await store.deactivate_series(self.db, poll.series_id)
        if poll.status == "open":
            if not await store.mark_closed(self.db, poll_id, self.clock.now()):
                raise Conflict("polls.error.already_closed", poll=poll_id)
        self.scheduler.disarm(KIND_CLOSE, str(poll_id))
        await self._finalize(poll_id)
        await self.ctx.club.audit(poll.guild_id, actor.user_id, "polls.close", f"poll #{poll_id}")
        return await self._get(poll_id)

    async def _job_close(self, ref: str) -> None:
        """``polls.close``: close open poll ``ref`` if its time has come (re-armed if not
        yet), then finish its after-close work (also for a poll closed before a stop)."""
        poll = await store.get_poll(self.db, int(ref))
        if poll is None:
            return
        now = self.clock.now()
        if poll.status == "open":
            if poll.closes_at > now:
                self.scheduler.arm(KIND_CLOSE, ref, poll.closes_at)
                return
            await store.mark_closed(self.db, poll.id, now)
        await self._finalize(poll.id)

    async def _finalize(self, poll_id: int) -> None:
        """After-close work, each step once: seal (anonymous), final edit, results post,
        next occurrence. It runs as a task of ``ctx.tasks`` and the results post as a
        :meth:`Scheduler.effect`: if the bot stops or is killed meanwhile (say, during a
        rate-limit wait or while the chart is drawn), ``finalized_at`` stays unset and the
        next start finishes the post — once (docs/architecture.md, "Scheduler")."""
        await self.ctx.tasks.spawn(self._finalize_now(poll_id), name="polls.finalize")

    async def _finalize_now(self, poll_id: int) -> None:
        poll = await store.get_poll(self.db, poll_id)
        if poll is None or poll.status != "closed" or poll.finalized_at is not None:
            return
        self._live.forget(str(poll_id))
        club = await self.ctx.club.get(poll.guild_id)
        threshold = effective_threshold(poll, club.anonymity_threshold)
        if poll.anonymous and poll.sealed_voters is None:
            if await store.seal(self.db, poll_id, threshold):
                await self._checkpoint()
            poll = await self._get(poll_id)
        tally = await store.tally(self.db, poll_id, len(poll.choices))
        await self._edit(poll, tally)
        await store.set_rendered(self.db, poll_id, poll.votes_version)
        async with self.scheduler.effect(f"poll:{poll_id}:chart", poll.guild_id) as effect:
            if effect is not None:
                seen = visibility(poll, tally, threshold)
                message = await self._results_message(poll, tally, club.locale, seen)
                try:
                    message_id = await effect.post(self.port, poll.channel_id, message)
                except DeliveryError as exc:
                    log.warning("poll %s: results not posted in channel %s (%s)", poll_id, poll.channel_id, exc.reason)
                    await effect.complete(None)  # Discord refused for good: the close does not wait on it
                else:
                    await effect.complete(message_id)
        if poll.series_id is not None:
            await self._next_occurrence(poll, poll.series_id)
        await store.mark_finalized(self.db, poll_id, self.clock.now())

    async def _next_occurrence(self, poll: Poll, series_id: int) -> int | None:
        """Store the occurrence of series ``series_id`` after ``poll`` (scheduled, its open
        armed) unless the series stopped or has no more; idempotent. Returns its id."""
        series = await store.get_series(self.db, series_id)
        if series is None or not series.active:
            return None
        now = self.clock.now()
        occurrence = next_occurrence(
            series.rrule, series.timezone, series.local_opens, series.local_closes, after=poll.opens_at, now=now
        )
        if occurrence is None:
            return None
        spec = series.spec_for(occurrence)
        threshold = (await self.ctx.club.get(spec.guild_id)).anonymity_threshold
        poll_id = await store.insert_poll(self.db, spec, status="scheduled", series_id=series_id, now=now, threshold=threshold)
        if poll_id is not None:
            self.scheduler.arm(KIND_OPEN, str(poll_id), occurrence.opens_at)
        return poll_id

    async def _checkpoint(self) -> None:
        """Best effort: the voter keys a seal just replaced do not linger in the WAL
        (docs/anonymity.md, "Anonymous polls sealed at the close")."""
        await truncate_wal(self.db, "a poll seal")
