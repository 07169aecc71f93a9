"""Use-cases of members' suggestions: a member suggests a prompt, moderators review the
queue and approve (the prompt joins the bank) or reject it; the author is told by DM in
the language they suggested in.
"""

from __future__ import annotations

from bot import i18n
from bot.actor import Actor, use_case
from bot.errors import Conflict, NotFound
from bot.ports import DeliveryError, OutMessage
from bot.prompts import rules, store
from bot.prompts.base import PromptsBase
from bot.prompts.render import theme_label
from bot.prompts.results import Decision
from bot.prompts.rules import MAX_PENDING_PER_MEMBER
from bot.prompts.store import Prompt, Suggestion
from bot.text import plain, shorten


class Review(PromptsBase):
    """Suggestions (members) and their review (moderators)."""

    @use_case("member")
    async def suggest(self, actor: Actor, theme: str, text: str) -> Suggestion:
        """Queue ``actor``'s suggestion for review; its author will be told the decision in
        ``actor.locale`` (else the club's language). Raises ``InvalidInput`` (theme, text),
        ``Conflict`` ``prompts.error.duplicate`` (already in the bank) or
        ``prompts.error.too_many_pending`` (5 waiting per member); ``CercleError``
        ``error.guild_only`` in a DM."""
        guild_id = actor.guild()
        key = rules.parse_theme(theme)
        value = rules.check_prompt_text(text)
        club_lang = await self._lang(guild_id)
        existing = await store.find_active_by_norm(self.db, guild_id, rules.normalise(value))
        if existing is not None:
            raise Conflict("prompts.error.duplicate", id=existing.id)
        if await store.count_pending(self.db, guild_id, actor.user_id) >= MAX_PENDING_PER_MEMBER:
            raise Conflict("prompts.error.too_many_pending", limit=MAX_PENDING_PER_MEMBER)
        lang = i18n.normalise_locale(actor.locale) or club_lang
        suggestion_id = await store.add_suggestion(self.db, guild_id, key, value, actor.user_id, lang, self._now())
        suggestion = await store.get_suggestion(self.db, guild_id, suggestion_id)
        assert suggestion is not None
        return suggestion

    @use_case("moderator")
    async def pending(self, actor: Actor, limit: int = 5) -> tuple[list[Suggestion], int]:
        """The oldest ``limit`` pending suggestions of ``actor``'s guild and how many are pending in all."""
        guild_id = actor.guild()
        return await store.pending_suggestions(self.db, guild_id, limit), await store.count_pending(self.db, guild_id)

    @use_case("moderator")
    async def approve(self, actor: Actor, suggestion_id: int) -> Decision:
        """Approve: the suggestion joins the bank, its author is told by DM (if their DMs are open).
        Raises ``NotFound`` or ``Conflict`` ``prompts.error.already_decided``."""
        return await self._decide(actor, suggestion_id, approve=True)

    @use_case("moderator")
    async def reject(self, actor: Actor, suggestion_id: int) -> Decision:
        """Reject: nothing joins the bank, the author is told by DM (if open). Raises like :meth:`approve`."""
        return await self._decide(actor, suggestion_id, approve=False)

    async def _decide(self, actor: Actor, suggestion_id: int, *, approve: bool) -> Decision:
        guild_id = actor.guild()
        suggestion = await store.get_suggestion(self.db, guild_id, suggestion_id)
        if suggestion is None:
            raise NotFound("prompts.error.suggestion_not_found", id=suggestion_id)
        status = "approved" if approve else "rejected"
        if not await store.decide_suggestion(self.db, suggestion.id, status, actor.user_id, self._now(), None):
            raise Conflict("prompts.error.already_decided")
        prompt = await self._into_bank(suggestion) if approve else None
        await self._audit(actor, f"prompts.suggestion.{status}", f"#{suggestion.id}")
        delivered = await self._tell_author(suggestion, status)
        fresh = await store.get_suggestion(self.db, guild_id, suggestion.id)
        assert fresh is not None
        return Decision(fresh, prompt, delivered)

    async def _into_bank(self, suggestion: Suggestion) -> Prompt:
        """The bank prompt an approved suggestion becomes (the existing one if the bank has its
        text already), linked to the suggestion; added in the author's name."""
        guild_id = suggestion.guild_id
        await self._lang(guild_id)
        norm = rules.normalise(suggestion.text)
        prompt = await store.find_active_by_norm(self.db, guild_id, norm)
        if prompt is None:
            prompt_id = await store.add_prompt(
                self.db, guild_id, suggestion.theme, suggestion.text, norm, "suggestion", suggestion.author_id,
                self._now(),
            )
            if prompt_id is None:  # the same text was added meanwhile
                prompt = await store.find_active_by_norm(self.db, guild_id, norm)
                if prompt is None:
                    raise Conflict("prompts.error.duplicate", id="?")
            else:
                prompt = await self._prompt(guild_id, prompt_id)
        await store.link_suggestion(self.db, suggestion.id, prompt.id)
        return prompt

    async def _tell_author(self, suggestion: Suggestion, status: str) -> bool:
        """DM the author the decision (``status`` ``approved``/``rejected``); whether it went out."""
        locale = suggestion.author_locale
        body = i18n.t(
            locale, f"prompts.dm.{status}", theme=theme_label(locale, suggestion.theme),
            text=shorten(plain(suggestion.text), 1500),
        )
        try:
            await self.port.send_dm(suggestion.author_id, OutMessage(content=body))
        except DeliveryError:
            return False
        return True
