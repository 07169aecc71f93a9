"""What every prompts use-case module builds on: the context, the club's built-in bank
copied in once, one lock per guild, and the active prompt of a guild.

:class:`bot.prompts.service.PromptService` is composed of the use-case classes of
:mod:`bot.prompts.library`, :mod:`bot.prompts.review`, :mod:`bot.prompts.weekly` and
:mod:`bot.prompts.engagement`, which all derive from :class:`PromptsBase`.
"""

from __future__ import annotations

import asyncio

from bot.actor import Actor
from bot.clock import to_ts
from bot.context import AppContext, FeatureService
from bot.errors import NotFound
from bot.prompts import bank, rules, store
from bot.prompts.store import Prompt


class PromptsBase(FeatureService):
    """The state the prompts use-cases share in one process (the seeded banks, the locks)."""

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

    def _now(self) -> int:
        """Now, in Unix seconds."""
        return to_ts(self.clock.now())

    async def _ensure_bank(self, guild_id: int, lang: str) -> None:
        """Copy the built-in bank of ``lang`` into the guild once (idempotent, cheap after the first call)."""
        lang = lang if lang in bank.LANGS else "en"
        if (guild_id, lang) in self._seeded:
            return
        rows = [(p.key, p.theme, p.text, rules.normalise(p.text)) for p in bank.builtin(lang)]
        await store.seed_builtin(self.db, guild_id, lang, rows, self._now())
        self._seeded.add((guild_id, lang))

    async def _lang(self, guild_id: int) -> str:
        """The club's language, its built-in bank copied in."""
        settings = await self.ctx.club.get(guild_id)
        await self._ensure_bank(guild_id, settings.locale)
        return settings.locale

    async def _prompt(self, guild_id: int, prompt_id: int) -> Prompt:
        """An active prompt of the guild; raises ``NotFound`` ``prompts.error.not_found``."""
        prompt = await store.get_prompt(self.db, guild_id, prompt_id)
        if prompt is None or prompt.removed_at is not None:
            raise NotFound("prompts.error.not_found", id=prompt_id)
        return prompt

    async def _audit(self, actor: Actor, action: str, detail: str = "") -> None:
        """Record ``actor``'s action in the club's audit log (Cercle itself is actor 0)."""
        await self.ctx.club.audit(actor.guild(), actor.user_id, action, detail)
