"""Use-cases of the weekly prompts: bank, schedule, posting, suggestions, engagement.

Scheduled posting goes scheduler → :meth:`PromptService.post_due` → port (docs/architecture.md, "Scheduler").
Reliability (docs/architecture.md, "Scheduler"):

- one prompt per scheduled week and guild: the post claims ``prompts:{guild}:{iso-week}``
  before posting; a second process, a reconnect or a restart finds the claim taken;
- catch-up: an occurrence less than 12 h late is posted without a note; later ones are
  recorded ``missed`` and the next one comes on schedule (shown in ``/prompt next``);
- a lost channel (deleted, permission removed) releases the claim, keeps the prompt
  unused, retries hourly inside the grace period, and tells the moderators once (feedback
  or announcements channel, else the audit log); other guilds are never held back.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import i18n
from bot.anonymity import dedupe_key
from bot.clock import from_ts, to_ts
from bot.context import AppContext, Feature, FeatureService
from bot.errors import Conflict, InvalidInput, NotFound
from bot.ports import DeliveryError, Embed, OutMessage
from bot.prompts import bank, rules, store
from bot.prompts.rules import (
    CATCH_UP_GRACE,
    MAX_PENDING_PER_MEMBER,
    PAGE_SIZE,
    RETRY_DELAY,
    THEMES,
    THREAD_NAME_LIMIT,
    Candidate,
    Pick,
    Rejected,
)
from bot.prompts.store import Post, Prompt, Schedule, Suggestion
from bot.text import plain, plain_label, shorten

log = logging.getLogger(__name__)

JOB_POST = "prompts.post"
THREAD_ARCHIVE_MINUTES = 10080
"""Discord: a thread archives after 60, 1440, 4320 or 10080 minutes of inactivity; a week fits a weekly prompt."""
BOT_ACTOR = 0
"""``actor_id`` of audit entries written by Cercle itself."""
MAX_MISSED_RECORDED = 12
THEME_COLORS = {
    "features": 0x5865F2,
    "practice": 0x57F287,
    "pain_points": 0xED4245,
    "roadmap": 0xFEE75C,
    "community": 0xEB459E,
}


@dataclass(frozen=True)
class PostResult:
    """A prompt that was posted: the post id, the prompt, and its Discord ids."""

    post_id: int
    prompt: Prompt
    channel_id: int
    message_id: int
    thread_id: int | None


@dataclass(frozen=True)
class NextInfo:
    """What ``/prompt next`` shows: the ``schedule`` (or ``None``), the next ``dates`` (UTC),
    the ``prompt`` that will be posted, and the latest weeks that were not posted."""

    schedule: Schedule | None
    dates: tuple[datetime, ...]
    prompt: Prompt | None
    not_posted: tuple[Post, ...]
    channel_id: int | None


@dataclass(frozen=True)
class PromptPage:
    """One page of ``/prompt list``: ``items``, 1-based ``page`` of ``pages``, ``total`` prompts."""

    items: tuple[Prompt, ...]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class ImportReport:
    """What an import did: prompts ``added``, ``duplicates`` as ``(line, excerpt)``, and
    ``rejected`` lines with their reason."""

    added: tuple[Prompt, ...]
    duplicates: tuple[tuple[int, str], ...]
    rejected: tuple[Rejected, ...]


@dataclass(frozen=True)
class Decision:
    """A reviewed suggestion, the prompt it became (approved), and whether the author's DM went out."""

    suggestion: Suggestion
    prompt: Prompt | None
    dm_delivered: bool


@dataclass(frozen=True)
class PostStat:
    """Engagement of one posted prompt: replies in its thread and distinct participants."""

    post_id: int
    posted_at: datetime
    theme: str
    text: str
    replies: int
    participants: int


@dataclass(frozen=True)
class ThemeStat:
    """Engagement of one theme over the period: posts, replies, distinct participants."""

    theme: str
    posts: int
    replies: int
    participants: int


@dataclass(frozen=True)
class StatsReport:
    """``/prompt stats``: per post (oldest first) and per theme over ``weeks`` weeks, with a PNG ``chart``."""

    weeks: int
    posts: tuple[PostStat, ...]
    themes: tuple[ThemeStat, ...]
    chart: bytes | None


def theme_label(locale: str, theme: str) -> str:
    """The theme's name in ``locale``."""
    return i18n.t(locale, f"prompts.theme.{theme}")


class PromptService(FeatureService):
    """The weekly prompts of every guild. Built once per process from the :class:`AppContext`."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self._seeded: set[tuple[int, str]] = set()
        self._locks: dict[int, asyncio.Lock] = {}

    def _lock(self, guild_id: int) -> asyncio.Lock:
        """Serialises choose → deliver → record per guild in this process, so two posts at the
        same moment (two ``/prompt post-now``, or one beside the weekly post) never pick the
        same prompt. Across processes the weekly post is guarded by its claim."""
        lock = self._locks.get(guild_id)
        if lock is None:
            lock = self._locks[guild_id] = asyncio.Lock()
        return lock

    # ------------------------------------------------------------------ jobs

    def register_jobs(self) -> tuple[str, ...]:
        """Register ``prompts.post`` (ref: guild id) with a loader that re-arms every running
        schedule; returns that kind."""
        self.scheduler.register(JOB_POST, self._job_post, self._load_jobs)
        return (JOB_POST,)

    async def _load_jobs(self) -> list[tuple[str, datetime]]:
        return [(str(guild_id), from_ts(when)) for guild_id, when in await store.armed_schedules(self.db)]

    async def _job_post(self, ref: str) -> None:
        # A stop while the post is in flight cancels this job (Scheduler.stop, with the
        # database still open): post_due's claim is then given back and the next start retries.
        try:
            await self.post_due(int(ref))
        except Exception:
            # Never leave a guild's schedule unarmed: try again later (the row is re-read then).
            log.exception("prompts: weekly post of guild %s failed; retrying in an hour", ref)
            self.scheduler.arm(JOB_POST, ref, self.clock.now() + RETRY_DELAY)

    def _now(self) -> int:
        return to_ts(self.clock.now())

    def _arm(self, guild_id: int, when_ts: int | None) -> None:
        if when_ts is None:
            self.scheduler.disarm(JOB_POST, str(guild_id))
        else:
            self.scheduler.arm(JOB_POST, str(guild_id), from_ts(when_ts))

    # ------------------------------------------------------------------ bank

    async def ensure_bank(self, guild_id: int, lang: str) -> None:
        """Copy the built-in bank of ``lang`` into the guild once (idempotent, cheap after the first call)."""
        lang = lang if lang in bank.LANGS else "en"
        if (guild_id, lang) in self._seeded:
            return
        rows = [(p.key, p.theme, p.text, rules.normalise(p.text)) for p in bank.builtin(lang)]
        await store.seed_builtin(self.db, guild_id, lang, rows, self._now())
        self._seeded.add((guild_id, lang))

    async def _lang(self, guild_id: int) -> str:
        settings = await self.ctx.club.get(guild_id)
        await self.ensure_bank(guild_id, settings.locale)
        return settings.locale

    async def add_prompt(self, guild_id: int, actor_id: int, theme: str, text: str, *, source: str = "moderator") -> Prompt:
        """Add a club prompt (any language). Raises ``InvalidInput`` (theme, text 10–1,000
        chars) or ``Conflict`` ``prompts.error.duplicate`` when the bank already has it."""
        theme = rules.parse_theme(theme)
        text = rules.check_prompt_text(text)
        await self._lang(guild_id)
        norm = rules.normalise(text)
        existing = await store.find_active_by_norm(self.db, guild_id, norm)
        if existing is not None:
            raise Conflict("prompts.error.duplicate", id=existing.id)
        try:
            prompt_id = await store.add_prompt(self.db, guild_id, theme, text, norm, source, actor_id, self._now())
        except sqlite3.IntegrityError:
            raise Conflict("prompts.error.duplicate", id="?") from None
        await self.ctx.club.audit(guild_id, actor_id, "prompts.add", f"#{prompt_id} {theme}")
        return await self.get_prompt(guild_id, prompt_id)

    async def get_prompt(self, guild_id: int, prompt_id: int) -> Prompt:
        """An active prompt of the guild; raises ``NotFound`` ``prompts.error.not_found``."""
        prompt = await store.get_prompt(self.db, guild_id, prompt_id)
        if prompt is None or prompt.removed_at is not None:
            raise NotFound("prompts.error.not_found", id=prompt_id)
        return prompt

    async def edit_prompt(
        self, guild_id: int, actor_id: int, prompt_id: int, text: str | None = None, theme: str | None = None
    ) -> Prompt:
        """Change a prompt's text and/or theme. Raises ``NotFound``, ``InvalidInput`` or ``Conflict`` (duplicate)."""
        prompt = await self.get_prompt(guild_id, prompt_id)
        new_theme = rules.parse_theme(theme) if theme else prompt.theme
        new_text = rules.check_prompt_text(text) if text is not None else prompt.text
        norm = rules.normalise(new_text)
        existing = await store.find_active_by_norm(self.db, guild_id, norm)
        if existing is not None and existing.id != prompt.id:
            raise Conflict("prompts.error.duplicate", id=existing.id)
        try:
            await store.update_prompt(self.db, prompt.id, new_theme, new_text, norm, self._now())
        except sqlite3.IntegrityError:
            raise Conflict("prompts.error.duplicate", id="?") from None
        await self.ctx.club.audit(guild_id, actor_id, "prompts.edit", f"#{prompt.id} {new_theme}")
        return await self.get_prompt(guild_id, prompt.id)

    async def remove_prompt(self, guild_id: int, actor_id: int, prompt_id: int) -> Prompt:
        """Remove a prompt from the bank (kept for the stats). Raises ``NotFound``."""
        prompt = await self.get_prompt(guild_id, prompt_id)
        await store.remove_prompt(self.db, prompt.id, self._now())
        await self.ctx.club.audit(guild_id, actor_id, "prompts.remove", f"#{prompt.id}")
        return prompt

    async def list_prompts(self, guild_id: int, theme: str | None = None, page: int = 1) -> PromptPage:
        """A page of 10 active prompts of the club's language (optionally one theme). ``page``
        is clamped to the existing pages. Raises ``InvalidInput`` for an unknown theme."""
        key = rules.parse_theme(theme) if theme else None
        lang = await self._lang(guild_id)
        total = await store.count_active(self.db, guild_id, lang=lang, theme=key)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, page), pages)
        items = await store.list_active(
            self.db, guild_id, lang=lang, theme=key, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
        return PromptPage(tuple(items), page, pages, total)

    async def import_prompts(
        self, guild_id: int, actor_id: int, filename: str, data: bytes, default_theme: str | None = None
    ) -> ImportReport:
        """Import a ``.txt``/``.csv`` file (format in :func:`bot.prompts.rules.parse_import`).

        Every line is added, reported as a duplicate (of the bank or of an earlier line), or
        rejected with its reason. Raises ``InvalidInput`` for an unreadable file.
        """
        default = rules.parse_theme(default_theme, field="prompts.theme") if default_theme else None
        parsed = rules.parse_import(filename, data, default)
        await self._lang(guild_id)
        norms = await store.active_norms(self.db, guild_id)
        added: list[Prompt] = []
        duplicates: list[tuple[int, str]] = []
        rejected: list[Rejected] = []
        now = self._now()
        for item in parsed:
            if isinstance(item, Rejected):
                rejected.append(item)
                continue
            norm = rules.normalise(item.text)
            if norm in norms:
                duplicates.append((item.line, rules.excerpt(item.text)))
                continue
            prompt_id = await store.add_prompt(self.db, guild_id, item.theme, item.text, norm, "import", actor_id, now)
            norms.add(norm)
            added.append(await self.get_prompt(guild_id, prompt_id))
        await self.ctx.club.audit(
            guild_id, actor_id, "prompts.import",
            f"{filename[:60]}: +{len(added)} dup {len(duplicates)} rejected {len(rejected)}",
        )
        return ImportReport(tuple(added), tuple(duplicates), tuple(rejected))

    # ------------------------------------------------------------------ schedule

    async def set_schedule(
        self,
        guild_id: int,
        actor_id: int,
        *,
        weekday: int | str,
        time: str,
        channel_id: int | None = None,
        themes: str | list[str] | tuple[str, ...] | None = None,
        ping_role_id: int | None = None,
    ) -> NextInfo:
        """Create or replace the weekly schedule at ``weekday`` ``time`` in the club's time zone.

        ``channel_id`` ``None``: the club's prompts channel (which must be set). Raises
        ``InvalidInput`` naming the field (weekday, time, themes, channel) — e.g. when the
        bot cannot post in the channel.
        """
        day = rules.parse_weekday(weekday)
        hour, minute = rules.parse_local_time(time)
        chosen = rules.parse_themes(themes)
        settings = await self.ctx.club.get(guild_id)
        target = channel_id or settings.prompts_channel_id
        if target is None:
            raise InvalidInput("prompts.error.no_channel", field="prompts.channel")
        if not await self.port.can_post(target):
            raise InvalidInput("prompts.error.cannot_post", field="prompts.channel", channel=f"<#{target}>")
        if ping_role_id is not None and ping_role_id == guild_id:
            raise InvalidInput("prompts.error.ping_everyone", field="prompts.ping_role")
        await self.ensure_bank(guild_id, settings.locale)
        now = self.clock.now()
        first = rules.occurrences(day, hour, minute, settings.timezone, now)[0]
        await store.save_schedule(
            self.db, guild_id, weekday=day, local_time=f"{hour:02d}:{minute:02d}", timezone=settings.timezone,
            channel_id=channel_id, themes=chosen, ping_role_id=ping_role_id, next_at=to_ts(first),
            actor_id=actor_id, now=to_ts(now),
        )
        self._arm(guild_id, to_ts(first))
        await self.ctx.club.audit(
            guild_id, actor_id, "prompts.schedule",
            f"weekday={day} time={hour:02d}:{minute:02d} zone={settings.timezone} channel={target} "
            f"themes={','.join(chosen)} ping={ping_role_id}",
        )
        return await self.next_info(guild_id)

    async def _require_schedule(self, guild_id: int) -> Schedule:
        schedule = await store.get_schedule(self.db, guild_id)
        if schedule is None:
            raise NotFound("prompts.error.no_schedule")
        return schedule

    async def pause(self, guild_id: int, actor_id: int) -> Schedule:
        """Stop weekly posts until :meth:`resume`. Raises ``NotFound`` (no schedule) or ``Conflict`` (already paused)."""
        schedule = await self._require_schedule(guild_id)
        if schedule.paused:
            raise Conflict("prompts.error.already_paused")
        await store.set_paused(self.db, guild_id, True, schedule.next_at, actor_id, self._now())
        self._arm(guild_id, None)
        await self.ctx.club.audit(guild_id, actor_id, "prompts.pause")
        return await self._require_schedule(guild_id)

    async def resume(self, guild_id: int, actor_id: int) -> NextInfo:
        """Restart weekly posts from the next occurrence to come (weeks while paused are not posted).
        Raises ``NotFound`` or ``Conflict`` (not paused)."""
        schedule = await self._require_schedule(guild_id)
        if not schedule.paused:
            raise Conflict("prompts.error.not_paused")
        hour, minute = schedule.hour_minute
        first = rules.occurrences(schedule.weekday, hour, minute, schedule.timezone, self.clock.now())[0]
        await store.set_paused(self.db, guild_id, False, to_ts(first), actor_id, self._now())
        self._arm(guild_id, to_ts(first))
        await self.ctx.club.audit(guild_id, actor_id, "prompts.resume")
        return await self.next_info(guild_id)

    async def skip(self, guild_id: int, actor_id: int) -> datetime:
        """Skip the next weekly post (recorded ``skipped``, the prompt stays for later); returns the
        skipped date (UTC). Raises ``NotFound`` (no schedule) or ``Conflict`` (paused)."""
        schedule = await self._require_schedule(guild_id)
        if schedule.paused or schedule.next_at is None:
            raise Conflict("prompts.error.paused")
        due = from_ts(schedule.next_at)
        week = rules.iso_week(due, schedule.timezone)
        await store.record_week(self.db, guild_id, week, schedule.next_at, "skipped", "moderator", self._now())
        await self._advance(schedule, after=max(due, self.clock.now()))
        await self.ctx.club.audit(guild_id, actor_id, "prompts.skip", week)
        return due

    async def _advance(self, schedule: Schedule, *, after: datetime) -> int:
        hour, minute = schedule.hour_minute
        following = to_ts(rules.occurrences(schedule.weekday, hour, minute, schedule.timezone, after)[0])
        await store.advance(self.db, schedule.guild_id, schedule.next_at, following, self._now())
        fresh = await store.get_schedule(self.db, schedule.guild_id)
        if fresh is not None and not fresh.paused:
            self._arm(schedule.guild_id, fresh.attempt_at)
        return following

    # ------------------------------------------------------------------ choosing

    async def _choose(
        self, guild_id: int, themes: tuple[str, ...], only_theme: str | None = None
    ) -> tuple[Prompt, Pick] | None:
        lang = await self._lang(guild_id)
        pool = [Candidate(p.id, p.theme) for p in await store.list_active(self.db, guild_id, lang=lang)]
        cycle, used, last = await store.rotation_state(self.db, guild_id)
        pick = rules.pick_next(
            pool, used, themes=themes, last_theme=last, guild_id=guild_id, cycle=cycle, only_theme=only_theme
        )
        if pick is None:
            return None
        return await self.get_prompt(guild_id, pick.prompt_id), pick

    def render_post(self, locale: str, prompt: Prompt, ping_role_id: int | None) -> OutMessage:
        """The prompt message: an embed titled with its theme, the text neutralised (it can ping
        nobody and shows as typed), and the opt-in role ping when configured."""
        embed = Embed(
            title=i18n.t(locale, "prompts.post.title", theme=theme_label(locale, prompt.theme)),
            description=plain(prompt.text),
            footer=i18n.t(locale, "prompts.post.footer"),
            color=THEME_COLORS.get(prompt.theme),
        )
        if ping_role_id:
            return OutMessage(content=f"<@&{ping_role_id}>", embeds=(embed,), ping_role_ids=(ping_role_id,))
        return OutMessage(embeds=(embed,))

    async def _open_thread(self, locale: str, channel_id: int, message_id: int, prompt: Prompt) -> int | None:
        """The answers thread under a posted prompt; ``None`` (logged) when Discord refuses."""
        name = plain_label(prompt.text, THREAD_NAME_LIMIT) or theme_label(locale, prompt.theme)
        try:
            return await self.port.create_thread(channel_id, message_id, name, THREAD_ARCHIVE_MINUTES)
        except DeliveryError as exc:
            log.warning("prompt thread not created in channel %s: %s", channel_id, exc.reason)
            return None

    # ------------------------------------------------------------------ posting

    async def post_due(self, guild_id: int) -> PostResult | None:
        """The scheduled job: post this week's prompt if due, following the catch-up policy.

        Re-reads the schedule; does nothing when paused or not yet due (re-arms instead).
        Returns the post when one was made.
        """
        schedule = await store.get_schedule(self.db, guild_id)
        if schedule is None or schedule.paused or schedule.next_at is None:
            return None
        now = self.clock.now()
        attempt = from_ts(schedule.attempt_at or schedule.next_at)
        if attempt > now:
            self._arm(guild_id, to_ts(attempt))
            return None
        due = from_ts(schedule.next_at)
        week = rules.iso_week(due, schedule.timezone)
        existing = await store.post_for_week(self.db, guild_id, week)
        if existing is not None and existing.status in ("posted", "skipped", "missed"):
            await self._advance(schedule, after=max(due, now))
            return None
        if now - due >= CATCH_UP_GRACE:
            await self._record_missed(schedule, due, now, failed=existing is not None)
            await self._advance(schedule, after=now)
            return None
        key = f"prompts:{guild_id}:{week}"
        # ``claimed`` gives the claim back if this block is interrupted before the post exists
        # (the bot stopped during a 429 retry, say): the next start retries within the grace.
        async with self._lock(guild_id), self.scheduler.claimed(key, guild_id) as won:
            if not won:
                await self._advance(schedule, after=max(due, now))
                return None
            settings = await self.ctx.club.get(guild_id)
            channel_id = schedule.channel_id or settings.prompts_channel_id
            chosen: tuple[Prompt, Pick] | None = None
            try:
                chosen = await self._choose(guild_id, schedule.themes)
                if chosen is None:
                    await store.release_claim(self.db, key)
                    await store.record_week(self.db, guild_id, week, schedule.next_at, "failed", "empty_bank", to_ts(now))
                    await self._alert(settings.guild_id, schedule, "empty_bank", channel_id)
                    await self._advance(schedule, after=max(due, now))
                    return None
                prompt, pick = chosen
                if channel_id is None:
                    raise DeliveryError("not_found")
                message_id = await self.port.send_message(
                    channel_id, self.render_post(settings.locale, prompt, schedule.ping_role_id)
                )
            except DeliveryError as exc:
                await store.release_claim(self.db, key)
                await self._channel_lost(schedule, due, now, week, channel_id, exc.reason, chosen)
                return None

            async def record() -> int:
                post_id = await store.record_posted(
                    self.db, guild_id, kind="scheduled", week=week, due_at=schedule.next_at, prompt_id=prompt.id,
                    theme=prompt.theme, cycle=pick.cycle, channel_id=channel_id, message_id=message_id,
                    thread_id=None, now=to_ts(now),
                )
                await self.scheduler.complete(key, message_id)
                return post_id

            # The message exists: record it even if the bot is stopping now, so no start posts again.
            post_id = await asyncio.shield(record())
            thread_id = await self._open_thread(settings.locale, channel_id, message_id, prompt)
            if thread_id is not None:
                await store.set_post_thread(self.db, post_id, thread_id)
            if schedule.alert_sent_at is not None:
                await store.set_alert(self.db, guild_id, None)
            await self._advance(schedule, after=max(due, now))
            return PostResult(post_id, prompt, channel_id, message_id, thread_id)

    async def _record_missed(self, schedule: Schedule, due: datetime, now: datetime, *, failed: bool) -> None:
        hour, minute = schedule.hour_minute
        week = rules.iso_week(due, schedule.timezone)
        if not failed:
            await store.record_week(self.db, schedule.guild_id, week, to_ts(due), "missed", "downtime", to_ts(now))
        later = rules.occurrences(schedule.weekday, hour, minute, schedule.timezone, due, MAX_MISSED_RECORDED)
        for instant in later:
            if now - instant < CATCH_UP_GRACE:
                break
            await store.record_week(
                self.db, schedule.guild_id, rules.iso_week(instant, schedule.timezone), to_ts(instant), "missed",
                "downtime", to_ts(now),
            )
        log.info("prompts: guild %s missed the post due %s (downtime past the grace)", schedule.guild_id, due)

    async def _channel_lost(
        self, schedule: Schedule, due: datetime, now: datetime, week: str, channel_id: int | None, reason: str,
        chosen: tuple[Prompt, Pick] | None,
    ) -> None:
        guild_id = schedule.guild_id
        log.warning("prompts: guild %s cannot post in channel %s (%s)", guild_id, channel_id, reason)
        prompt = chosen[0] if chosen else None
        await store.record_week(
            self.db, guild_id, week, to_ts(due), "failed", reason, to_ts(now),
            theme=prompt.theme if prompt else None, prompt_id=prompt.id if prompt else None, channel_id=channel_id,
        )
        await self._alert(guild_id, schedule, reason, channel_id)
        retry = now + RETRY_DELAY
        if retry - due < CATCH_UP_GRACE:
            await store.set_attempt(self.db, guild_id, to_ts(retry))
            self._arm(guild_id, to_ts(retry))
        else:
            await self._advance(schedule, after=now)

    async def _alert(self, guild_id: int, schedule: Schedule, reason: str, channel_id: int | None) -> None:
        """Tell moderators once per incident: the feedback channel, else announcements, else the audit log."""
        fresh = await store.get_schedule(self.db, guild_id)
        if fresh is None or fresh.alert_sent_at is not None:
            return
        await store.set_alert(self.db, guild_id, self._now())
        settings = await self.ctx.club.get(guild_id)
        locale = settings.locale
        key = "prompts.alert.empty_bank" if reason == "empty_bank" else "prompts.alert.channel_lost"
        text = i18n.t(locale, key, channel=f"<#{channel_id}>" if channel_id else "—")
        await self.ctx.club.audit(guild_id, BOT_ACTOR, "prompts.alert", f"{reason} channel={channel_id}")
        for target in (settings.feedback_channel_id, settings.announcements_channel_id):
            if target is None or target == channel_id:
                continue
            try:
                await self.port.send_message(target, OutMessage(content=text))
                return
            except DeliveryError:
                continue

    async def post_now(self, guild_id: int, actor_id: int, theme: str | None = None) -> PostResult:
        """Post a prompt at once (optionally of ``theme``) in the schedule's channel or the club's
        prompts channel; it counts in the rotation but not as the week's post.

        Raises ``InvalidInput`` (theme, no channel), ``NotFound`` ``prompts.error.empty_bank``,
        or ``Conflict`` ``prompts.error.cannot_post`` when the channel refuses.
        """
        key = rules.parse_theme(theme) if theme else None
        schedule = await store.get_schedule(self.db, guild_id)
        settings = await self.ctx.club.get(guild_id)
        channel_id = (schedule.channel_id if schedule else None) or settings.prompts_channel_id
        if channel_id is None:
            raise InvalidInput("prompts.error.no_channel", field="prompts.channel")
        themes = schedule.themes if schedule else THEMES
        async with self._lock(guild_id):
            chosen = await self._choose(guild_id, themes, key)
            if chosen is None:
                raise NotFound("prompts.error.empty_bank")
            prompt, pick = chosen
            try:
                message_id = await self.port.send_message(
                    channel_id, self.render_post(settings.locale, prompt, schedule.ping_role_id if schedule else None)
                )
            except DeliveryError:
                raise Conflict("prompts.error.cannot_post", channel=f"<#{channel_id}>") from None
            # Recorded at once (even if interrupted) so the rotation never offers this prompt again.
            post_id = await asyncio.shield(store.record_posted(
                self.db, guild_id, kind="manual", week=None, due_at=None, prompt_id=prompt.id, theme=prompt.theme,
                cycle=pick.cycle, channel_id=channel_id, message_id=message_id, thread_id=None, now=self._now(),
            ))
            thread_id = await self._open_thread(settings.locale, channel_id, message_id, prompt)
            if thread_id is not None:
                await store.set_post_thread(self.db, post_id, thread_id)
        await self.ctx.club.audit(guild_id, actor_id, "prompts.post_now", f"#{prompt.id}")
        return PostResult(post_id, prompt, channel_id, message_id, thread_id)

    async def next_info(self, guild_id: int, count: int = 3) -> NextInfo:
        """The next ``count`` dates, the prompt that will be posted, and recent weeks not posted."""
        schedule = await store.get_schedule(self.db, guild_id)
        settings = await self.ctx.club.get(guild_id)
        not_posted = tuple(await store.recent_posts(self.db, guild_id, 5, statuses=("missed", "skipped", "failed")))
        if schedule is None:
            return NextInfo(None, (), None, not_posted, settings.prompts_channel_id)
        dates: tuple[datetime, ...] = ()
        if not schedule.paused and schedule.next_at is not None:
            hour, minute = schedule.hour_minute
            first = from_ts(schedule.next_at)
            dates = (first, *rules.occurrences(schedule.weekday, hour, minute, schedule.timezone, first, count - 1))
        chosen = await self._choose(guild_id, schedule.themes)
        return NextInfo(
            schedule, dates, chosen[0] if chosen else None, not_posted,
            schedule.channel_id or settings.prompts_channel_id,
        )

    # ------------------------------------------------------------------ suggestions

    async def suggest(self, guild_id: int, author_id: int, theme: str, text: str, locale: str = "en") -> Suggestion:
        """Queue a member's suggestion for review. Raises ``InvalidInput`` (theme, text),
        ``Conflict`` ``prompts.error.duplicate`` (already in the bank) or
        ``prompts.error.too_many_pending`` (5 waiting per member)."""
        key = rules.parse_theme(theme)
        value = rules.check_prompt_text(text)
        await self._lang(guild_id)
        existing = await store.find_active_by_norm(self.db, guild_id, rules.normalise(value))
        if existing is not None:
            raise Conflict("prompts.error.duplicate", id=existing.id)
        if await store.count_pending(self.db, guild_id, author_id) >= MAX_PENDING_PER_MEMBER:
            raise Conflict("prompts.error.too_many_pending", limit=MAX_PENDING_PER_MEMBER)
        lang = i18n.normalise_locale(locale) or "en"
        suggestion_id = await store.add_suggestion(self.db, guild_id, key, value, author_id, lang, self._now())
        suggestion = await store.get_suggestion(self.db, guild_id, suggestion_id)
        assert suggestion is not None
        return suggestion

    async def pending(self, guild_id: int, limit: int = 5) -> tuple[list[Suggestion], int]:
        """The oldest ``limit`` pending suggestions and how many are pending in all."""
        return await store.pending_suggestions(self.db, guild_id, limit), await store.count_pending(self.db, guild_id)

    async def approve(self, guild_id: int, moderator_id: int, suggestion_id: int) -> Decision:
        """Approve: the suggestion joins the bank, its author is told by DM (if their DMs are open).
        Raises ``NotFound`` or ``Conflict`` ``prompts.error.already_decided``."""
        return await self._decide(guild_id, moderator_id, suggestion_id, approve=True)

    async def reject(self, guild_id: int, moderator_id: int, suggestion_id: int) -> Decision:
        """Reject: nothing joins the bank, the author is told by DM (if open). Raises like :meth:`approve`."""
        return await self._decide(guild_id, moderator_id, suggestion_id, approve=False)

    async def _decide(self, guild_id: int, moderator_id: int, suggestion_id: int, *, approve: bool) -> Decision:
        suggestion = await store.get_suggestion(self.db, guild_id, suggestion_id)
        if suggestion is None:
            raise NotFound("prompts.error.suggestion_not_found", id=suggestion_id)
        now = self._now()
        status = "approved" if approve else "rejected"
        if not await store.decide_suggestion(self.db, suggestion.id, status, moderator_id, now, None):
            raise Conflict("prompts.error.already_decided")
        prompt: Prompt | None = None
        if approve:
            await self._lang(guild_id)
            norm = rules.normalise(suggestion.text)
            prompt = await store.find_active_by_norm(self.db, guild_id, norm)
            if prompt is None:
                prompt_id = await store.add_prompt(
                    self.db, guild_id, suggestion.theme, suggestion.text, norm, "suggestion", suggestion.author_id, now
                )
                prompt = await self.get_prompt(guild_id, prompt_id)
            await self.db.execute("UPDATE prompt_suggestions SET prompt_id = ? WHERE id = ?", (prompt.id, suggestion.id))
        await self.ctx.club.audit(guild_id, moderator_id, f"prompts.suggestion.{status}", f"#{suggestion.id}")
        locale = suggestion.author_locale
        body = i18n.t(
            locale, f"prompts.dm.{status}", theme=theme_label(locale, suggestion.theme),
            text=shorten(plain(suggestion.text), 1500),
        )
        try:
            await self.port.send_dm(suggestion.author_id, OutMessage(content=body))
            delivered = True
        except DeliveryError:
            delivered = False
        fresh = await store.get_suggestion(self.db, guild_id, suggestion.id)
        assert fresh is not None
        return Decision(fresh, prompt, delivered)

    # ------------------------------------------------------------------ engagement

    async def record_reply(
        self, guild_id: int, thread_id: int, author_id: int, message_id: int | None = None
    ) -> bool:
        """Count a member's message in a prompt's thread (the cog skips bots). The author is kept
        only as ``HMAC(secret, "prompts:{guild}" ‖ id)`` to count distinct participants; with
        ``message_id`` the message counts once even if two processes see it (its HMAC is claimed,
        never the id itself). Returns ``False`` when ``thread_id`` is not a prompt thread of
        ``guild_id`` or the message was already counted."""
        found = await store.post_by_thread(self.db, thread_id)
        if found is None or found[1] != guild_id:
            return False
        member_key = dedupe_key(self.ctx.secret, f"prompts:{guild_id}", author_id)
        reply_key = None
        if message_id is not None:
            reply_key = "prompts:reply:" + dedupe_key(self.ctx.secret, f"prompts-reply:{guild_id}", message_id)[:40]
        return await store.add_reply(
            self.db, found[0], member_key, reply_key=reply_key, guild_id=guild_id, now=self._now()
        )

    async def stats(self, guild_id: int, weeks: int = 8, locale: str = "en", *, chart: bool = True) -> StatsReport:
        """Engagement over the last ``weeks`` weeks (1–52): per post and per theme, with a PNG
        chart (rendered off the event loop). Raises ``InvalidInput`` (field ``prompts.weeks``)."""
        if not 1 <= weeks <= 52:
            raise InvalidInput("error.out_of_range", field="prompts.weeks", minimum=1, maximum=52)
        since = to_ts(self.clock.now() - timedelta(weeks=weeks))
        rows = await store.stats_rows(self.db, guild_id, since)
        posts = tuple(PostStat(pid, from_ts(at), theme, text, rep, part) for pid, at, theme, text, rep, part in rows)
        per_theme_people = await store.theme_participants(self.db, guild_id, since)
        themes = []
        for theme in THEMES:
            of_theme = [p for p in posts if p.theme == theme]
            if of_theme:
                themes.append(ThemeStat(theme, len(of_theme), sum(p.replies for p in of_theme),
                                        per_theme_people.get(theme, 0)))
        image = None
        if chart and posts:
            from bot.prompts.chart import render_chart

            labels = {t: theme_label(locale, t) for t in THEMES}
            image = await asyncio.to_thread(render_chart, posts, labels, i18n.t(locale, "prompts.stats.chart_title"),
                                            i18n.t(locale, "prompts.stats.replies"),
                                            i18n.t(locale, "prompts.stats.participants"))
        return StatsReport(weeks, posts, tuple(themes), image)


def build(ctx: AppContext) -> Feature[PromptService]:
    """The prompts feature for one process: its service with its job registered."""
    service = PromptService(ctx)
    return Feature(service, service.register_jobs())
