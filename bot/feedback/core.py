"""What every feedback use-case module shares: the scheduler kinds, the HMAC scopes of the
anonymity design (:mod:`bot.feedback.service`'s docstring) and :class:`FeedbackCore`, the base
holding the in-memory caches and the lookups the use-cases have in common.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.context import AppContext, FeatureService
from bot.errors import NotFound
from bot.feedback import rules, store
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


def invite_scope(campaign_id: int) -> str:
    """The HMAC scope of a campaign's invitations (distinct from :func:`dedupe_scope`)."""
    return f"feedback:invite:{campaign_id}"


@dataclass(frozen=True)
class QueuedAnswer:
    """One answer waiting for the next group commit: the HMAC keys (``invite_key`` ``None``
    when no invitation is needed), where it goes, its ISO ``week``, the receipt's hash, its
    ``values``, and the ``future`` its submitter awaits (``"stored"``, ``"duplicate"``,
    ``"closed"`` or ``"not_invited"``). No member id."""

    invite_key: str | None
    dedupe_key: str
    guild_id: int
    campaign_id: int
    week: str
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
        return rules.effective_threshold(current, (campaign.threshold,))

    async def _questions_of(self, campaign_id: int) -> tuple[Question, ...]:
        """A campaign's questions (never change once created: cached in memory)."""
        cached = self._questions.get(campaign_id)
        if cached is None:
            cached = await store.questions(self.db, campaign_id)
            if cached:
                self._questions[campaign_id] = cached
        return cached
