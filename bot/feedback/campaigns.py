"""Use-cases of campaigns and surveys: start (``/campaign start``, the post-meeting survey),
the paced DM invitations, close (at ``closes_at`` or by a moderator), list and autocomplete.

One implementation starts both: :meth:`CampaignUseCases._create` writes the campaign, its
questions and the invitations (HMACs, never member ids), :meth:`CampaignUseCases._launch`
announces it and runs the durable fan-out (docs/architecture.md, "Direct messages").
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import anonymity
from bot.actor import Actor, use_case
from bot.clock import from_ts, to_ts
from bot.errors import Conflict, Forbidden, InvalidInput
from bot.fanout import Delivery, JobState, dm_rate
from bot.feedback import cohorts, render, rules, store
from bot.feedback.core import (
    CLOSE_KIND,
    INVITE_JOB,
    MAX_SURVEY_DAYS,
    PROGRESS_EVERY,
    FeedbackCore,
    invite_scope,
)
from bot.feedback.rules import Question, StartResult
from bot.feedback.store import Campaign
from bot.ports import DeliveryError
from bot.timeparse import parse_future_instant

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CampaignDraft:
    """A validated ``/campaign start`` waiting for its questions: ``closes_at`` UTC-aware,
    ``audience_role_id`` ``None`` for everyone, ``release`` one of :data:`RELEASES`."""

    guild_id: int
    title: str
    closes_at: datetime
    audience_role_id: int | None
    release: str = "close"


RELEASES = ("close", "live")
"""When a campaign's answers become readable: all at once at the close (default), or in
live cohorts of at least k while it is open (docs/anonymity.md, "Cohorts")."""


@dataclass(frozen=True)
class CampaignSummary:
    """A line of ``/campaign list``: the campaign and how many answers were given (released,
    waiting for their cohort, or destroyed unread at the close: a count is all it says)."""

    campaign: Campaign
    answers: int


def _fanout_key(campaign_id: int) -> str:
    """The idempotency claim of a campaign's invitation fan-out."""
    return f"feedback:campaign:{campaign_id}:fanout"


class CampaignUseCases(FeedbackCore):
    """Starting, closing and listing campaigns and surveys."""

    # --- starting ---------------------------------------------------------------------

    @use_case("moderator")
    async def draft_campaign(
        self, actor: Actor, *, title: str, closes: str, audience_role_id: int | None = None, release: str | None = None
    ) -> CampaignDraft:
        """Validate what ``/campaign start`` typed in ``actor``'s guild before its questions
        form opens.

        ``closes`` is typed in the club's language and zone (``vendredi 18h``, ``in 7 days``);
        ``release`` one of :data:`RELEASES` (default ``close``). Raises ``InvalidInput``
        naming ``feedback_title``, ``feedback_closes`` or ``feedback_release``.
        """
        return await self._draft(actor, title, closes, audience_role_id, release)

    @use_case("moderator")
    async def launch_campaign(self, actor: Actor, draft: CampaignDraft, questions: Sequence[str | None]) -> StartResult:
        """Create the drafted campaign with its ``questions`` (≤ 4, ``0-10:`` for ratings), DM
        each member of the audience a button to its form (paced, failures counted), and
        announce it in the feedback channel. Raises ``InvalidInput`` naming a question, or
        ``feedback_closes`` when the close time passed while the form was open;
        ``Forbidden`` when the draft is of another guild than ``actor``'s."""
        if draft.guild_id != actor.guild():
            raise Forbidden("error.not_moderator")
        return await self._launch_draft(draft, actor.user_id, questions)

    @use_case("moderator")
    async def start_campaign(
        self,
        actor: Actor,
        *,
        title: str,
        closes: str,
        questions: Sequence[str | None],
        audience_role_id: int | None = None,
        release: str | None = None,
    ) -> StartResult:
        """:meth:`draft_campaign` then :meth:`launch_campaign` in one call."""
        draft = await self._draft(actor, title, closes, audience_role_id, release)
        return await self._launch_draft(draft, actor.user_id, questions)

    @use_case("system")
    async def start_survey(
        self,
        actor: Actor,
        title: str,
        questions: Sequence[str],
        recipient_ids: Sequence[int],
        closes_at: datetime,
        source: str | None = None,
    ) -> StartResult:
        """Start an anonymous survey in ``actor``'s guild (``actor``: Cercle,
        :meth:`Actor.scheduler` of the guild) for an explicit list of members (e.g. a
        meeting's attendees) and DM each of them the form's button (paced, failures counted).

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
            guild_id=actor.guild(),
            title=clean_title,
            kind="survey",
            source=source,
            audience_role_id=None,
            restricted=True,
            created_by=None,  # started by Cercle: no creator, as surveys always had
            closes_at=closes_at,
            questions=parsed,
            invitees=recipients,
        )
        return await self._launch(campaign_id, recipients, announce=False)

    async def _draft(
        self, actor: Actor, title: str, closes: str, audience_role_id: int | None, release: str | None = None
    ) -> CampaignDraft:
        guild_id = actor.guild()
        mode = (release or "close").strip().lower()
        if mode not in RELEASES:
            raise InvalidInput("feedback.error.release", field="feedback_release", choices=", ".join(RELEASES))
        settings = await self.ctx.club.get(guild_id)
        clean_title = rules.validate_title(title)
        closes_at = parse_future_instant(
            closes, field="feedback_closes", zone=settings.timezone, locale=actor.reads(settings.locale),
            now=self.clock.now(), month_first=actor.month_first,
        )
        role = None if audience_role_id in (None, guild_id) else audience_role_id  # @everyone's id is the guild's
        return CampaignDraft(guild_id, clean_title, closes_at, role, mode)

    async def _launch_draft(self, draft: CampaignDraft, actor_id: int, questions: Sequence[str | None]) -> StartResult:
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
            created_by=actor_id,
            closes_at=draft.closes_at,
            questions=parsed,
            invitees=recipients if draft.audience_role_id is not None else (),
            release=draft.release,
        )
        result = await self._launch(campaign_id, recipients, announce=True)
        await self.ctx.club.audit(
            draft.guild_id,
            actor_id,
            "feedback.campaign.start",
            f"#{campaign_id} {draft.title[:80]}: {result.sent} DMs, {result.failed} unreachable",
        )
        return result

    async def _create(
        self,
        *,
        guild_id: int,
        title: str,
        kind: str,
        source: str | None,
        audience_role_id: int | None,
        restricted: bool,
        created_by: int | None,
        closes_at: datetime,
        questions: Sequence[Question],
        invitees: Sequence[int],
        release: str = "close",
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
                created_by=created_by,
                created_at=to_ts(self.clock.now()),
                closes_at=to_ts(closes_at),
                questions=questions,
                release=release,
            )
        if invitees:
            scope = invite_scope(campaign_id)
            keys = [anonymity.dedupe_key(self.ctx.secret, scope, uid) for uid in invitees]
            await store.add_invites(self.db, campaign_id, keys)
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
        if not await outbox.enqueue(job, campaign.guild_id, recipients, claim=_fanout_key(campaign_id)):
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
            await self.scheduler.complete(_fanout_key(campaign_id))

        return Delivery(send, finish)

    async def _invitation_factory(self, ref: str, state: JobState) -> Delivery | None:
        """Rebuild an interrupted invitation fan-out at start; ``None`` (dropped) when the
        campaign is gone or already closed."""
        campaign = await store.get_campaign(self.db, int(ref))
        if campaign is None or not campaign.is_open:
            return None
        return await self._invitation_delivery(campaign, await store.questions(self.db, campaign.id), campaign.invited)

    # --- closing ----------------------------------------------------------------------

    @use_case("moderator")
    async def close_campaign(self, actor: Actor, campaign_id: int) -> Campaign:
        """Close a campaign of ``actor``'s guild now. Raises ``NotFound``, or ``Conflict`` if
        already closed."""
        guild_id = actor.guild()
        campaign = await self._campaign(campaign_id, guild_id)
        if not campaign.is_open:
            raise Conflict("feedback.error.already_closed", title=campaign.title)
        if not await self.scheduler.claim(f"feedback:close:{campaign.id}", guild_id):
            raise Conflict("feedback.error.already_closed", title=campaign.title)
        closed = await self._finish_close(campaign)
        await self.scheduler.complete(f"feedback:close:{campaign.id}")
        await self.ctx.club.audit(guild_id, actor.user_id, "feedback.campaign.close", f"#{campaign.id}")
        return closed

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

    async def _finish_close(self, campaign: Campaign) -> Campaign:
        """Close: no more answers, the last cohort released (or the remainder below k
        destroyed), the campaign's dedupe and invitation keys destroyed, the WAL truncated
        (:meth:`_release`); then the announcement and the closing note follow."""
        await store.mark_closed(self.db, campaign.id, to_ts(self.clock.now()))
        self._answer_cache.pop(campaign.id, None)
        self.scheduler.disarm(CLOSE_KIND, str(campaign.id))
        await self._release(campaign.guild_id, campaign, final=True)
        closed = await self._campaign(campaign.id)
        count = await store.count_answers(self.db, campaign.id) + closed.unreleased  # every answer given
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

    # --- listing ----------------------------------------------------------------------

    @use_case("moderator")
    async def list_campaigns(self, actor: Actor, limit: int = 25) -> list[CampaignSummary]:
        """The campaigns of ``actor``'s guild (open first, newest first, at most ``limit``)
        with their answer counts."""
        guild_id = actor.guild()
        counts = await store.answer_counts(self.db, guild_id)
        waiting = await cohorts.waiting_by_campaign(self.db, guild_id)
        return [
            CampaignSummary(c, counts.get(c.id, 0) + waiting.get(c.id, 0) + c.unreleased)
            for c in await store.list_campaigns(self.db, guild_id, limit)
        ]

    @use_case("moderator")
    async def campaign_choices(self, actor: Actor, query: str = "") -> list[tuple[str, int]]:
        """Autocomplete of the ``/campaign`` commands: ``(label, id)`` of the campaigns of
        ``actor``'s guild whose title contains ``query`` (≤ 25). Labels carry titles and
        status only — never answers."""
        needle = (query or "").strip().lower()
        out = []
        for c in await store.list_campaigns(self.db, actor.guild(), 100):
            if needle and needle not in c.title.lower() and needle != str(c.id):
                continue
            out.append((render.choice_label(c), c.id))
        return out[:25]
