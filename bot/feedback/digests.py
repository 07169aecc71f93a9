"""Use-cases of the digests of spontaneous feedback: a batch of released texts taken once
the threshold is met (by a moderator, or weekly by Cercle), reviewed by moderators (the
default: each text approved or held back) and posted in the feedback channel exactly once.

* **Taking.** The threshold check and the batch are one transaction
  (:meth:`DigestUseCases._take`, the rule in :func:`bot.feedback.rules.digest_plan`): a
  withdraw racing it cannot make it hold fewer than *k* (docs/anonymity.md, "The anonymity
  threshold"). The weekly run claims its ISO week in the same transaction, so a week's
  digest is taken once whatever stops the process.
* **Reviewing** (docs/anonymity.md, "Reviewing digests"). A digest in review is shown to
  moderators only (``/campaign review``, or the button of the notice Cercle posts in the
  moderators' channel); it holds released answers only, so it reveals nothing a report does
  not. A held-back text is not posted but still counts in every aggregate.
* **Posting exactly once.** Approval freezes the texts to post
  (:func:`bot.feedback.digest_store.approve`); each message of the digest is a claimed side
  effect (:meth:`bot.scheduler.Scheduler.effect`: intended, attempted, done), and a digest
  left approved by a stop or a crash is posted by the next start (:data:`POST_KIND`).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from bot import anonymity, claims
from bot.actor import Actor, use_case
from bot.clock import to_ts
from bot.errors import Conflict, NotFound
from bot.feedback import cohorts, digest_store, render, rules
from bot.feedback.core import DIGEST_KIND, FeedbackCore
from bot.feedback.digest_store import Digest, DigestResult, DigestReview
from bot.feedback.rules import DigestSchedule
from bot.ports import DeliveryError
from bot.recurrence import next_weekly

log = logging.getLogger(__name__)

POST_KIND = "feedback.digest.post"
"""Scheduler kind finishing an unposted digest (ref: the digest id): the moderators' notice
of one in review, or the messages of an approved one — armed at start for every digest a
stop or a crash left unposted."""


class DigestUseCases(FeedbackCore):
    """Taking, reviewing and posting digests, and their weekly schedule."""

    @use_case("moderator")
    async def digest(self, actor: Actor) -> DigestResult:
        """Take the released spontaneous feedback of ``actor``'s guild as one digest when at
        least the threshold accumulated, and post it in the feedback channel — or, when the
        club reviews its digests (the default), return it for review (``result.review``).
        A digest an earlier failure left approved is posted first.

        Raises ``Conflict`` ``feedback.error.no_channel`` when no feedback channel is set,
        ``Conflict`` ``feedback.error.cannot_post`` when the post fails (the digest stays
        approved and is posted by the next ``/campaign digest`` or start).
        """
        guild_id = actor.guild()
        settings = await self.ctx.club.get(guild_id)
        channel_id = settings.feedback_channel_id
        if channel_id is None:
            raise Conflict("feedback.error.no_channel")
        try:
            retried = [(await self._post(left.id))[0] for left in await digest_store.unposted(self.db, guild_id, "approved")]
            result = await self._digest(guild_id, week=None)
        except DeliveryError:
            raise Conflict("feedback.error.cannot_post", channel=f"<#{channel_id}>") from None
        if sum(retried):
            result = replace(result, posted=result.posted + sum(retried))
        if result.posted or result.review is not None:
            detail = f"{result.posted} answers" if result.review is None else f"{result.review.digest.count} for review"
            await self.ctx.club.audit(guild_id, actor.user_id, "feedback.digest", detail)
        return result

    @use_case("moderator")
    async def review(self, actor: Actor, digest_id: int | None = None) -> DigestReview | None:
        """The digest ``digest_id`` of ``actor``'s guild in review (the oldest one when
        ``None``), or ``None`` when none waits. Raises ``NotFound``
        ``feedback.error.digest_not_found`` for a digest of another guild or no longer in
        review."""
        guild_id = actor.guild()
        if digest_id is None:
            waiting = await digest_store.unposted(self.db, guild_id, "review")
            return await self._review_of(waiting[0], len(waiting)) if waiting else None
        return await self._in_review(guild_id, digest_id)

    @use_case("moderator")
    async def hold(self, actor: Actor, digest_id: int, answer_id: str, held: bool) -> DigestReview:
        """Hold one text of a digest in review back from the public digest (``held``) or
        approve it again; returns the review. Raises ``NotFound``
        ``feedback.error.digest_not_found`` when the digest is not in review any more."""
        review = await self._in_review(actor.guild(), digest_id)
        if not await digest_store.set_held(self.db, digest_id, answer_id, held):
            raise NotFound("feedback.error.digest_not_found")
        return await self._review_of(review.digest, review.waiting)

    @use_case("moderator")
    async def publish(self, actor: Actor, digest_id: int) -> DigestResult:
        """Post the approved texts of a digest in review in the feedback channel (nothing
        when all were held back). Raises ``NotFound`` ``feedback.error.digest_not_found``
        when another moderator published it first, ``Conflict`` ``feedback.error.no_channel``
        / ``feedback.error.cannot_post`` as :meth:`digest` (the digest stays approved)."""
        guild_id = actor.guild()
        review = await self._in_review(guild_id, digest_id)
        channel_id = (await self.ctx.club.get(guild_id)).feedback_channel_id
        if channel_id is None:
            raise Conflict("feedback.error.no_channel")
        if not await digest_store.approve(self.db, digest_id):
            raise NotFound("feedback.error.digest_not_found")
        held = len(review.entries) - review.approved
        await self.ctx.club.audit(guild_id, actor.user_id, "feedback.digest.publish", f"{review.approved} posted, {held} held back")
        try:
            posted, first_id = await self._post(digest_id)
        except DeliveryError:
            raise Conflict("feedback.error.cannot_post", channel=f"<#{channel_id}>") from None
        threshold = (await self.ctx.club.get(guild_id)).anonymity_threshold
        return DigestResult(posted, await digest_store.count_pending(self.db, guild_id), threshold, first_id, held=held)

    @use_case("moderator")
    async def digest_schedule(self, actor: Actor) -> DigestSchedule:
        """The weekly digest schedule of ``actor``'s guild (default: on, Monday 09:00 club
        time, reviewed)."""
        return await digest_store.get_schedule(self.db, actor.guild())

    @use_case("moderator")
    async def set_digest_schedule(
        self, actor: Actor, *, enabled: bool | None = None, weekday: int | None = None, hour: int | None = None,
        review: bool | None = None,
    ) -> tuple[DigestSchedule, datetime | None]:
        """Change the weekly digest of ``actor``'s guild (``None``: unchanged; ``review``:
        digests wait for a moderator's review); returns the schedule and its next run (UTC,
        ``None`` when off). Raises ``InvalidInput`` for weekday outside 0–6 or hour outside
        0–23."""
        guild_id = actor.guild()
        current = await digest_store.get_schedule(self.db, guild_id)
        schedule = rules.validate_schedule(weekday, hour, current, enabled, review)
        await digest_store.save_schedule(self.db, guild_id, schedule)
        following = await self._rearm_digest(guild_id)
        await self.ctx.club.audit(
            guild_id,
            actor.user_id,
            "feedback.digest.schedule",
            f"enabled={schedule.enabled} weekday={schedule.weekday} hour={schedule.hour} review={schedule.review}",
        )
        return schedule, following

    # --- taking and posting -------------------------------------------------------------

    async def _digest(self, guild_id: int, *, week: str | None) -> DigestResult:
        """Take a digest of ``guild_id`` (``week``: the weekly run's ISO week, claimed in the
        same transaction) and post it or send it to review. Raises ``DeliveryError`` when the
        post fails (the digest stays approved)."""
        settings = await self.ctx.club.get(guild_id)
        schedule = await digest_store.get_schedule(self.db, guild_id)
        plan, digest_id = await self._take(guild_id, settings.anonymity_threshold, schedule.review, week)
        if digest_id is None:  # what waits: released texts not digested yet, and answers not released yet
            waiting = await cohorts.waiting_thresholds(self.db, guild_id, None)
            threshold = anonymity.effective_threshold(plan.threshold, waiting)
            return DigestResult(0, plan.pending + len(waiting), threshold)
        if schedule.review:
            await self._notify(digest_id)
            return DigestResult(0, 0, plan.threshold, review=await self._in_review(guild_id, digest_id))
        posted, first_id = await self._post(digest_id)
        return DigestResult(posted, 0, plan.threshold, first_id)

    async def _take(
        self, guild_id: int, club_threshold: int, review: bool, week: str | None
    ) -> tuple[rules.DigestPlan, int | None]:
        """In one transaction: claim the weekly run's ``week`` (when given; a week already
        claimed takes nothing), read the waiting feedback, decide (:func:`rules.digest_plan`)
        and, when ready, attach all of it to a new digest. Returns the plan and the digest id
        (``None`` when nothing was taken)."""
        async with self.db.transaction() as conn:
            if week is not None and not await claims.claim_in(conn, self._week_key(guild_id, week), guild_id,
                                                              to_ts(self.clock.now())):
                return rules.DigestPlan(0, club_threshold), None
            pending = await digest_store.pending_feedback(conn, guild_id)
            plan = rules.digest_plan(club_threshold, [p.item.threshold for p in pending])
            if not plan.ready:
                return plan, None
            digest_id = await digest_store.attach_digest(
                conn, guild_id, to_ts(self.clock.now()), pending, review=review, week=week
            )
        return plan, digest_id

    async def _post(self, digest_id: int) -> tuple[int, int | None]:
        """Post an approved digest in its club's feedback channel, each message exactly once
        (claim ``feedback:digest:{id}:{part}``), then record it posted. Returns the texts
        posted and the first message's id (``(0, None)`` when every text was held back or it
        was posted already). Raises ``DeliveryError`` when Discord refuses a message."""
        digest = await digest_store.get_digest(self.db, digest_id)
        frozen = await digest_store.payload(self.db, digest_id)
        if digest is None or frozen is None:
            return 0, None
        settings = await self.ctx.club.get(digest.guild_id)
        channel_id = settings.feedback_channel_id
        items = digest_store.items_of(frozen)
        first_id = digest.message_id
        if channel_id is not None:
            for part, message in enumerate(render.digest(items, settings.locale)):
                async with self.scheduler.effect(f"feedback:digest:{digest_id}:{part}", digest.guild_id) as effect:
                    if effect is None:
                        continue
                    message_id = await effect.post(self.port, channel_id, message)
                    await effect.complete(message_id)
                    if part == 0:
                        first_id = message_id
                        await digest_store.set_first_message(self.db, digest_id, channel_id, message_id)
        elif items:
            raise DeliveryError("not_found")
        await digest_store.mark_posted(self.db, digest_id, channel_id if items else None, first_id if items else None)
        return len(items), first_id if items else None

    async def _notify(self, digest_id: int) -> None:
        """Tell the moderators' channel (when set) that a digest waits for review, once
        (claim ``feedback:digest:{id}:notice``); a refused post is logged, the digest waits."""
        digest = await digest_store.get_digest(self.db, digest_id)
        settings = None if digest is None else await self.ctx.club.get(digest.guild_id)
        if digest is None or settings is None or settings.moderators_channel_id is None:
            return
        message = render.review_notice(digest, settings.feedback_channel_id, settings.locale)
        try:
            async with self.scheduler.effect(f"feedback:digest:{digest_id}:notice", digest.guild_id) as effect:
                if effect is not None:
                    await effect.complete(await effect.post(self.port, settings.moderators_channel_id, message))
        except DeliveryError as exc:
            log.warning("digest %s: the moderators' notice could not be posted (%s)", digest_id, exc.reason)

    async def _in_review(self, guild_id: int, digest_id: int) -> DigestReview:
        """The digest ``digest_id`` of ``guild_id`` in review; ``NotFound``
        ``feedback.error.digest_not_found`` when it is another guild's or not in review."""
        waiting = await digest_store.unposted(self.db, guild_id, "review")
        found = next((d for d in waiting if d.id == digest_id), None)
        if found is None:
            raise NotFound("feedback.error.digest_not_found")
        return await self._review_of(found, len(waiting))

    async def _review_of(self, digest: Digest, waiting: int) -> DigestReview:
        entries = tuple(e for e in await digest_store.entries(self.db, digest.id) if not e.withdrawn)
        return DigestReview(digest, entries, waiting)

    # --- the weekly job and the unposted digests ----------------------------------------

    async def _last_and_next(self, guild_id: int, schedule: DigestSchedule) -> tuple[datetime, datetime]:
        settings = await self.ctx.club.get(guild_id)
        following = next_weekly(schedule.weekday, schedule.hour, 0, settings.timezone, self.clock.now())
        return following - timedelta(days=7), following

    @staticmethod
    def _week_key(guild_id: int, week: str) -> str:
        return f"feedback:digest:{guild_id}:{week}"

    async def _digest_loader(self) -> list[tuple[str, datetime]]:
        """Catch-up policy: a weekly digest missed during downtime runs at start (late), once."""
        armed = []
        for guild_id in await digest_store.digest_guilds(self.db):
            schedule = await digest_store.get_schedule(self.db, guild_id)
            if not schedule.enabled:
                continue
            last, following = await self._last_and_next(guild_id, schedule)
            claimed = await claims.is_claimed(self.db, self._week_key(guild_id, anonymity.coarse_week(last)))
            overdue = not claimed and await digest_store.count_pending(self.db, guild_id) > 0
            armed.append((str(guild_id), last if overdue else following))
        return armed

    async def _digest_job(self, ref: str) -> None:
        """The weekly digest of guild ``ref``: taken once per week (even when not ready: the
        week is then done), then posted or sent to review; the next week is armed."""
        guild_id = int(ref)
        schedule = await digest_store.get_schedule(self.db, guild_id)
        if not schedule.enabled:
            return
        last, following = await self._last_and_next(guild_id, schedule)
        try:
            if (await self.ctx.club.get(guild_id)).feedback_channel_id is not None:
                await self._digest(guild_id, week=anonymity.coarse_week(last))
        except DeliveryError as exc:
            log.warning("weekly digest could not be posted (guild %s: %s); it is posted at the next start", guild_id,
                        exc.reason)
        finally:
            self.scheduler.arm(DIGEST_KIND, ref, following)

    async def _unposted_loader(self) -> list[tuple[str, datetime]]:
        """Every digest left unposted: its notice or its messages are finished now."""
        now = self.clock.now()
        return [(str(d.id), now) for d in await digest_store.unposted(self.db)]

    async def _unposted_job(self, ref: str) -> None:
        digest = await digest_store.get_digest(self.db, int(ref))
        if digest is None or digest.status == "posted":
            return
        try:
            if digest.status == "review":
                await self._notify(digest.id)
            else:
                await self._post(digest.id)
        except DeliveryError as exc:
            log.warning("digest %s could not be posted (%s); it waits for /campaign digest", digest.id, exc.reason)

    async def _rearm_digest(self, guild_id: int) -> datetime | None:
        """Arm the next weekly digest of ``guild_id`` (disarm when off); returns when (UTC)."""
        schedule = await digest_store.get_schedule(self.db, guild_id)
        if not schedule.enabled:
            self.scheduler.disarm(DIGEST_KIND, str(guild_id))
            return None
        _, following = await self._last_and_next(guild_id, schedule)
        self.scheduler.arm(DIGEST_KIND, str(guild_id), following)
        return following
