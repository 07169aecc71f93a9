"""Use-cases of spontaneous feedback and its digests: give (members, from the server or a
DM), the digest posted as one shuffled batch once the threshold is met (by a moderator, or
weekly by Cercle), and the weekly schedule.

A digest checks the threshold and takes its batch in one transaction
(:meth:`SpontaneousUseCases._take_batch`, the rule in :func:`bot.feedback.rules.digest_plan`):
a withdraw racing it cannot make it post fewer than *k* (docs/anonymity.md, "The anonymity
threshold").
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import anonymity, claims
from bot.actor import Actor, use_case
from bot.clock import to_ts
from bot.errors import Conflict
from bot.feedback import cohorts, render, rules, store
from bot.feedback.core import DIGEST_KIND, FeedbackCore, voice_scope
from bot.feedback.rules import DigestPlan, DigestSchedule, SpontaneousItem
from bot.ports import DeliveryError
from bot.recurrence import next_weekly

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DigestResult:
    """Outcome of a digest: ``posted`` answers (0 when not ready), ``pending`` left, ``threshold``,
    and the first message's id when posted."""

    posted: int
    pending: int
    threshold: int
    message_id: int | None = None


class SpontaneousUseCases(FeedbackCore):
    """Giving spontaneous feedback, and its digests."""

    @use_case("member")
    async def give(
        self, actor: Actor, guild_id: int, *, text: str, category: str | None = None, rating: str | int | None = None
    ) -> str:
        """Store one spontaneous anonymous feedback for the club ``guild_id`` (``actor``'s
        guild, or the club a DM belongs to: the caller decides); returns the receipt code to
        show once (formatted ``ABCDE-12345``).

        One voice per member per week (docs/anonymity.md, "Cohorts"): a second feedback of
        the same ISO week replaces the first (waiting: at once, its receipt dies; released:
        at the next release). The member's id only makes that week's HMAC key. The feedback
        waits for its cohort and is released with at least k others. Raises
        ``InvalidInput`` for an unknown category, empty or over-long text (2000), or a
        rating outside 0–10.
        """
        clean_category = rules.validate_category(category)
        body = rules.validate_text(text, field="feedback_text", required=True)
        score = rules.parse_rating(rating, field="feedback_rating")
        code, code_hash = anonymity.new_receipt()
        settings = await self.ctx.club.get(guild_id)
        week = anonymity.coarse_week(self.clock.now())
        voice = anonymity.dedupe_key(self.ctx.secret, voice_scope(guild_id, week), actor.user_id)
        async with self.db.transaction() as conn:
            replaces = await cohorts.take_voice(conn, voice)
            await cohorts.add_pending(
                conn, guild_id=guild_id, campaign_id=None, receipt_hash=code_hash, category=clean_category,
                rating=score, body=body or "", voice=voice, replaces=replaces,
                threshold=settings.anonymity_threshold,  # the k this member is told (receipt)
            )
        await self._release(guild_id, None)
        if guild_id not in self._digest_guilds_armed():
            await self._rearm_digest(guild_id)
        return anonymity.format_receipt(code)

    @use_case("moderator")
    async def digest(self, actor: Actor) -> DigestResult:
        """Post the pending spontaneous feedback of ``actor``'s guild as one shuffled batch in
        the feedback channel with ``channel.send`` (never an interaction response:
        docs/anonymity.md, "The anonymity threshold") — only when at least the threshold
        accumulated; otherwise nothing is posted.

        Raises ``Conflict`` ``feedback.error.no_channel`` when no feedback channel is set,
        ``Conflict`` ``feedback.error.cannot_post`` when the post fails.
        """
        guild_id = actor.guild()
        result = await self._digest(guild_id, automatic=False)
        if result.posted:
            await self.ctx.club.audit(guild_id, actor.user_id, "feedback.digest", f"{result.posted} answers")
        return result

    @use_case("moderator")
    async def digest_schedule(self, actor: Actor) -> DigestSchedule:
        """The weekly digest schedule of ``actor``'s guild (default: on, Monday 09:00 club time)."""
        return await store.get_schedule(self.db, actor.guild())

    @use_case("moderator")
    async def set_digest_schedule(
        self, actor: Actor, *, enabled: bool | None = None, weekday: int | None = None, hour: int | None = None
    ) -> tuple[DigestSchedule, datetime | None]:
        """Change the weekly digest of ``actor``'s guild; returns the schedule and its next
        run (UTC, ``None`` when off). Raises ``InvalidInput`` for weekday outside 0–6 or hour
        outside 0–23."""
        guild_id = actor.guild()
        current = await store.get_schedule(self.db, guild_id)
        schedule = rules.validate_schedule(weekday, hour, current, enabled)
        await store.save_schedule(self.db, guild_id, schedule)
        await self._rearm_digest(guild_id)
        await self.ctx.club.audit(
            guild_id,
            actor.user_id,
            "feedback.digest.schedule",
            f"enabled={schedule.enabled} weekday={schedule.weekday} hour={schedule.hour}",
        )
        armed = [a.when for a in self.scheduler.pending(DIGEST_KIND) if a.ref == str(guild_id)]
        return schedule, (armed[0] if armed else None)

    # --- posting a digest -------------------------------------------------------------

    async def _digest(self, guild_id: int, *, automatic: bool) -> DigestResult:
        """A digest of ``guild_id``; ``automatic`` (the weekly job) returns instead of raising
        when there is no channel or the post fails."""
        settings = await self.ctx.club.get(guild_id)
        channel_id = settings.feedback_channel_id
        if channel_id is None:
            plan = DigestPlan(await store.count_pending(self.db, guild_id), settings.anonymity_threshold)
            if automatic:
                return DigestResult(0, plan.pending, plan.threshold)
            raise Conflict("feedback.error.no_channel")
        plan, digest_id, items = await self._take_batch(guild_id, to_ts(self.clock.now()), settings.anonymity_threshold)
        if digest_id is None:  # what waits: released texts not digested yet, and answers not released yet
            waiting = await cohorts.waiting_thresholds(self.db, guild_id, None)
            threshold = anonymity.effective_threshold(plan.threshold, waiting)
            return DigestResult(0, plan.pending + len(waiting), threshold)
        random.SystemRandom().shuffle(items)
        messages = render.digest(items, settings.locale)
        first_id = None
        try:
            for message in messages:
                message_id = await self.port.send_message(channel_id, message)
                first_id = first_id or message_id
        except DeliveryError:
            if first_id is None:
                await store.release_digest(self.db, digest_id)
                if automatic:
                    log.warning("weekly digest could not be posted (guild %s)", guild_id)
                    return DigestResult(0, plan.pending, plan.threshold)
                raise Conflict("feedback.error.cannot_post", channel=f"<#{channel_id}>") from None
        if first_id is not None:
            await store.set_digest_message(self.db, digest_id, channel_id, first_id)
        return DigestResult(len(items), 0, plan.threshold, first_id)

    async def _take_batch(
        self, guild_id: int, posted_at: int, club_threshold: int
    ) -> tuple[DigestPlan, int | None, list[SpontaneousItem]]:
        """In one transaction: read the pending feedback, decide (:func:`rules.digest_plan`)
        and, when ready, attach all of it to a new digest. Returns the plan, the digest id
        (``None`` when nothing was taken) and the items taken."""
        async with self.db.transaction() as conn:
            pending = await store.pending_feedback(conn, guild_id)
            plan = rules.digest_plan(club_threshold, [p.item.threshold for p in pending])
            if not plan.ready:
                return plan, None, []
            digest_id = await store.attach_digest(conn, guild_id, posted_at, [p.id for p in pending])
        return plan, digest_id, [p.item for p in pending]

    # --- the weekly job ---------------------------------------------------------------

    async def _last_and_next(self, guild_id: int, schedule: DigestSchedule) -> tuple[datetime, datetime]:
        settings = await self.ctx.club.get(guild_id)
        now = self.clock.now()
        following = next_weekly(schedule.weekday, schedule.hour, 0, settings.timezone, now)
        return following - timedelta(days=7), following

    @staticmethod
    def _digest_key(guild_id: int, occurrence: datetime) -> str:
        return f"feedback:digest:{guild_id}:{anonymity.coarse_week(occurrence)}"

    async def _digest_loader(self) -> list[tuple[str, datetime]]:
        """Catch-up policy: a weekly digest missed during downtime runs at start (late), once."""
        armed = []
        for guild_id in await store.digest_guilds(self.db):
            schedule = await store.get_schedule(self.db, guild_id)
            if not schedule.enabled:
                continue
            last, following = await self._last_and_next(guild_id, schedule)
            claimed = await claims.is_claimed(self.db, self._digest_key(guild_id, last))
            overdue = not claimed and await store.count_pending(self.db, guild_id) > 0
            armed.append((str(guild_id), last if overdue else following))
        return armed

    async def _digest_job(self, ref: str) -> None:
        guild_id = int(ref)
        schedule = await store.get_schedule(self.db, guild_id)
        if not schedule.enabled:
            return
        last, following = await self._last_and_next(guild_id, schedule)
        try:
            if await self.scheduler.claim(self._digest_key(guild_id, last), guild_id):
                settings = await self.ctx.club.get(guild_id)
                if settings.feedback_channel_id is not None:
                    result = await self._digest(guild_id, automatic=True)
                    await self.scheduler.complete(self._digest_key(guild_id, last), result.message_id)
        finally:
            self.scheduler.arm(DIGEST_KIND, ref, following)

    async def _rearm_digest(self, guild_id: int) -> None:
        schedule = await store.get_schedule(self.db, guild_id)
        if not schedule.enabled:
            self.scheduler.disarm(DIGEST_KIND, str(guild_id))
            return
        _, following = await self._last_and_next(guild_id, schedule)
        self.scheduler.arm(DIGEST_KIND, str(guild_id), following)

    def _digest_guilds_armed(self) -> set[int]:
        return {int(a.ref) for a in self.scheduler.pending(DIGEST_KIND)}
