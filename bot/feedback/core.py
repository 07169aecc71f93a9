"""What every feedback use-case module shares: the scheduler kinds, the HMAC scopes of the
anonymity design (:mod:`bot.feedback.service`'s docstring) and :class:`FeedbackCore`, the base
holding the in-memory caches and the lookups the use-cases have in common.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from bot import anonymity
from bot.anonymity import CohortDecision
from bot.context import AppContext, FeatureService
from bot.db import truncate_wal
from bot.errors import NotFound
from bot.feedback import cohorts, store
from bot.feedback.rules import AnswerValue, Question
from bot.feedback.store import Campaign

CLOSE_KIND = "feedback.close"
"""Scheduler kind closing a campaign at its ``closes_at`` (ref: the campaign id)."""
DIGEST_KIND = "feedback.digest"
"""Scheduler kind of a guild's weekly digest (ref: the guild id)."""
INVITE_JOB = "feedback.invite"
"""Durable fan-out of a campaign's or survey's invitations: job ``feedback.invite:{campaign id}``."""
MAX_SURVEY_DAYS = 366
"""A survey closes at most 366 days after it starts."""
ANSWER_CACHE_SECONDS = 5.0
"""How long the answer path reuses a campaign it read (seconds, monotonic clock)."""
PROGRESS_EVERY = 100
"""A long fan-out records its counts every 100 recipients."""


def dedupe_scope(campaign_id: int) -> str:
    """The HMAC scope of "one answer per member" for a campaign."""
    return f"feedback:campaign:{campaign_id}"


def voice_scope(guild_id: int, week: str) -> str:
    """The HMAC scope of "one spontaneous feedback per member per ISO week" in a guild."""
    return f"feedback:voice:{guild_id}:{week}"


def invite_scope(campaign_id: int) -> str:
    """The HMAC scope of a campaign's invitations (distinct from :func:`dedupe_scope`)."""
    return f"feedback:invite:{campaign_id}"


@dataclass(frozen=True)
class QueuedAnswer:
    """One answer waiting for the next group commit: the HMAC keys (``invite_key`` ``None``
    when no invitation is needed), where it goes, the receipt's hash, its
    ``values``, and the ``future`` its submitter awaits (``"stored"``, ``"duplicate"``,
    ``"closed"`` or ``"not_invited"``). No member id."""

    invite_key: str | None
    dedupe_key: str
    guild_id: int
    campaign_id: int
    receipt_hash: str
    values: tuple[AnswerValue, ...]
    future: asyncio.Future[str]


class FeedbackCore(FeatureService):
    """The base of the feedback use-case mixins (:class:`bot.feedback.service.FeedbackService`
    is composed of them): the context's handles, the caches, and shared lookups."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self._questions: dict[int, tuple[Question, ...]] = {}
        self._answer_cache: dict[int, tuple[Campaign, float]] = {}
        self._queue: list[QueuedAnswer] = []
        self._flusher: asyncio.Task[None] | None = None

    async def _campaign(self, campaign_id: int, guild_id: int | None = None) -> Campaign:
        """The campaign, or ``NotFound`` when absent or (with ``guild_id``) of another guild."""
        campaign = await store.get_campaign(self.db, campaign_id)
        if campaign is None or (guild_id is not None and campaign.guild_id != guild_id):
            raise NotFound("feedback.error.campaign_not_found")
        return campaign

    @staticmethod
    def _threshold_of(campaign: Campaign, current: int) -> int:
        """The threshold a campaign's answers are shown under: the club's ``current`` one, or
        the one in force when the campaign started if that was higher (what members were told)."""
        return anonymity.effective_threshold(current, (campaign.threshold,))

    async def _release(self, guild_id: int, campaign: Campaign | None, *, final: bool = False) -> CohortDecision:
        """Release the waiting answers of one scope (``campaign``, or the guild's spontaneous
        feedback when ``None``) as one cohort if the anonymity policy allows it
        (:func:`bot.anonymity.cohort_decision`: at least the k each of them was promised, and
        the club's); at a ``final`` release (the campaign's close) destroy a remainder below
        k and seal the campaign's keys. The decision and the move happen in one transaction
        (a withdrawal racing it is wholly before or after); the WAL is then truncated, so
        the rows just erased leave no copy. Returns the decision."""
        current = (await self.ctx.club.get(guild_id)).anonymity_threshold
        campaign_id = None if campaign is None else campaign.id
        week = anonymity.coarse_week(self.clock.now())
        async with self.db.transaction() as conn:
            found = await cohorts.waiting(conn, guild_id, campaign_id)
            snapshots = [w.threshold for w in found] + ([campaign.threshold] if campaign is not None else [])
            decision = anonymity.cohort_decision(len(found), current, snapshots, final=final)
            if decision == "release":
                await cohorts.release(conn, guild_id, campaign_id, week)
            if campaign_id is None:
                await cohorts.forget_old_voices(conn, guild_id, anonymity.coarse_week(self.clock.now() - timedelta(days=7)))
            elif final:  # the remainder below k (if any) and the last queued withdrawals
                await cohorts.discard(conn, guild_id, campaign_id)
                await cohorts.seal(conn, campaign_id)
        if decision != "wait" or final:
            await truncate_wal(self.db, "a cohort release" if decision == "release" else "a campaign's close")
        return decision

    async def _questions_of(self, campaign_id: int) -> tuple[Question, ...]:
        """A campaign's questions (never change once created: cached in memory)."""
        cached = self._questions.get(campaign_id)
        if cached is None:
            cached = await store.questions(self.db, campaign_id)
            if cached:
                self._questions[campaign_id] = cached
        return cached
