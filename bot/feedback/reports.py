"""Moderator use-cases that read the answers: campaign and spontaneous reports, pain points,
and exports (CSV or Excel, :mod:`bot.export`) — every one below the threshold shows only a count (docs/anonymity.md,
"The anonymity threshold"); the threshold is the club's, raised to what the answers shown
together were given under (:func:`bot.feedback.rules.effective_threshold`).
"""

from __future__ import annotations

import random
from dataclasses import replace

from bot import anonymity, export
from bot import charts as shared_charts
from bot.actor import Actor, use_case
from bot.charts import draw
from bot.errors import Conflict, InvalidInput
from bot.feedback import charts, cohorts, render, rules, store
from bot.feedback.core import FeedbackCore
from bot.feedback.rules import CampaignReport, ContinuousReport, PainPoints
from bot.i18n import t
from bot.ports import File, OutMessage

Rows = tuple[list[export.Column], list[list[export.Cell]], str]
"""An export to write: columns (titles in the club's language), rows, file name without extension."""


def _rating_chart(stats: rules.QuestionStats, locale: str) -> charts.RatingChart:
    """What the chart shows of one 0–10 question: its text, counts, answers and average;
    the NPS figure only for the Net Promoter question."""
    mean = "–" if stats.mean is None else shared_charts.decimal(stats.mean, locale)
    subtitle = t(locale, "feedback.chart.subtitle", count=stats.answered, mean=mean)
    nps = None
    if stats.question.is_nps and stats.nps is not None:
        nps = t(locale, "feedback.chart.nps", score=f"{stats.nps:+d}")
    return charts.RatingChart(f"{stats.question.position}. {stats.question.prompt}", stats.distribution, subtitle, nps)


def _labels(locale: str) -> charts.RatingLabels:
    """The rating chart's words in ``locale``."""
    return charts.RatingLabels(
        answers=t(locale, "feedback.chart.answers"), detractors=t(locale, "feedback.chart.detractors"),
        passives=t(locale, "feedback.chart.passives"), promoters=t(locale, "feedback.chart.promoters"),
    )


class ReportUseCases(FeedbackCore):
    """What moderators read of the answers."""

    @use_case("moderator")
    async def campaign_report(self, actor: Actor, campaign_id: int, rng: random.Random | None = None) -> CampaignReport:
        """Aggregates of one campaign of ``actor``'s guild; below the threshold only the
        count. Raises ``NotFound`` for a campaign of another guild."""
        return await self._campaign_report(actor.guild(), campaign_id, rng)

    @use_case("moderator")
    async def continuous_report(self, actor: Actor, rng: random.Random | None = None) -> ContinuousReport:
        """Spontaneous feedback of ``actor``'s guild grouped by category; below the threshold only the count."""
        return await self._continuous_report(actor.guild(), rng)

    @use_case("moderator")
    async def report_message(self, actor: Actor, campaign_id: int | None, rng: random.Random | None = None) -> OutMessage:
        """The rendered report (embed, chart PNG, texts file if long) of a campaign, or of
        spontaneous feedback when ``campaign_id`` is ``None``, in ``actor``'s language (else
        the club's)."""
        guild_id = actor.guild()
        locale = actor.reads((await self.ctx.club.get(guild_id)).locale)
        if campaign_id is None:
            return render.continuous_report(await self._continuous_report(guild_id, rng), locale)
        report = await self._campaign_report(guild_id, campaign_id, rng)
        chart = None
        ratings = [q for q in report.questions if q.question.is_rating and q.answered]
        if report.visible and ratings:
            chart = await draw(charts.rating_distributions, [_rating_chart(q, locale) for q in ratings], _labels(locale))
        return render.campaign_report(report, locale, chart)

    @use_case("moderator")
    async def pain_points(self, actor: Actor, weeks: int = 12, rng: random.Random | None = None) -> PainPoints:
        """Feedback counts of ``actor``'s guild by category and ISO week (last ``weeks``,
        1–52) and pain-point texts, once the window holds at least the threshold; below it
        only the total. Raises ``InvalidInput`` for ``weeks`` out of range."""
        return await self._pain_points(actor.guild(), weeks, rng)

    @use_case("moderator")
    async def pain_points_message(self, actor: Actor, weeks: int = 12) -> OutMessage:
        """The rendered pain-points view with its weekly stacked chart, in ``actor``'s language
        (else the club's)."""
        guild_id = actor.guild()
        locale = actor.reads((await self.ctx.club.get(guild_id)).locale)
        view = await self._pain_points(guild_id, weeks, None)
        chart = None
        if view.visible:  # below the threshold: only the total, no chart of counts
            labels = {c: t(locale, f"feedback.category.{c}") for c in rules.CATEGORIES}
            chart = await draw(
                charts.weekly_categories, view.weeks, view.counts, labels, t(locale, "feedback.chart.by_week"), locale
            )
        return render.pain_points(view, locale, chart)

    @use_case("moderator")
    async def export_answers(self, actor: Actor, campaign_id: int | None, fmt: str = "csv") -> File:
        """The anonymous answers of a campaign of ``actor``'s guild, or of its spontaneous
        feedback when ``campaign_id`` is ``None``, as a ``fmt`` file (``csv`` or ``xlsx``,
        :mod:`bot.export`: the club's language and separator, formula-safe cells): no
        identity columns, shuffled rows.

        Raises ``Conflict`` ``feedback.error.below_threshold`` while there are fewer answers
        than the threshold — the club's, or the higher one the answers were given under (only
        the count is told); ``NotFound`` for a campaign of another guild; ``InvalidInput``
        for another format.
        """
        checked = export.check_format(fmt)
        guild_id = actor.guild()
        club = await self.ctx.club.get(guild_id)
        if campaign_id is None:
            columns, rows, name = await self._spontaneous_table(guild_id, club.anonymity_threshold, club.locale)
        else:
            columns, rows, name = await self._campaign_table(guild_id, campaign_id, club.anonymity_threshold, club.locale)
        random.SystemRandom().shuffle(rows)
        file = export.write(export.Table(name, t(club.locale, "feedback.export.sheet"), columns, rows), checked,
                            locale=club.locale, timezone=club.timezone)
        await self.ctx.club.audit(guild_id, actor.user_id, "feedback.export", file.filename)
        return file

    # --- the readings -----------------------------------------------------------------

    async def _campaign_report(self, guild_id: int, campaign_id: int, rng: random.Random | None) -> CampaignReport:
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
            waiting=await cohorts.count_waiting(self.db, guild_id, campaign.id),
            unreleased=campaign.unreleased,
            release=campaign.release,
            legacy=await store.count_legacy(self.db, campaign.id),
        )

    async def _continuous_report(self, guild_id: int, rng: random.Random | None) -> ContinuousReport:
        settings = await self.ctx.club.get(guild_id)
        report = rules.continuous_report(await store.spontaneous(self.db, guild_id), settings.anonymity_threshold, rng)
        waiting, threshold = await self._waiting(guild_id, None, report.threshold)
        return replace(report, waiting=waiting, threshold=threshold)

    async def _pain_points(self, guild_id: int, weeks: int, rng: random.Random | None) -> PainPoints:
        if not 1 <= weeks <= 52:
            raise InvalidInput("error.out_of_range", field="feedback_weeks", minimum=1, maximum=52)
        settings = await self.ctx.club.get(guild_id)
        items = await store.spontaneous(self.db, guild_id)
        view = rules.pain_points(items, self.clock.now(), weeks, settings.anonymity_threshold, rng)
        waiting, threshold = await self._waiting(guild_id, None, view.threshold)
        return replace(view, waiting=waiting, threshold=threshold)

    async def _waiting(self, guild_id: int, campaign_id: int | None, threshold: int) -> tuple[int, int]:
        """How many answers of a scope wait for their cohort, and the k their cohort needs
        (``threshold`` raised to what they were promised): what a view says of them."""
        snapshots = await cohorts.waiting_thresholds(self.db, guild_id, campaign_id)
        return len(snapshots), anonymity.effective_threshold(threshold, snapshots)

    async def _spontaneous_table(self, guild_id: int, club_threshold: int, lang: str) -> Rows:
        items = await store.spontaneous(self.db, guild_id)
        threshold = anonymity.effective_threshold(club_threshold, (i.threshold for i in items))
        _, threshold = await self._waiting(guild_id, None, threshold)
        if not anonymity.readable(len(items), sum(i.legacy for i in items), threshold):
            raise Conflict("feedback.error.below_threshold", count=len(items), threshold=threshold)
        columns = [export.Column(t(lang, "feedback.export.week")), export.Column(t(lang, "feedback.export.category")),
                   export.Column(t(lang, "feedback.export.rating"), "number"), export.Column(t(lang, "feedback.export.text"))]
        rows: list[list[export.Cell]] = [
            [i.week, t(lang, f"feedback.category.{i.category}") if i.category else None, i.rating, i.body] for i in items
        ]
        return columns, rows, "feedback"

    async def _campaign_table(self, guild_id: int, campaign_id: int, club_threshold: int, lang: str) -> Rows:
        campaign = await self._campaign(campaign_id, guild_id)
        questions = await store.questions(self.db, campaign_id)
        answers = await store.campaign_answer_weeks(self.db, campaign_id)
        threshold = self._threshold_of(campaign, club_threshold)
        if not anonymity.readable(len(answers), await store.count_legacy(self.db, campaign_id), threshold):
            raise Conflict("feedback.error.below_threshold", count=len(answers), threshold=threshold)
        columns = [export.Column(t(lang, "feedback.export.week"))] + [
            export.Column(("0-10: " if q.is_rating else "") + q.prompt, "number" if q.is_rating else "text")
            for q in questions
        ]
        rows: list[list[export.Cell]] = []
        for answer in answers:
            by_position = {v.position: v for v in answer.values}
            row: list[export.Cell] = [answer.week]
            for q in questions:
                v = by_position.get(q.position)
                row.append(None if v is None else (v.rating if q.is_rating else v.body))
            rows.append(row)
        return columns, rows, f"campaign-{campaign.id}"
