"""Use-cases of engagement: members' messages in a prompt's answers thread are counted
(authors kept only as HMAC keys, docs/anonymity.md), and moderators read the counts per
prompt and theme with a chart."""

from __future__ import annotations

from datetime import timedelta

from bot import i18n
from bot.actor import Actor, use_case
from bot.anonymity import dedupe_key
from bot.charts import draw
from bot.clock import from_ts, to_ts
from bot.errors import InvalidInput
from bot.prompts import store
from bot.prompts.base import PromptsBase
from bot.prompts.chart import render_chart
from bot.prompts.render import theme_label
from bot.prompts.results import PostStat, StatsReport, ThemeStat
from bot.prompts.rules import THEMES


class Engagement(PromptsBase):
    """Replies counted (members) and the engagement report (moderators)."""

    @use_case("member")
    async def record_reply(self, actor: Actor, thread_id: int, message_id: int | None = None) -> bool:
        """Count ``actor``'s message in a prompt's thread (the cog skips bots). The author is kept
        only as ``HMAC(secret, "prompts:{guild}" ‖ id)`` to count distinct participants; with
        ``message_id`` the message counts once even if two processes see it (its HMAC is claimed,
        never the id itself). Returns ``False`` when ``thread_id`` is not a prompt thread of
        ``actor``'s guild or the message was already counted."""
        guild_id = actor.guild()
        found = await store.post_by_thread(self.db, thread_id)
        if found is None or found.guild_id != guild_id:
            return False
        member_key = dedupe_key(self.ctx.secret, f"prompts:{guild_id}", actor.user_id)
        reply_key = None
        if message_id is not None:
            reply_key = "prompts:reply:" + dedupe_key(self.ctx.secret, f"prompts-reply:{guild_id}", message_id)[:40]
        return await store.add_reply(
            self.db, found.post_id, member_key, reply_key=reply_key, guild_id=guild_id, now=self._now()
        )

    @use_case("moderator")
    async def stats(self, actor: Actor, weeks: int = 8, *, chart: bool = True) -> StatsReport:
        """Engagement over the last ``weeks`` weeks (1–52): per post and per theme, with a PNG
        chart labelled in ``actor.locale`` (else the club's language), rendered off the event
        loop. Raises ``InvalidInput`` (field ``prompts.weeks``)."""
        guild_id = actor.guild()
        if not 1 <= weeks <= 52:
            raise InvalidInput("error.out_of_range", field="prompts.weeks", minimum=1, maximum=52)
        since = to_ts(self.clock.now() - timedelta(weeks=weeks))
        rows = await store.stats_rows(self.db, guild_id, since)
        posts = tuple(
            PostStat(r.post_id, from_ts(r.posted_at), r.theme, r.text, r.replies, r.participants) for r in rows
        )
        per_theme_people = await store.theme_participants(self.db, guild_id, since)
        themes = []
        for theme in THEMES:
            of_theme = [p for p in posts if p.theme == theme]
            if of_theme:
                themes.append(ThemeStat(theme, len(of_theme), sum(p.replies for p in of_theme),
                                        per_theme_people.get(theme, 0)))
        image = None
        if chart and posts:
            club = await self.ctx.club.get(guild_id)
            image = await self._chart(posts, actor.reads(club.locale), club.timezone)
        return StatsReport(weeks, posts, tuple(themes), image)

    async def _chart(self, posts: tuple[PostStat, ...], locale: str, zone: str) -> bytes:
        """The PNG of ``posts`` (:func:`bot.charts.draw`: in a worker thread), days in ``zone``."""
        labels = {t: theme_label(locale, t) for t in THEMES}
        return await draw(
            render_chart, posts, labels, i18n.t(locale, "prompts.stats.chart_title"),
            i18n.t(locale, "prompts.stats.replies"), i18n.t(locale, "prompts.stats.participants"), locale, zone,
        )
