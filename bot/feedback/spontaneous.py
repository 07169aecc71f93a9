"""Use-cases of spontaneous feedback: give (members, from the server or a DM), one voice per
member per week (docs/anonymity.md, "Cohorts"). Its digests are
:mod:`bot.feedback.digests`.
"""

from __future__ import annotations

from bot import anonymity
from bot.actor import Actor, use_case
from bot.feedback import cohorts, rules
from bot.feedback.core import DIGEST_KIND, voice_scope
from bot.feedback.digests import DigestUseCases


class SpontaneousUseCases(DigestUseCases):
    """Giving spontaneous feedback (its digests: :class:`DigestUseCases`)."""

    @use_case("member")
    async def give(
        self, actor: Actor, guild_id: int, *, text: str, category: str | None = None, rating: str | int | None = None
    ) -> str:
        """Store one spontaneous anonymous feedback for the club ``guild_id`` (``actor``'s
        guild, or the club a DM belongs to: the caller decides); returns the receipt code to
        show once (formatted ``ABCDE-12345``).

        One voice per member per week (docs/anonymity.md, "Cohorts"): a second feedback of
        the same ISO week replaces the first (waiting: at once, its receipt dies; released:
        at the next release). The member's id only makes that week's HMAC key. The feedback
        waits for its cohort and is released with at least k others. Raises
        ``InvalidInput`` for an unknown category, empty or over-long text (2000), or a
        rating outside 0–10.
        """
        clean_category = rules.validate_category(category)
        body = rules.validate_text(text, field="feedback_text", required=True)
        score = rules.parse_rating(rating, field="feedback_rating")
        code, code_hash = anonymity.new_receipt()
        settings = await self.ctx.club.get(guild_id)
        week = anonymity.coarse_week(self.clock.now())
        voice = anonymity.dedupe_key(self.ctx.secret, voice_scope(guild_id, week), actor.user_id)
        async with self.db.transaction() as conn:
            replaces = await cohorts.take_voice(conn, voice)
            await cohorts.add_pending(
                conn, guild_id=guild_id, campaign_id=None, receipt_hash=code_hash, category=clean_category,
                rating=score, body=body or "", voice=voice, replaces=replaces,
                threshold=settings.anonymity_threshold,  # the k this member is told (receipt)
            )
        await self._release(guild_id, None)
        if not self.scheduler.is_armed(DIGEST_KIND, str(guild_id)):
            await self._rearm_digest(guild_id)
        return anonymity.format_receipt(code)
