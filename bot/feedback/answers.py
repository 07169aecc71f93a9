"""Member use-cases of campaign answers: open the form, answer, replace or withdraw with the
receipt code, and the threshold a member is promised (docs/anonymity.md).

The member's id reaches these use-cases in their :class:`~bot.actor.Actor` only to compute
HMAC keys (dedupe, invitation); it is never stored, logged or passed to the store. Answers
arriving together are written in one transaction (the group commit of :meth:`_flush`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bot import anonymity
from bot.actor import Actor, use_case
from bot.anonymity import DEFAULT_THRESHOLD
from bot.clock import to_ts
from bot.errors import Conflict, Forbidden, InvalidInput, NotFound
from bot.feedback import cohorts, rules, store
from bot.feedback.core import ANSWER_CACHE_SECONDS, FeedbackCore, QueuedAnswer, dedupe_scope, invite_scope
from bot.feedback.rules import AnswerValue, Question
from bot.feedback.store import Campaign


@dataclass(frozen=True)
class Form:
    """What the answer form needs: the campaign, its questions, and whether this member
    already answered (then the bot offers the receipt-based replacement instead)."""

    campaign: Campaign
    questions: tuple[Question, ...]
    already_answered: bool


@dataclass(frozen=True)
class Withdrawn:
    """A withdrawn answer: ``campaign_title`` (or ``None``), ``category`` of spontaneous
    feedback, ``digested`` when it had already been posted in a digest, and ``queued`` when
    it was already released: it leaves at the next release (docs/anonymity.md, "Cohorts")."""

    campaign_title: str | None
    category: str | None
    digested: bool
    queued: bool = False


def _roles(actor: Actor) -> Sequence[int] | None:
    """The member's roles when they act in the server; ``None`` in a DM (then a role
    campaign relies on the DM invitation)."""
    return actor.role_ids if actor.guild_id is not None else None


class AnswerUseCases(FeedbackCore):
    """Answering campaigns and surveys, and withdrawing any answer with its receipt."""

    @use_case("member")
    async def open_form(self, actor: Actor, campaign_id: int) -> Form:
        """What ``actor``'s form shows (in the server their roles count, in a DM their
        invitation).

        Raises ``NotFound`` (no such campaign), ``Conflict`` (closed), ``Forbidden`` (not in
        the audience / not invited to the survey).
        """
        campaign = await self._check_can_answer(campaign_id, actor.user_id, _roles(actor))
        key = anonymity.dedupe_key(self.ctx.secret, dedupe_scope(campaign_id), actor.user_id)
        return Form(campaign, await self._questions_of(campaign_id), await store.has_dedupe(self.db, key))

    @use_case("member")
    async def submit_answer(self, actor: Actor, campaign_id: int, values: Sequence[str | None]) -> str:
        """Store ``actor``'s anonymous answer (one value per question, in order); returns
        the receipt code (``ABCDE-12345``) to show once.

        Raises ``Conflict`` ``feedback.error.already_answered`` on a second answer (the
        member may replace it with their receipt), plus :meth:`open_form`'s errors and
        ``InvalidInput`` naming the question (never quoting the answer).
        """
        campaign = await self._answerable(campaign_id)
        if not campaign.is_open or campaign.closes_at <= to_ts(self.clock.now()):
            raise Conflict("feedback.error.closed", title=campaign.title)
        questions = await self._questions_of(campaign_id)
        clean = rules.validate_answer(questions, values)
        code, code_hash = anonymity.new_receipt()
        key = anonymity.dedupe_key(self.ctx.secret, dedupe_scope(campaign_id), actor.user_id)
        invite = None
        if self._needs_invite(campaign, _roles(actor)):  # checked inside the group commit
            invite = anonymity.dedupe_key(self.ctx.secret, invite_scope(campaign_id), actor.user_id)
        outcome = await self._write_answer(invite, key, campaign, code_hash, clean)
        if outcome == "closed":
            raise Conflict("feedback.error.closed", title=campaign.title)
        if outcome == "not_invited":
            raise Forbidden("feedback.error.not_invited")
        if outcome != "stored":
            raise Conflict("feedback.error.already_answered", title=campaign.title)
        return anonymity.format_receipt(code)

    @use_case("member")
    async def replace_answer(self, actor: Actor, campaign_id: int, receipt: str, values: Sequence[str | None]) -> None:
        """Replace the answer that ``receipt`` proves is ``actor``'s, until the close.

        The receipt is the only link between a member and their answer (docs/anonymity.md).
        Raises ``NotFound`` ``feedback.error.bad_receipt`` when the code matches no answer of
        this campaign, plus :meth:`submit_answer`'s errors.
        """
        await self._check_can_answer(campaign_id, actor.user_id, _roles(actor))
        questions = await self._questions_of(campaign_id)
        clean = rules.validate_answer(questions, values)
        code_hash = anonymity.receipt_hash(receipt)
        waiting = await cohorts.find_pending(self.db, code_hash)
        if waiting is not None and waiting.campaign_id == campaign_id:
            async with self.db.transaction() as conn:
                await cohorts.replace_pending_values(conn, waiting.id, clean)
            return
        ref = await store.find_by_receipt(self.db, code_hash)
        if ref is None or ref.campaign_id != campaign_id:
            raise NotFound("feedback.error.bad_receipt")
        # Already released (a live campaign): the new version waits for the next cohort and
        # the old one goes at that release, never in between (docs/anonymity.md, "Cohorts").
        campaign = await self._campaign(campaign_id)
        async with self.db.transaction() as conn:
            await cohorts.add_pending(
                conn, guild_id=campaign.guild_id, campaign_id=campaign_id, receipt_hash=code_hash, values=clean,
                replaces=ref.id,
            )
        await self._release(campaign.guild_id, campaign)

    @use_case("member")
    async def withdraw(self, actor: Actor, receipt: str) -> Withdrawn:
        """Withdraw the answer matching ``receipt`` (campaign answer or spontaneous feedback),
        from the server or a DM.

        An answer still waiting for its cohort is deleted at once; a released one goes at
        its scope's next release, with a cohort of others (``Withdrawn.queued``), never alone
        in between. While its campaign is open, ``actor``'s slot is freed so they may answer
        again. Raises ``InvalidInput`` for an empty code, ``NotFound``
        ``feedback.error.bad_receipt`` when nothing matches, ``Conflict``
        ``feedback.error.withdraw_closed`` for an answer of a closed campaign (its answers
        were released together; one leaving now would be read alone).
        """
        if not (receipt or "").strip():
            raise InvalidInput("error.required", field="feedback_receipt")
        code_hash = anonymity.receipt_hash(receipt)
        waiting = await cohorts.find_pending(self.db, code_hash)
        ref = None if waiting is not None else await store.find_by_receipt(self.db, code_hash)
        if waiting is not None:
            campaign_id = waiting.campaign_id
        elif ref is not None:
            campaign_id = ref.campaign_id
        else:
            raise NotFound("feedback.error.bad_receipt")
        campaign = None if campaign_id is None else await store.get_campaign(self.db, campaign_id)
        if campaign is not None and not campaign.is_open and waiting is None:
            raise Conflict("feedback.error.withdraw_closed", title=campaign.title)
        queued = False
        if waiting is not None:
            if not await cohorts.delete_pending(self.db, waiting.id):  # a second withdraw of the same code at once
                raise NotFound("feedback.error.bad_receipt")
            if waiting.replaces is not None:
                await cohorts.queue_withdrawal(self.db, waiting.replaces, waiting.guild_id, campaign_id)
                queued = True
            category, digested = waiting.category, False
        else:
            assert ref is not None
            if not await cohorts.queue_withdrawal(self.db, ref.id, ref.guild_id, campaign_id):
                raise NotFound("feedback.error.bad_receipt")
            queued, category, digested = True, ref.category, ref.digested
        if campaign is not None and campaign.is_open:
            key = anonymity.dedupe_key(self.ctx.secret, dedupe_scope(campaign.id), actor.user_id)
            await store.delete_dedupe(self.db, key)
        return Withdrawn(None if campaign is None else campaign.title, category, digested, queued)

    @use_case("member")
    async def promised_threshold(self, actor: Actor, guild_id: int | None, snapshot: int | None = None) -> int:
        """How many answers must exist before an answer given in ``guild_id`` is shown, as
        promised to ``actor``: the club's threshold, raised to ``snapshot`` (a campaign's
        threshold at its start) when higher; the default (5) without a guild (a DM that
        belongs to no club) (docs/anonymity.md, "The anonymity threshold")."""
        if guild_id is None:
            return DEFAULT_THRESHOLD
        settings = await self.ctx.club.get(guild_id)
        return anonymity.effective_threshold(settings.anonymity_threshold, (snapshot,))

    # --- eligibility ------------------------------------------------------------------

    def _needs_invite(self, campaign: Campaign, role_ids: Sequence[int] | None) -> bool:
        """Whether only an invitation can let this member answer (no role/everyone rule applies)."""
        if campaign.restricted:
            return True
        if campaign.audience_role_id is None:
            return False
        return not (role_ids is not None and campaign.audience_role_id in role_ids)

    async def _eligible(self, campaign: Campaign, user_id: int, role_ids: Sequence[int] | None) -> bool:
        if not self._needs_invite(campaign, role_ids):
            return True
        key = anonymity.dedupe_key(self.ctx.secret, invite_scope(campaign.id), user_id)
        return await store.has_invite(self.db, key)

    async def _answerable(self, campaign_id: int) -> Campaign:
        """The campaign for the answer path, cached a few seconds (a burst of answers reads it
        once). Safe: the group commit re-checks that the campaign is open in its transaction,
        and closing in this process drops the cache."""
        now = time.monotonic()
        cached = self._answer_cache.get(campaign_id)
        if cached is not None and cached[1] > now:
            return cached[0]
        campaign = await self._campaign(campaign_id)
        self._answer_cache[campaign_id] = (campaign, now + ANSWER_CACHE_SECONDS)
        return campaign

    async def _check_can_answer(self, campaign_id: int, user_id: int, role_ids: Sequence[int] | None) -> Campaign:
        campaign = await self._answerable(campaign_id)
        if not campaign.is_open or campaign.closes_at <= to_ts(self.clock.now()):
            raise Conflict("feedback.error.closed", title=campaign.title)
        if not await self._eligible(campaign, user_id, role_ids):
            raise Forbidden("feedback.error.not_invited")
        return campaign

    # --- the group commit -------------------------------------------------------------

    async def _write_answer(
        self, invite_key: str | None, dedupe_key: str, campaign: Campaign, receipt_hash: str, values: tuple[AnswerValue, ...]
    ) -> str:
        """Queue one answer for the next group commit; ``"stored"``, ``"duplicate"``,
        ``"closed"`` or ``"not_invited"`` (when ``invite_key`` is given and absent).

        Answers arriving together share one transaction (one fsync under
        ``synchronous=FULL``): a burst of submits is written in a few commits instead of one
        each. It also mixes several answers in each WAL commit. The commit runs as a task of
        ``ctx.tasks``: a shutdown interrupts it (the transaction rolls back) and the waiting
        submitters are cancelled.
        """
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._queue.append(
            QueuedAnswer(
                invite_key=invite_key,
                dedupe_key=dedupe_key,
                guild_id=campaign.guild_id,
                campaign_id=campaign.id,
                receipt_hash=receipt_hash,
                values=values,
                future=future,
            )
        )
        if self._flusher is None or self._flusher.done():
            self._flusher = self.ctx.tasks.spawn(self._flush(), name="cercle-feedback:answers")
        return await future

    async def _flush(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                results = await self._commit(batch)
            except asyncio.CancelledError:  # shutdown: nothing of this batch was kept
                for queued in batch + self._queue:
                    queued.future.cancel()
                self._queue = []
                raise
            except Exception as exc:  # the whole batch failed: every submitter gets the error
                for queued in batch:
                    if not queued.future.done():
                        queued.future.set_exception(exc)
                continue
            for queued, result in zip(batch, results, strict=True):
                if not queued.future.done():
                    queued.future.set_result(result)

    async def _commit(self, batch: Sequence[QueuedAnswer]) -> list[str]:
        """Write ``batch`` in one transaction, each answer waiting for its cohort; one
        outcome per answer, in order. Then a campaign releasing live cohorts releases one if
        enough answers wait (:meth:`_release`)."""
        results = []
        async with self.db.transaction() as conn:
            open_ids = await store.open_campaign_ids(conn, sorted({q.campaign_id for q in batch}))
            for queued in batch:
                if queued.campaign_id not in open_ids:
                    results.append("closed")
                elif queued.invite_key is not None and not await store.invite_exists(conn, queued.invite_key):
                    results.append("not_invited")
                elif await store.insert_campaign_answer(
                    conn,
                    dedupe_key=queued.dedupe_key,
                    guild_id=queued.guild_id,
                    campaign_id=queued.campaign_id,
                    receipt_hash=queued.receipt_hash,
                    values=queued.values,
                ):
                    results.append("stored")
                else:
                    results.append("duplicate")
        stored = {q.campaign_id for q, r in zip(batch, results, strict=True) if r == "stored"}
        for campaign_id in sorted(stored):
            campaign = await store.get_campaign(self.db, campaign_id)
            if campaign is not None and campaign.release == "live" and campaign.is_open:
                await self._release(campaign.guild_id, campaign)
        return results
