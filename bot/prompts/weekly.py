"""Use-cases of the weekly schedule (moderators) and the weekly post (Cercle itself).

Scheduled posting goes scheduler → ``_job_post`` → :meth:`Weekly.post_due` (a ``system``
use-case) → port (docs/architecture.md, "Scheduler"). Reliability:

- one prompt per scheduled week and guild: the post is a :meth:`bot.scheduler.Scheduler.effect`
  on ``prompts:{guild}:{iso-week}``; a reconnect or a restart finds it done, and a post a
  stop or a kill interrupted is finished at the next start — once, even past the grace;
- catch-up (:func:`bot.prompts.rules.weekly_step`): an occurrence less than 12 h late is
  posted without a note; later ones are recorded ``missed`` and the next one comes on
  schedule (shown in ``/prompt next``);
- a lost channel (deleted, permission removed) releases the claim, keeps the prompt
  unused, retries hourly inside the grace period, and tells the moderators once (feedback
  or announcements channel, else the audit log); other guilds are never held back.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from bot import i18n
from bot.actor import Actor, use_case
from bot.clock import from_ts, to_ts
from bot.effects import Effect
from bot.errors import Conflict, InvalidInput, NotFound
from bot.ports import DeliveryError, OutMessage
from bot.prompts import rules, store
from bot.prompts.base import PromptsBase
from bot.prompts.render import render_post, theme_label
from bot.prompts.results import NextInfo, PostResult
from bot.prompts.rules import RETRY_DELAY, THEMES, THREAD_NAME_LIMIT, Candidate, Pick
from bot.prompts.store import Prompt, Schedule
from bot.recurrence import weekly_instants
from bot.text import plain_label

log = logging.getLogger(__name__)

JOB_POST = "prompts.post"
"""Scheduler kind of the weekly post; its ref is the guild id."""
THREAD_ARCHIVE_MINUTES = 10080
"""Discord: a thread archives after 60, 1440, 4320 or 10080 minutes of inactivity; a week fits a weekly prompt."""
BOT_ACTOR = 0
"""``actor_id`` of audit entries written by Cercle itself."""
NOT_POSTED = ("missed", "skipped", "failed")


@dataclass(frozen=True)
class _Occurrence:
    """The weekly post being handled: its ``schedule`` as read, the occurrence ``due`` (UTC),
    its ISO ``week`` (club zone) and the job's ``now`` (UTC)."""

    schedule: Schedule
    due: datetime
    week: str
    now: datetime

    @property
    def guild_id(self) -> int:
        return self.schedule.guild_id

    @property
    def key(self) -> str:
        """The idempotency claim of the week: ``prompts:{guild}:{ISO week}``."""
        return f"prompts:{self.guild_id}:{self.week}"


class Weekly(PromptsBase):
    """The schedule's use-cases (moderators), ``/prompt post-now`` (moderators) and the
    weekly post (``system``, from the scheduler)."""

    # ------------------------------------------------------------------ jobs

    def register_jobs(self) -> tuple[str, ...]:
        """Register ``prompts.post`` (ref: guild id) with a loader that re-arms every running
        schedule; returns that kind."""
        self.scheduler.register(JOB_POST, self._job_post, self._load_jobs)
        return (JOB_POST,)

    async def _load_jobs(self) -> list[tuple[str, datetime]]:
        return [(str(a.guild_id), from_ts(a.attempt_at)) for a in await store.armed_schedules(self.db)]

    async def _job_post(self, ref: str) -> None:
        # A stop while the post is in flight cancels this job (Scheduler.stop): post_due's
        # claim stays unfinished and the next start finishes the post.
        try:
            await self.post_due(Actor.scheduler(int(ref)))
        except Exception:
            # Never leave a guild's schedule unarmed: try again later (the row is re-read then).
            log.exception("prompts: weekly post of guild %s failed; retrying in an hour", ref)
            self.scheduler.arm(JOB_POST, ref, self.clock.now() + RETRY_DELAY)

    def _arm(self, guild_id: int, when_ts: int | None) -> None:
        if when_ts is None:
            self.scheduler.disarm(JOB_POST, str(guild_id))
        else:
            self.scheduler.arm(JOB_POST, str(guild_id), from_ts(when_ts))

    # ------------------------------------------------------------------ schedule

    @use_case("moderator")
    async def set_schedule(
        self,
        actor: Actor,
        *,
        weekday: int | str,
        time: str,
        channel_id: int | None = None,
        themes: str | list[str] | tuple[str, ...] | None = None,
        ping_role_id: int | None = None,
    ) -> NextInfo:
        """Create or replace the weekly schedule of ``actor``'s guild at ``weekday`` ``time`` in
        the club's time zone.

        ``channel_id`` ``None``: the club's prompts channel (which must be set). Raises
        ``InvalidInput`` naming the field (weekday, time, themes, channel) — e.g. when the
        bot cannot post in the channel.
        """
        guild_id = actor.guild()
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
        await self._ensure_bank(guild_id, settings.locale)
        now = self.clock.now()
        first = weekly_instants(day, hour, minute, settings.timezone, now)[0]
        await store.save_schedule(
            self.db, guild_id, weekday=day, local_time=f"{hour:02d}:{minute:02d}", timezone=settings.timezone,
            channel_id=channel_id, themes=chosen, ping_role_id=ping_role_id, next_at=to_ts(first),
            actor_id=actor.user_id, now=to_ts(now),
        )
        self._arm(guild_id, to_ts(first))
        await self._audit(
            actor, "prompts.schedule",
            f"weekday={day} time={hour:02d}:{minute:02d} zone={settings.timezone} channel={target} "
            f"themes={','.join(chosen)} ping={ping_role_id}",
        )
        return await self._next_info(guild_id)

    async def _require_schedule(self, guild_id: int) -> Schedule:
        schedule = await store.get_schedule(self.db, guild_id)
        if schedule is None:
            raise NotFound("prompts.error.no_schedule")
        return schedule

    @use_case("moderator")
    async def pause(self, actor: Actor) -> Schedule:
        """Stop weekly posts until :meth:`resume`. Raises ``NotFound`` (no schedule) or ``Conflict`` (already paused)."""
        guild_id = actor.guild()
        schedule = await self._require_schedule(guild_id)
        if schedule.paused:
            raise Conflict("prompts.error.already_paused")
        await store.set_paused(self.db, guild_id, True, schedule.next_at, actor.user_id, self._now())
        self._arm(guild_id, None)
        await self._audit(actor, "prompts.pause")
        return await self._require_schedule(guild_id)

    @use_case("moderator")
    async def resume(self, actor: Actor) -> NextInfo:
        """Restart weekly posts from the next occurrence to come (weeks while paused are not posted).
        Raises ``NotFound`` or ``Conflict`` (not paused)."""
        guild_id = actor.guild()
        schedule = await self._require_schedule(guild_id)
        if not schedule.paused:
            raise Conflict("prompts.error.not_paused")
        hour, minute = schedule.hour_minute
        first = weekly_instants(schedule.weekday, hour, minute, schedule.timezone, self.clock.now())[0]
        await store.set_paused(self.db, guild_id, False, to_ts(first), actor.user_id, self._now())
        self._arm(guild_id, to_ts(first))
        await self._audit(actor, "prompts.resume")
        return await self._next_info(guild_id)

    @use_case("moderator")
    async def skip(self, actor: Actor) -> datetime:
        """Skip the next weekly post (recorded ``skipped``, the prompt stays for later); returns the
        skipped date (UTC). Raises ``NotFound`` (no schedule) or ``Conflict`` (paused)."""
        guild_id = actor.guild()
        schedule = await self._require_schedule(guild_id)
        if schedule.paused or schedule.next_at is None:
            raise Conflict("prompts.error.paused")
        due = from_ts(schedule.next_at)
        week = rules.iso_week(due, schedule.timezone)
        await store.record_week(self.db, guild_id, week, schedule.next_at, "skipped", "moderator", self._now())
        await self._advance(schedule, after=max(due, self.clock.now()))
        await self._audit(actor, "prompts.skip", week)
        return due

    async def _advance(self, schedule: Schedule, *, after: datetime) -> int:
        hour, minute = schedule.hour_minute
        following = to_ts(weekly_instants(schedule.weekday, hour, minute, schedule.timezone, after)[0])
        await store.advance(self.db, schedule.guild_id, schedule.next_at, following, self._now())
        fresh = await store.get_schedule(self.db, schedule.guild_id)
        if fresh is not None and not fresh.paused:
            self._arm(schedule.guild_id, fresh.attempt_at)
        return following

    @use_case("moderator")
    async def next_info(self, actor: Actor, count: int = 3) -> NextInfo:
        """``/prompt next``: the next ``count`` dates, the prompt that will be posted, and recent weeks not posted."""
        return await self._next_info(actor.guild(), count)

    async def _next_info(self, guild_id: int, count: int = 3) -> NextInfo:
        schedule = await store.get_schedule(self.db, guild_id)
        settings = await self.ctx.club.get(guild_id)
        not_posted = tuple(await store.recent_posts(self.db, guild_id, 5, statuses=NOT_POSTED))
        if schedule is None:
            return NextInfo(None, (), None, not_posted, settings.prompts_channel_id)
        dates: tuple[datetime, ...] = ()
        if not schedule.paused and schedule.next_at is not None:
            hour, minute = schedule.hour_minute
            first = from_ts(schedule.next_at)
            dates = (first, *weekly_instants(schedule.weekday, hour, minute, schedule.timezone, first, count - 1))
        chosen = await self._choose(guild_id, schedule.themes)
        return NextInfo(
            schedule, dates, chosen[0] if chosen else None, not_posted,
            schedule.channel_id or settings.prompts_channel_id,
        )

    # ------------------------------------------------------------------ choosing and posting

    async def _choose(
        self, guild_id: int, themes: tuple[str, ...], only_theme: str | None = None
    ) -> tuple[Prompt, Pick] | None:
        lang = await self._lang(guild_id)
        pool = [Candidate(p.id, p.theme) for p in await store.list_active(self.db, guild_id, lang=lang)]
        rotation = await store.rotation_state(self.db, guild_id)
        pick = rules.pick_next(
            pool, rotation.used, themes=themes, last_theme=rotation.last_theme, guild_id=guild_id,
            cycle=rotation.cycle, only_theme=only_theme,
        )
        if pick is None:
            return None
        return await self._prompt(guild_id, pick.prompt_id), pick

    async def _open_thread(self, locale: str, channel_id: int, message_id: int, prompt: Prompt) -> int | None:
        """The answers thread under a posted prompt; ``None`` (logged) when Discord refuses."""
        name = plain_label(prompt.text, THREAD_NAME_LIMIT) or theme_label(locale, prompt.theme)
        try:
            return await self.port.create_thread(channel_id, message_id, name, THREAD_ARCHIVE_MINUTES)
        except DeliveryError as exc:
            log.warning("prompt thread not created in channel %s: %s", channel_id, exc.reason)
            return None

    @use_case("moderator")
    async def post_now(self, actor: Actor, theme: str | None = None) -> PostResult:
        """Post a prompt at once (optionally of ``theme``) in the schedule's channel or the club's
        prompts channel; it counts in the rotation but not as the week's post.

        Raises ``InvalidInput`` (theme, no channel), ``NotFound`` ``prompts.error.empty_bank``,
        or ``Conflict`` ``prompts.error.cannot_post`` when the channel refuses.
        """
        guild_id = actor.guild()
        key = rules.parse_theme(theme) if theme else None
        schedule = await store.get_schedule(self.db, guild_id)
        settings = await self.ctx.club.get(guild_id)
        channel_id = (schedule.channel_id if schedule else None) or settings.prompts_channel_id
        if channel_id is None:
            raise InvalidInput("prompts.error.no_channel", field="prompts.channel")
        ping_role_id = schedule.ping_role_id if schedule else None
        async with self._lock(guild_id):
            chosen = await self._choose(guild_id, schedule.themes if schedule else THEMES, key)
            if chosen is None:
                raise NotFound("prompts.error.empty_bank")
            prompt, pick = chosen
            try:
                message_id = await self.port.send_message(channel_id, render_post(settings.locale, prompt, ping_role_id))
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
        await self._audit(actor, "prompts.post_now", f"#{prompt.id}")
        return PostResult(post_id, prompt, channel_id, message_id, thread_id)

    @use_case("system")
    async def post_due(self, actor: Actor) -> PostResult | None:
        """The weekly job of ``actor``'s guild (``Actor.scheduler(guild_id)``): post this week's
        prompt if due, following the catch-up policy (:func:`bot.prompts.rules.weekly_step`).

        Re-reads the schedule; does nothing when paused or not yet due (re-arms instead).
        Returns the post when one was made.
        """
        guild_id = actor.guild()
        schedule = await store.get_schedule(self.db, guild_id)
        if schedule is None or schedule.paused or schedule.next_at is None:
            return None
        now = self.clock.now()
        attempt = from_ts(schedule.attempt_at or schedule.next_at)
        due = from_ts(schedule.next_at)
        week = rules.iso_week(due, schedule.timezone)
        existing = await store.post_for_week(self.db, guild_id, week) if attempt <= now else None
        step = rules.weekly_step(due=due, attempt=attempt, now=now, recorded=existing.status if existing else None)
        if step == "wait":
            self._arm(guild_id, to_ts(attempt))
        elif step == "advance":
            await self._advance(schedule, after=max(due, now))
        elif step == "missed":
            occ = _Occurrence(schedule, due, week, now)
            posted = await self._attempt_found(occ)
            if posted is not None:
                return posted
            await self._record_missed(occ, failed=existing is not None)
            await self._advance(schedule, after=now)
        else:
            return await self._post_week(_Occurrence(schedule, due, week, now))
        return None

    async def _post_week(self, occ: _Occurrence) -> PostResult | None:
        """Claim the week, choose and post its prompt; a lost channel or an empty bank gives the
        claim back (retried or given up by policy). Serialised with ``/prompt post-now``."""
        schedule = occ.schedule
        # The post is an effect: a stop or a kill during a 429 wait leaves the claim unfinished
        # and the next start finishes it (looking for the attempted post first), within the grace.
        async with self._lock(occ.guild_id), self.scheduler.effect(occ.key, occ.guild_id) as effect:
            if effect is None:
                await self._advance(schedule, after=max(occ.due, occ.now))
                return None
            settings = await self.ctx.club.get(occ.guild_id)
            channel_id = schedule.channel_id or settings.prompts_channel_id
            chosen: tuple[Prompt, Pick] | None = None
            try:
                chosen = await self._choose(occ.guild_id, schedule.themes)
                if chosen is None:
                    await self._empty_bank(occ, channel_id)
                    await effect.release()
                    return None
                if channel_id is None:
                    raise DeliveryError("not_found")
                message_id = await effect.post(
                    self.port, channel_id, render_post(settings.locale, chosen[0], schedule.ping_role_id)
                )
            except DeliveryError as exc:
                await effect.release()
                await self._channel_lost(occ, channel_id, exc.reason, chosen[0] if chosen else None)
                return None
            return await self._posted(occ, settings.locale, channel_id, message_id, chosen, effect)

    async def _attempt_found(self, occ: _Occurrence) -> PostResult | None:
        """Past the grace, before the week is recorded missed: a post a killed process had
        attempted may have reached Discord — when it is in the channel, the week is
        recorded posted with it (never posted again); else the claim is given back."""
        async with self._lock(occ.guild_id), self.scheduler.effect(occ.key, occ.guild_id) as effect:
            if effect is None:
                return None
            settings = await self.ctx.club.get(occ.guild_id)
            channel_id = occ.schedule.channel_id or settings.prompts_channel_id
            chosen = await self._choose(occ.guild_id, occ.schedule.themes)
            try:
                found = None if channel_id is None or chosen is None else await effect.find(self.port, channel_id)
            except DeliveryError:
                found = None
            if found is None or channel_id is None or chosen is None:
                await effect.release()
                return None
            return await self._posted(occ, settings.locale, channel_id, found, chosen, effect)

    async def _posted(
        self, occ: _Occurrence, locale: str, channel_id: int, message_id: int, chosen: tuple[Prompt, Pick],
        effect: Effect,
    ) -> PostResult:
        """Record the week's message (even if the bot is stopping now), open its thread, clear a
        lost-channel alert and move the schedule to the next occurrence."""
        prompt, pick = chosen

        async def record() -> int:
            post_id = await store.record_posted(
                self.db, occ.guild_id, kind="scheduled", week=occ.week, due_at=occ.schedule.next_at,
                prompt_id=prompt.id, theme=prompt.theme, cycle=pick.cycle, channel_id=channel_id,
                message_id=message_id, thread_id=None, now=to_ts(occ.now),
            )
            await effect.complete(message_id)
            return post_id

        # The message exists: record it even if the bot is stopping now, so no start posts again.
        post_id = await asyncio.shield(record())
        thread_id = await self._open_thread(locale, channel_id, message_id, prompt)
        if thread_id is not None:
            await store.set_post_thread(self.db, post_id, thread_id)
        if occ.schedule.alert_sent_at is not None:
            await store.set_alert(self.db, occ.guild_id, None)
        await self._advance(occ.schedule, after=max(occ.due, occ.now))
        return PostResult(post_id, prompt, channel_id, message_id, thread_id)

    async def _empty_bank(self, occ: _Occurrence, channel_id: int | None) -> None:
        """No prompt left for the schedule's themes: the week fails, moderators are told, the
        schedule moves on (the caller gives the claim back)."""
        await store.record_week(
            self.db, occ.guild_id, occ.week, to_ts(occ.due), "failed", "empty_bank", to_ts(occ.now)
        )
        await self._alert(occ.guild_id, "empty_bank", channel_id)
        await self._advance(occ.schedule, after=max(occ.due, occ.now))

    async def _record_missed(self, occ: _Occurrence, *, failed: bool) -> None:
        """Record the week (unless it already failed) and every later one past the grace, ``missed``."""
        schedule, now = occ.schedule, occ.now
        if not failed:
            await store.record_week(self.db, occ.guild_id, occ.week, to_ts(occ.due), "missed", "downtime", to_ts(now))
        hour, minute = schedule.hour_minute
        for instant in rules.missed_since(schedule.weekday, hour, minute, schedule.timezone, occ.due, now):
            await store.record_week(
                self.db, occ.guild_id, rules.iso_week(instant, schedule.timezone), to_ts(instant), "missed",
                "downtime", to_ts(now),
            )
        log.info("prompts: guild %s missed the post due %s (downtime past the grace)", occ.guild_id, occ.due)

    async def _channel_lost(self, occ: _Occurrence, channel_id: int | None, reason: str, prompt: Prompt | None) -> None:
        """The channel refused (``reason``): the week is recorded ``failed`` (the chosen prompt
        stays unused), moderators are told once, and the post is retried hourly within the grace."""
        log.warning("prompts: guild %s cannot post in channel %s (%s)", occ.guild_id, channel_id, reason)
        await store.record_week(
            self.db, occ.guild_id, occ.week, to_ts(occ.due), "failed", reason, to_ts(occ.now),
            theme=prompt.theme if prompt else None, prompt_id=prompt.id if prompt else None, channel_id=channel_id,
        )
        await self._alert(occ.guild_id, reason, channel_id)
        retry = rules.retry_after_loss(occ.due, occ.now)
        if retry is not None:
            await store.set_attempt(self.db, occ.guild_id, to_ts(retry))
            self._arm(occ.guild_id, to_ts(retry))
        else:
            await self._advance(occ.schedule, after=occ.now)

    async def _alert(self, guild_id: int, reason: str, channel_id: int | None) -> None:
        """Tell moderators once per incident: the feedback channel, else announcements, else the audit log."""
        fresh = await store.get_schedule(self.db, guild_id)
        if fresh is None or fresh.alert_sent_at is not None:
            return
        await store.set_alert(self.db, guild_id, self._now())
        settings = await self.ctx.club.get(guild_id)
        key = "prompts.alert.empty_bank" if reason == "empty_bank" else "prompts.alert.channel_lost"
        text = i18n.t(settings.locale, key, channel=f"<#{channel_id}>" if channel_id else "—")
        await self.ctx.club.audit(guild_id, BOT_ACTOR, "prompts.alert", f"{reason} channel={channel_id}")
        for target in (settings.feedback_channel_id, settings.announcements_channel_id):
            if target is None or target == channel_id:
                continue
            try:
                await self.port.send_message(target, OutMessage(content=text))
                return
            except DeliveryError:
                continue
