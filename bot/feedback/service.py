"""Use-cases of anonymous feedback: give, campaigns and surveys, answers, receipts, reports,
digests, exports (docs/anonymity.md).

Anonymity design
================
* **Answers** (``feedback_answers`` / ``feedback_values``) hold the content, the guild, the
  campaign (or the category of spontaneous feedback), the ISO week, and the SHA-256 of a
  random receipt code. Their id is random hex in a ``WITHOUT ROWID`` table: no author id, no
  message id, no exact time, no insertion order.
* **Dedupe keys** (``feedback_dedupe``) are ``HMAC-SHA256(secret, "feedback:campaign:{id}:" ‖
  user_id)``, alone in a ``WITHOUT ROWID`` table keyed by the HMAC: no column, no row order
  and no scope in clear links them to an answer or even to a campaign. Without the secret
  (which lives in the environment, never the database) they cannot be matched to members.
* **Invitations** of restricted campaigns (post-meeting surveys) and role campaigns are
  HMACs under another scope (``feedback:invite:{id}``), so they cannot be joined to the
  dedupe keys either.
* **Replacing an answer goes through the receipt code** — the member pastes it in the
  "replace my answer" form; the answer is found by the code's hash. We deliberately did
  *not* store a second, differently-scoped HMAC of the member on the answer: such a key
  would let anyone holding the database *and* the secret (a stolen backup next to the
  secret file, an operator) read every member's answer. With receipts, even the secret
  only tells *whether* someone answered, never *what*. Trade-off: a member who lost the
  code cannot replace (nor withdraw) their answer; the bot says so, and shows the code
  once, right after each answer.
* Withdrawing with a receipt deletes the answer (``secure_delete=ON``) and, while the
  campaign is open, frees the caller's own dedupe slot so they may answer again.
* Nothing on this path logs a member id or an answer's content. Texts are shown only as
  aggregates once the club's threshold *k* is met (report, digest, export), shuffled.
* **Threshold snapshots** (migration 0008). A campaign keeps the club's *k* in force when it
  started (``feedback_campaigns.threshold``: what its invitations promised); each
  spontaneous feedback keeps the *k* it was given under (``feedback_answers.threshold``,
  NULL on campaign answers). Reports, digests, exports and pain points apply
  ``max(current k, every snapshot of the answers shown together)``
  (:func:`rules.effective_threshold`): lowering *k* never reveals answers given under a
  higher one; raising it applies at once. Per answer rather than per digest batch, because
  a spontaneous answer is also read by the report, the export and the pain points.
* A digest checks the threshold and takes its batch in one transaction
  (:func:`store.take_pending`): a withdraw racing it cannot make it post fewer than *k*.

Threat model (also in ``/feedback`` help and the README): protected against other
members, moderators and vendor staff using any bot feature, and against anyone holding
the database file or a backup; not protected against whoever runs the bot process with
its token and secret while feedback is being collected.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import anonymity
from bot.anonymity import DEFAULT_THRESHOLD, meets_threshold
from bot.clock import from_ts, to_ts
from bot.context import AppContext, Feature, FeatureService
from bot.errors import Conflict, Forbidden, InvalidInput, NotFound
from bot.fanout import Delivery, JobState, dm_rate
from bot.feedback import charts, render, rules, store
from bot.feedback.rules import (
    CampaignReport,
    ContinuousReport,
    DigestPlan,
    DigestSchedule,
    PainPoints,
    Question,
    StartResult,
)
from bot.feedback.store import Campaign
from bot.i18n import t
from bot.ports import DeliveryError, File, OutMessage
from bot.timeparse import parse_future_instant

log = logging.getLogger(__name__)

CLOSE_KIND = "feedback.close"
DIGEST_KIND = "feedback.digest"
INVITE_JOB = "feedback.invite"
"""Durable fan-out of a campaign's or survey's invitations: job ``feedback.invite:{campaign id}``."""
MAX_SURVEY_DAYS = 366
ANSWER_CACHE_SECONDS = 5.0
PROGRESS_EVERY = 100
"""A long fan-out records its counts every 100 recipients."""


def dedupe_scope(campaign_id: int) -> str:
    """The HMAC scope of "one answer per member" for a campaign."""
    return f"feedback:campaign:{campaign_id}"


def invite_scope(campaign_id: int) -> str:
    """The HMAC scope of a campaign's invitations (distinct from :func:`dedupe_scope`)."""
    return f"feedback:invite:{campaign_id}"


@dataclass(frozen=True)
class CampaignDraft:
    """A validated ``/campaign start`` waiting for its questions: ``closes_at`` UTC-aware,
    ``audience_role_id`` ``None`` for everyone."""

    guild_id: int
    title: str
    closes_at: datetime
    audience_role_id: int | None


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
    feedback, and ``digested`` when it had already been posted in a digest."""

    campaign_title: str | None
    category: str | None
    digested: bool


@dataclass(frozen=True)
class DigestResult:
    """Outcome of a digest: ``posted`` answers (0 when not ready), ``pending`` left, ``threshold``."""

    posted: int
    pending: int
    threshold: int
    message_id: int | None = None


@dataclass(frozen=True)
class CampaignSummary:
    """A line of ``/campaign list``: the campaign and its answer count."""

    campaign: Campaign
    answers: int


async def _exists(conn: object, invite_key: str) -> bool:
    cursor = await conn.execute("SELECT 1 FROM feedback_invites WHERE key = ?", (invite_key,))  # type: ignore[attr-defined]
    row = await cursor.fetchone()
    await cursor.close()
    return row is not None


class FeedbackService(FeatureService):
    """Anonymous feedback use-cases over an :class:`~bot.context.AppContext`.

    Member-facing methods take the member's id only to compute HMAC keys; the id is never
    stored, logged or passed to the store. Errors are :class:`~bot.errors.CercleError`
    subclasses with ``feedback.*`` keys (see ``bot/feedback/messages.py``).
    """

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self._questions: dict[int, tuple[Question, ...]] = {}
        self._answer_cache: dict[int, tuple[Campaign, float]] = {}
        self._queue: list[tuple[str | None, dict[str, object], asyncio.Future[str]]] = []
        self._flusher: asyncio.Task[None] | None = None

    # --- scheduling -----------------------------------------------------------------

    def register_jobs(self) -> tuple[str, ...]:
        """Register ``feedback.close`` (close a campaign at ``closes_at``) and
        ``feedback.digest`` (weekly digest per guild), both re-armed from the database, and
        the ``feedback.invite`` fan-outs, resumed at start if a restart interrupted them;
        returns the scheduler kinds."""
        self.scheduler.register(CLOSE_KIND, self._close_job, self._close_loader)
        self.scheduler.register(DIGEST_KIND, self._digest_job, self._digest_loader)
        self.ctx.outbox.register(INVITE_JOB, self._invitation_factory)
        return (CLOSE_KIND, DIGEST_KIND)

    async def _close_loader(self) -> list[tuple[str, datetime]]:
        return [(str(c.id), from_ts(c.closes_at)) for c in await store.open_campaigns(self.db)]

    async def _close_job(self, ref: str) -> None:
        campaign = await store.get_campaign(self.db, int(ref))
        if campaign is None or not campaign.is_open:
            return
        now = self.clock.now()
        if campaign.closes_at > to_ts(now):  # moved later since it was armed
            self.scheduler.arm(CLOSE_KIND, ref, from_ts(campaign.closes_at))
            return
        if not await self.scheduler.claim(f"feedback:close:{campaign.id}", campaign.guild_id):
            return
        await self._finish_close(campaign)
        await self.scheduler.complete(f"feedback:close:{campaign.id}")

    async def _last_and_next(self, guild_id: int, schedule: DigestSchedule) -> tuple[datetime, datetime]:
        settings = await self.ctx.club.get(guild_id)
        now = self.clock.now()
        following = rules.next_weekly(now, settings.timezone, schedule.weekday, schedule.hour)
        return following - timedelta(days=7), following

    def _digest_key(self, guild_id: int, occurrence: datetime) -> str:
        return f"feedback:digest:{guild_id}:{anonymity.coarse_week(occurrence)}"

    async def _digest_loader(self) -> list[tuple[str, datetime]]:
        """Catch-up policy: a weekly digest missed during downtime runs at start (late), once."""
        armed = []
        for guild_id in await store.digest_guilds(self.db):
            schedule = await store.get_schedule(self.db, guild_id)
            if not schedule.enabled:
                continue
            last, following = await self._last_and_next(guild_id, schedule)
            claimed = await self.db.fetchval("SELECT 1 FROM claims WHERE key = ?", (self._digest_key(guild_id, last),))
            overdue = claimed is None and await store.count_pending(self.db, guild_id) > 0
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
                    result = await self.digest(guild_id, automatic=True)
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

    # --- spontaneous feedback ---------------------------------------------------------

    async def give(self, guild_id: int, *, text: str, category: str | None = None, rating: str | int | None = None) -> str:
        """Store one spontaneous anonymous feedback; returns the receipt code to show once
        (formatted ``ABCDE-12345``).

        No member id is taken at all. Raises ``InvalidInput`` for an unknown category,
        empty or over-long text (2000), or a rating outside 0–10.
        """
        clean_category = rules.validate_category(category)
        body = rules.validate_text(text, field="feedback_text", required=True)
        score = rules.parse_rating(rating, field="feedback_rating")
        code, code_hash = anonymity.new_receipt()
        settings = await self.ctx.club.get(guild_id)
        await store.insert_spontaneous(
            self.db,
            guild_id=guild_id,
            category=clean_category,
            rating=score,
            body=body or "",
            week=anonymity.coarse_week(self.clock.now()),
            receipt_hash=code_hash,
            threshold=settings.anonymity_threshold,  # the k this member is told (receipt)
        )
        if guild_id not in self._digest_guilds_armed():
            await self._rearm_digest(guild_id)
        return anonymity.format_receipt(code)

    def _digest_guilds_armed(self) -> set[int]:
        return {int(a.ref) for a in self.scheduler.pending(DIGEST_KIND)}

    # --- campaigns -------------------------------------------------------------------

    async def draft_campaign(
        self, guild_id: int, *, title: str, closes: str, audience_role_id: int | None = None
    ) -> CampaignDraft:
        """Validate what ``/campaign start`` typed before its questions form opens.

        ``closes`` is typed in the club's language and zone (``vendredi 18h``, ``in 7 days``).
        Raises ``InvalidInput`` naming ``feedback_title`` or ``feedback_closes``.
        """
        settings = await self.ctx.club.get(guild_id)
        clean_title = rules.validate_title(title)
        closes_at = parse_future_instant(
            closes, field="feedback_closes", zone=settings.timezone, locale=settings.locale, now=self.clock.now()
        )
        role = None if audience_role_id in (None, guild_id) else audience_role_id  # @everyone's id is the guild's
        return CampaignDraft(guild_id, clean_title, closes_at, role)

    async def launch_campaign(self, draft: CampaignDraft, actor_id: int, questions: Sequence[str | None]) -> StartResult:
        """Create the drafted campaign with its ``questions`` (≤ 4, ``0-10:`` for ratings), DM
        each member of the audience a button to its form (paced, failures counted), and
        announce it in the feedback channel. Raises ``InvalidInput`` naming a question, or
        ``feedback_closes`` when the close time passed while the form was open."""
        parsed = rules.parse_questions(questions)
        if draft.closes_at <= self.clock.now():
            raise InvalidInput("error.time_in_past", field="feedback_closes")
        recipients = await self.port.role_members(draft.guild_id, draft.audience_role_id)
        campaign_id = await self._create(
            guild_id=draft.guild_id,
            title=draft.title,
            kind="campaign",
            source=None,
            audience_role_id=draft.audience_role_id,
            restricted=False,
            actor_id=actor_id,
            closes_at=draft.closes_at,
            questions=parsed,
            invitees=recipients if draft.audience_role_id is not None else (),
        )
        result = await self._launch(campaign_id, recipients, announce=True)
        await self.ctx.club.audit(
            draft.guild_id,
            actor_id,
            "feedback.campaign.start",
            f"#{campaign_id} {draft.title[:80]}: {result.sent} DMs, {result.failed} unreachable",
        )
        return result

    async def start_campaign(
        self,
        guild_id: int,
        actor_id: int,
        *,
        title: str,
        closes: str,
        questions: Sequence[str | None],
        audience_role_id: int | None = None,
    ) -> StartResult:
        """:meth:`draft_campaign` then :meth:`launch_campaign` in one call."""
        draft = await self.draft_campaign(guild_id, title=title, closes=closes, audience_role_id=audience_role_id)
        return await self.launch_campaign(draft, actor_id, questions)

    async def start_survey(
        self,
        guild_id: int,
        title: str,
        questions: Sequence[str],
        recipient_ids: Sequence[int],
        closes_at: datetime,
        actor_id: int | None = None,
        source: str | None = None,
    ) -> StartResult:
        """Start an anonymous survey for an explicit list of members (e.g. a meeting's
        attendees) and DM each of them the form's button (paced, failures counted).

        ``questions``: up to 4 strings, ``"0-10: …"`` for a 0–10 rating, else free text.
        ``closes_at``: UTC-aware instant after now. ``source``: free tag such as
        ``"meeting:12"``. Only the invited members may answer (checked by HMAC, the list is
        not stored in clear); no channel announcement. Returns :class:`StartResult`.
        Raises ``InvalidInput`` for a bad title/question or a closing time not in the future
        (or more than 366 days ahead).
        """
        clean_title = rules.validate_title(title)
        parsed = rules.parse_questions(questions)
        now = self.clock.now()
        if closes_at.tzinfo is None or closes_at <= now:
            raise InvalidInput("error.time_in_past", field="feedback_closes")
        if closes_at - now > timedelta(days=MAX_SURVEY_DAYS):
            raise InvalidInput("error.duration_range", field="feedback_closes", max_days=MAX_SURVEY_DAYS)
        recipients = list(dict.fromkeys(int(r) for r in recipient_ids))
        campaign_id = await self._create(
            guild_id=guild_id,
            title=clean_title,
            kind="survey",
            source=source,
            audience_role_id=None,
            restricted=True,
            actor_id=actor_id,
            closes_at=closes_at,
            questions=parsed,
            invitees=recipients,
        )
        return await self._launch(campaign_id, recipients, announce=False)

    async def _create(
        self,
        *,
        guild_id: int,
        title: str,
        kind: str,
        source: str | None,
        audience_role_id: int | None,
        restricted: bool,
        actor_id: int | None,
        closes_at: datetime,
        questions: Sequence[Question],
        invitees: Sequence[int],
    ) -> int:
        threshold = (await self.ctx.club.get(guild_id)).anonymity_threshold  # what the invitations promise
        async with self.db.transaction() as conn:
            campaign_id = await store.create_campaign(
                conn,
                threshold=threshold,
                guild_id=guild_id,
                title=title,
                kind=kind,
                source=source,
                audience_role_id=audience_role_id,
                restricted=restricted,
                created_by=actor_id,
                created_at=to_ts(self.clock.now()),
                closes_at=to_ts(closes_at),
                questions=questions,
            )
        if invitees:
            scope = invite_scope(campaign_id)
            await store.add_invites(self.db, [anonymity.dedupe_key(self.ctx.secret, scope, uid) for uid in invitees])
        self.scheduler.arm(CLOSE_KIND, str(campaign_id), closes_at)
        return campaign_id

    async def _launch(self, campaign_id: int, recipients: Sequence[int], *, announce: bool) -> StartResult:
        campaign = await self._campaign(campaign_id)
        questions = await store.questions(self.db, campaign_id)
        settings = await self.ctx.club.get(campaign.guild_id)
        result = StartResult(campaign_id, len(recipients), 0, 0)
        await store.set_fanout(self.db, campaign_id, len(recipients), 0, 0)
        # The claim and the list of members to invite are written in one transaction: a
        # restart in the middle of the fan-out resumes it at start (bot.fanout.Outbox).
        job = f"{INVITE_JOB}:{campaign_id}"
        outbox = self.ctx.outbox
        if not await outbox.enqueue(job, campaign.guild_id, recipients, claim=self._fanout_key(campaign_id)):
            return result
        if announce and settings.feedback_channel_id is not None:
            message = render.announcement(campaign, questions, settings.locale)
            try:
                message_id = await self.port.send_message(settings.feedback_channel_id, message)
            except DeliveryError:
                log.warning("campaign %s: could not announce in the feedback channel", campaign_id)
            else:
                await store.set_announcement(self.db, campaign_id, settings.feedback_channel_id, message_id)
                result.announced = True
        delivery = await self._invitation_delivery(campaign, questions, len(recipients))
        # The outbox paces calls; a first DM costs two REST requests (open the DM channel, post),
        # so DMs go at half the rate to keep requests/s at ctx.fanout_rate (docs/architecture.md, "Direct messages").
        outcome, _ = await outbox.run(job, delivery, rate=dm_rate(self.ctx.fanout_rate), sleep=self.ctx.sleep)
        result.sent, result.failed, result.failures = outcome.sent, outcome.failed, dict(outcome.failures)
        return result

    @staticmethod
    def _fanout_key(campaign_id: int) -> str:
        return f"feedback:campaign:{campaign_id}:fanout"

    async def _invitation_delivery(self, campaign: Campaign, questions: Sequence[Question], invited: int) -> Delivery:
        """Send and finish of a campaign's invitation fan-out, rendered from its rows. The
        counts shown by ``/campaign list`` and the report are the job's totals over every run
        (a resumed fan-out adds to what the interrupted one sent); no member id is stored."""
        campaign_id = campaign.id
        settings = await self.ctx.club.get(campaign.guild_id)
        threshold = self._threshold_of(campaign, settings.anonymity_threshold)  # a resumed fan-out keeps the promise
        invitation = render.invitation(campaign, questions, settings.locale, threshold)
        outbox = self.ctx.outbox
        job = f"{INVITE_JOB}:{campaign_id}"
        tried = 0

        async def send(user_id: int) -> None:
            nonlocal tried
            tried += 1
            if tried % PROGRESS_EVERY == 0:  # /campaign list shows a long fan-out's progress
                state = await outbox.state(job)
                if state is not None:
                    await store.set_fanout(self.db, campaign_id, invited, state.sent, state.failed)
            await self.port.send_dm(user_id, invitation)

        async def finish(state: JobState) -> None:
            await store.set_fanout(self.db, campaign_id, invited, state.sent, state.failed)
            await self.scheduler.complete(self._fanout_key(campaign_id))

        return Delivery(send, finish)

    async def _invitation_factory(self, ref: str, state: JobState) -> Delivery | None:
        """Rebuild an interrupted invitation fan-out at start; ``None`` (dropped) when the
        campaign is gone or already closed."""
        campaign = await store.get_campaign(self.db, int(ref))
        if campaign is None or not campaign.is_open:
            return None
        return await self._invitation_delivery(campaign, await store.questions(self.db, campaign.id), campaign.invited)

    async def _campaign(self, campaign_id: int, guild_id: int | None = None) -> Campaign:
        campaign = await store.get_campaign(self.db, campaign_id)
        if campaign is None or (guild_id is not None and campaign.guild_id != guild_id):
            raise NotFound("feedback.error.campaign_not_found")
        return campaign

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

    async def open_form(self, campaign_id: int, user_id: int, *, role_ids: Sequence[int] | None = None) -> Form:
        """What the member's form shows. ``role_ids``: the member's roles when clicked in the
        server (``None`` in DMs: then a role campaign relies on the DM invitation).

        Raises ``NotFound`` (no such campaign), ``Conflict`` (closed), ``Forbidden`` (not in
        the audience / not invited to the survey).
        """
        campaign = await self._check_can_answer(campaign_id, user_id, role_ids)
        key = anonymity.dedupe_key(self.ctx.secret, dedupe_scope(campaign_id), user_id)
        return Form(campaign, await self._questions_of(campaign_id), await store.has_dedupe(self.db, key))

    async def submit_answer(
        self, campaign_id: int, user_id: int, values: Sequence[str | None], *, role_ids: Sequence[int] | None = None
    ) -> str:
        """Store the member's anonymous answer (one value per question, in order); returns
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
        key = anonymity.dedupe_key(self.ctx.secret, dedupe_scope(campaign_id), user_id)
        invite = None
        if self._needs_invite(campaign, role_ids):  # checked inside the group commit
            invite = anonymity.dedupe_key(self.ctx.secret, invite_scope(campaign_id), user_id)
        outcome = await self._write_answer(
            invite,
            {
                "dedupe_key": key,
                "guild_id": campaign.guild_id,
                "campaign_id": campaign_id,
                "week": anonymity.coarse_week(self.clock.now()),
                "receipt_hash": code_hash,
                "values": clean,
            }
        )
        if outcome == "closed":
            raise Conflict("feedback.error.closed", title=campaign.title)
        if outcome == "not_invited":
            raise Forbidden("feedback.error.not_invited")
        if outcome != "stored":
            raise Conflict("feedback.error.already_answered", title=campaign.title)
        return anonymity.format_receipt(code)

    async def _write_answer(self, invite_key: str | None, item: dict[str, object]) -> str:
        """Queue one answer for the next group commit; ``"stored"``, ``"duplicate"``,
        ``"closed"`` or ``"not_invited"`` (when ``invite_key`` is given and absent).

        Answers arriving together share one transaction (one fsync under
        ``synchronous=FULL``): a burst of submits is written in a few commits instead of one
        each. It also mixes several answers in each WAL commit.
        """
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._queue.append((invite_key, item, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                results = []
                async with self.db.transaction() as conn:
                    campaign_ids = sorted({int(item["campaign_id"]) for _, item, _ in batch})  # type: ignore[call-overload]
                    cursor = await conn.execute(
                        f"SELECT id FROM feedback_campaigns WHERE status = 'open' AND id IN ({','.join('?' * len(campaign_ids))})",
                        campaign_ids,
                    )
                    open_ids = {row[0] for row in await cursor.fetchall()}
                    await cursor.close()
                    for invite_key, item, _ in batch:
                        if item["campaign_id"] not in open_ids:
                            results.append("closed")
                        elif invite_key is not None and not await _exists(conn, invite_key):
                            results.append("not_invited")
                        elif await store.insert_campaign_answer(conn, **item):  # type: ignore[arg-type]
                            results.append("stored")
                        else:
                            results.append("duplicate")
            except Exception as exc:  # the whole batch failed: every submitter gets the error
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, _, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def _questions_of(self, campaign_id: int) -> tuple[Question, ...]:
        """A campaign's questions (never change once created: cached in memory)."""
        cached = self._questions.get(campaign_id)
        if cached is None:
            cached = await store.questions(self.db, campaign_id)
            if cached:
                self._questions[campaign_id] = cached
        return cached

    async def replace_answer(
        self,
        campaign_id: int,
        user_id: int,
        receipt: str,
        values: Sequence[str | None],
        *,
        role_ids: Sequence[int] | None = None,
    ) -> None:
        """Replace the answer that ``receipt`` proves is the member's, until the close.

        The receipt is the only link between a member and their answer (module docstring).
        Raises ``NotFound`` ``feedback.error.bad_receipt`` when the code matches no answer of
        this campaign, plus :meth:`submit_answer`'s errors.
        """
        await self._check_can_answer(campaign_id, user_id, role_ids)
        questions = await self._questions_of(campaign_id)
        clean = rules.validate_answer(questions, values)
        ref = await store.find_by_receipt(self.db, anonymity.receipt_hash(receipt))
        if ref is None or ref.campaign_id != campaign_id:
            raise NotFound("feedback.error.bad_receipt")
        async with self.db.transaction() as conn:
            await store.replace_campaign_answer(conn, answer_id=ref.id, values=clean)

    async def promised_threshold(self, guild_id: int | None, snapshot: int | None = None) -> int:
        """How many answers must exist before an answer is shown, as promised to a member: the
        club's threshold, raised to ``snapshot`` (a campaign's threshold at its start) when
        higher; the default (5) outside a server (docs/anonymity.md, "The anonymity threshold")."""
        if guild_id is None:
            return DEFAULT_THRESHOLD
        settings = await self.ctx.club.get(guild_id)
        return rules.effective_threshold(settings.anonymity_threshold, (snapshot,))

    async def withdraw(self, user_id: int, receipt: str) -> Withdrawn:
        """Delete the answer matching ``receipt`` (campaign answer or spontaneous feedback).

        While its campaign is open, the caller's own answer slot is freed so they may
        answer again. Raises ``InvalidInput`` for an empty code, ``NotFound``
        ``feedback.error.bad_receipt`` when nothing matches.
        """
        if not (receipt or "").strip():
            raise InvalidInput("error.required", field="feedback_receipt")
        ref = await store.find_by_receipt(self.db, anonymity.receipt_hash(receipt))
        if ref is None:
            raise NotFound("feedback.error.bad_receipt")
        if not await store.delete_answer(self.db, ref.id):  # a second withdraw of the same code at once
            raise NotFound("feedback.error.bad_receipt")
        title = None
        if ref.campaign_id is not None:
            campaign = await store.get_campaign(self.db, ref.campaign_id)
            if campaign is not None:
                title = campaign.title
                if campaign.is_open:
                    key = anonymity.dedupe_key(self.ctx.secret, dedupe_scope(campaign.id), user_id)
                    await store.delete_dedupe(self.db, key)
        return Withdrawn(title, ref.category, ref.digested)

    async def close_campaign(self, guild_id: int, campaign_id: int, actor_id: int) -> Campaign:
        """Close a campaign now (moderator). Raises ``NotFound``, or ``Conflict`` if already closed."""
        campaign = await self._campaign(campaign_id, guild_id)
        if not campaign.is_open:
            raise Conflict("feedback.error.already_closed", title=campaign.title)
        if not await self.scheduler.claim(f"feedback:close:{campaign.id}", guild_id):
            raise Conflict("feedback.error.already_closed", title=campaign.title)
        closed = await self._finish_close(campaign)
        await self.scheduler.complete(f"feedback:close:{campaign.id}")
        await self.ctx.club.audit(guild_id, actor_id, "feedback.campaign.close", f"#{campaign.id}")
        return closed

    async def _finish_close(self, campaign: Campaign) -> Campaign:
        await store.mark_closed(self.db, campaign.id, to_ts(self.clock.now()))
        self._answer_cache.pop(campaign.id, None)
        self.scheduler.disarm(CLOSE_KIND, str(campaign.id))
        closed = await self._campaign(campaign.id)
        count = await store.count_answers(self.db, campaign.id)
        settings = await self.ctx.club.get(campaign.guild_id)
        if closed.announce_channel_id and closed.announce_message_id:
            try:
                await self.port.edit_message(
                    closed.announce_channel_id,
                    closed.announce_message_id,
                    render.announcement(closed, await store.questions(self.db, campaign.id), settings.locale, count=count),
                )
            except DeliveryError:
                log.warning("campaign %s: could not edit the announcement", campaign.id)
        if settings.feedback_channel_id is not None and closed.kind == "campaign":
            try:
                await self.port.send_message(settings.feedback_channel_id, render.closed_note(closed, count, settings.locale))
            except DeliveryError:
                log.warning("campaign %s: could not post the closing note", campaign.id)
        return closed

    async def list_campaigns(self, guild_id: int, limit: int = 25) -> list[CampaignSummary]:
        """The guild's campaigns (open first, newest first) with their answer counts."""
        counts = await store.answer_counts(self.db, guild_id)
        return [CampaignSummary(c, counts.get(c.id, 0)) for c in await store.list_campaigns(self.db, guild_id, limit)]

    async def campaign_choices(self, guild_id: int, query: str = "") -> list[tuple[str, int]]:
        """Autocomplete: ``(label, id)`` of campaigns whose title contains ``query`` (≤ 25).
        Labels carry titles and status only — never answers."""
        needle = (query or "").strip().lower()
        out = []
        for c in await store.list_campaigns(self.db, guild_id, 100):
            if needle and needle not in c.title.lower() and needle != str(c.id):
                continue
            out.append((render.choice_label(c), c.id))
        return out[:25]

    # --- reading ------------------------------------------------------------------------

    @staticmethod
    def _threshold_of(campaign: Campaign, current: int) -> int:
        """The threshold a campaign's answers are shown under: the club's ``current`` one, or
        the one in force when the campaign started if that was higher (what members were told)."""
        return rules.effective_threshold(current, (campaign.threshold,))

    async def campaign_report(self, guild_id: int, campaign_id: int, rng: random.Random | None = None) -> CampaignReport:
        """Aggregates of one campaign; below the threshold only the count (docs/anonymity.md, "The anonymity threshold"). The
        threshold is the club's, or the one in force when the campaign started if higher."""
        campaign = await self._campaign(campaign_id, guild_id)
        settings = await self.ctx.club.get(guild_id)
        return rules.campaign_report(
            campaign_id=campaign.id,
            title=campaign.title,
            status=campaign.status,
            questions=await store.questions(self.db, campaign.id),
            answers=await store.campaign_answers(self.db, campaign.id),
            invited=campaign.invited,
            threshold=self._threshold_of(campaign, settings.anonymity_threshold),
            dm_failed=campaign.dm_failed,
            rng=rng,
        )

    async def continuous_report(self, guild_id: int, rng: random.Random | None = None) -> ContinuousReport:
        """Spontaneous feedback grouped by category; below the threshold only the count."""
        settings = await self.ctx.club.get(guild_id)
        return rules.continuous_report(await store.spontaneous(self.db, guild_id), settings.anonymity_threshold, rng)

    async def report_message(
        self, guild_id: int, campaign_id: int | None, locale: str, rng: random.Random | None = None
    ) -> OutMessage:
        """The rendered report (embed, chart PNG, texts file if long) in ``locale``."""
        if campaign_id is None:
            report = await self.continuous_report(guild_id, rng)
            return render.continuous_report(report, locale)
        campaign_report = await self.campaign_report(guild_id, campaign_id, rng)
        chart = None
        ratings = [q for q in campaign_report.questions if q.question.is_rating and q.answered]
        if campaign_report.visible and ratings:
            chart = await asyncio.to_thread(
                charts.rating_distributions,
                [render.shorten_prompt(q.question.prompt) for q in ratings],
                [q.distribution for q in ratings],
                t(locale, "feedback.chart.answers"),
            )
        return render.campaign_report(campaign_report, locale, chart)

    async def pain_points(self, guild_id: int, weeks: int = 12, rng: random.Random | None = None) -> PainPoints:
        """Feedback counts by category and ISO week (last ``weeks``, 1–52) and pain-point
        texts, once the window holds at least the threshold; below it only the total."""
        if not 1 <= weeks <= 52:
            raise InvalidInput("error.out_of_range", field="feedback_weeks", minimum=1, maximum=52)
        settings = await self.ctx.club.get(guild_id)
        items = await store.spontaneous(self.db, guild_id)
        return rules.pain_points(items, self.clock.now(), weeks, settings.anonymity_threshold, rng)

    async def pain_points_message(self, guild_id: int, locale: str, weeks: int = 12) -> OutMessage:
        """The rendered pain-points view with its weekly stacked chart."""
        view = await self.pain_points(guild_id, weeks)
        chart = None
        if view.visible:  # below the threshold: only the total, no chart of counts
            labels = {c: t(locale, f"feedback.category.{c}") for c in rules.CATEGORIES}
            chart = await asyncio.to_thread(
                charts.weekly_categories, view.weeks, view.counts, labels, t(locale, "feedback.chart.by_week")
            )
        return render.pain_points(view, locale, chart)

    async def export_csv(self, guild_id: int, campaign_id: int | None, actor_id: int) -> File:
        """A CSV of anonymous answers: no identity columns, shuffled rows, formula-safe cells.

        Raises ``Conflict`` ``feedback.error.below_threshold`` while there are fewer answers
        than the threshold — the club's, or the higher one the answers were given under (only
        the count is told).
        """
        settings = await self.ctx.club.get(guild_id)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        rng = random.SystemRandom()
        if campaign_id is None:
            items = await store.spontaneous(self.db, guild_id)
            threshold = rules.effective_threshold(settings.anonymity_threshold, (i.threshold for i in items))
            if not meets_threshold(len(items), threshold):
                raise Conflict("feedback.error.below_threshold", count=len(items), threshold=threshold)
            rows: list[list[object]] = [[i.week, i.category, "" if i.rating is None else i.rating, i.body] for i in items]
            header = ["week", "category", "rating", "text"]
            filename = "feedback.csv"
        else:
            campaign = await self._campaign(campaign_id, guild_id)
            questions = await store.questions(self.db, campaign_id)
            answers = await store.campaign_answer_weeks(self.db, campaign_id)
            threshold = self._threshold_of(campaign, settings.anonymity_threshold)
            if not meets_threshold(len(answers), threshold):
                raise Conflict("feedback.error.below_threshold", count=len(answers), threshold=threshold)
            header = ["week"] + [("0-10: " if q.is_rating else "") + q.prompt for q in questions]
            rows = []
            for week, values in answers:
                by_position = {v.position: v for v in values}
                row: list[object] = [week]
                for q in questions:
                    v = by_position.get(q.position)
                    cell = "" if v is None else (v.rating if q.is_rating else v.body)
                    row.append("" if cell is None else cell)
                rows.append(row)
            filename = f"campaign-{campaign.id}.csv"
        rng.shuffle(rows)
        writer.writerow([anonymity.csv_safe(h) for h in header])
        for row in rows:
            writer.writerow([anonymity.csv_safe(c) for c in row])
        await self.ctx.club.audit(guild_id, actor_id, "feedback.export", filename)
        return File(filename, buffer.getvalue().encode("utf-8-sig"))

    # --- digests ------------------------------------------------------------------------

    async def digest(self, guild_id: int, *, actor_id: int | None = None, automatic: bool = False) -> DigestResult:
        """Post the pending spontaneous feedback as one shuffled batch in the feedback
        channel with ``channel.send`` (never an interaction response: docs/anonymity.md, "The anonymity threshold") — only
        when at least the threshold accumulated; otherwise nothing is posted.

        Raises ``Conflict`` ``feedback.error.no_channel`` when no feedback channel is set
        (manual digests only), ``Conflict`` ``feedback.error.cannot_post`` when the post fails.
        """
        settings = await self.ctx.club.get(guild_id)
        channel_id = settings.feedback_channel_id
        if channel_id is None:
            plan = DigestPlan(await store.count_pending(self.db, guild_id), settings.anonymity_threshold)
            if automatic:
                return DigestResult(0, plan.pending, plan.threshold)
            raise Conflict("feedback.error.no_channel")
        # The threshold check and the taking are one transaction (a racing withdraw cannot
        # shrink the batch below k between them).
        batch = await store.take_pending(self.db, guild_id, to_ts(self.clock.now()), settings.anonymity_threshold)
        plan = DigestPlan(batch.pending, batch.threshold)
        if batch.digest_id is None:
            return DigestResult(0, plan.pending, plan.threshold)
        digest_id, items = batch.digest_id, batch.items
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
        if actor_id is not None:
            await self.ctx.club.audit(guild_id, actor_id, "feedback.digest", f"{len(items)} answers")
        return DigestResult(len(items), 0, plan.threshold, first_id)

    async def digest_schedule(self, guild_id: int) -> DigestSchedule:
        """The guild's weekly digest schedule (default: on, Monday 09:00 club time)."""
        return await store.get_schedule(self.db, guild_id)

    async def set_digest_schedule(
        self, guild_id: int, actor_id: int, *, enabled: bool | None = None, weekday: int | None = None, hour: int | None = None
    ) -> tuple[DigestSchedule, datetime | None]:
        """Change the weekly digest; returns the schedule and its next run (UTC, ``None`` when off).
        Raises ``InvalidInput`` for weekday outside 0–6 or hour outside 0–23."""
        current = await store.get_schedule(self.db, guild_id)
        schedule = rules.validate_schedule(weekday, hour, current, enabled)
        await store.save_schedule(self.db, guild_id, schedule)
        await self._rearm_digest(guild_id)
        await self.ctx.club.audit(
            guild_id, actor_id, "feedback.digest.schedule", f"enabled={schedule.enabled} weekday={schedule.weekday} hour={schedule.hour}"
        )
        armed = [a.when for a in self.scheduler.pending(DIGEST_KIND) if a.ref == str(guild_id)]
        return schedule, (armed[0] if armed else None)


def build(ctx: AppContext) -> Feature[FeedbackService]:
    """The feedback feature for one process: its service with its jobs and DM factories registered."""
    service = FeedbackService(ctx)
    return Feature(service, service.register_jobs())
