"""Use-cases of the club's prompt bank (moderators): add, read, edit, remove, list, import.

The bank of a club is the built-in prompts of its language (copied in on first use,
:mod:`bot.prompts.bank`) plus its own prompts, in any language. Two active prompts of a
club never share their normalised text (:func:`bot.prompts.rules.normalise`).
"""

from __future__ import annotations

from bot.actor import Actor, use_case
from bot.errors import Conflict, InvalidInput
from bot.prompts import rules, store
from bot.prompts.base import PromptsBase
from bot.prompts.results import ImportReport, PromptPage
from bot.prompts.rules import IMPORT_MAX_BYTES, PAGE_SIZE, Rejected
from bot.prompts.store import Prompt


class Library(PromptsBase):
    """The bank's use-cases, every one for the club's moderators."""

    @use_case("moderator")
    async def begin_add(self, actor: Actor, theme: str) -> str:
        """``/prompt add`` before its form opens: the theme's key (``InvalidInput`` for an
        unknown theme), so a member who may not add is told before typing anything."""
        return rules.parse_theme(theme)

    @use_case("moderator")
    async def add_prompt(self, actor: Actor, theme: str, text: str) -> Prompt:
        """Add a club prompt (any language) to ``actor``'s guild. Raises ``InvalidInput``
        (theme, text 10–1,000 chars) or ``Conflict`` ``prompts.error.duplicate`` when the
        bank already has it."""
        guild_id = actor.guild()
        theme = rules.parse_theme(theme)
        text = rules.check_prompt_text(text)
        await self._lang(guild_id)
        norm = rules.normalise(text)
        existing = await store.find_active_by_norm(self.db, guild_id, norm)
        if existing is not None:
            raise Conflict("prompts.error.duplicate", id=existing.id)
        prompt_id = await store.add_prompt(
            self.db, guild_id, theme, text, norm, "moderator", actor.user_id, self._now()
        )
        if prompt_id is None:
            raise Conflict("prompts.error.duplicate", id="?")
        await self._audit(actor, "prompts.add", f"#{prompt_id} {theme}")
        return await self._prompt(guild_id, prompt_id)

    @use_case("moderator")
    async def get_prompt(self, actor: Actor, prompt_id: int) -> Prompt:
        """An active prompt of ``actor``'s guild (``/prompt edit`` fills its form with it);
        raises ``NotFound`` ``prompts.error.not_found``."""
        return await self._prompt(actor.guild(), prompt_id)

    @use_case("moderator")
    async def edit_prompt(
        self, actor: Actor, prompt_id: int, text: str | None = None, theme: str | None = None
    ) -> Prompt:
        """Change a prompt's text and/or theme. Raises ``NotFound``, ``InvalidInput`` or ``Conflict`` (duplicate)."""
        guild_id = actor.guild()
        prompt = await self._prompt(guild_id, prompt_id)
        new_theme = rules.parse_theme(theme) if theme else prompt.theme
        new_text = rules.check_prompt_text(text) if text is not None else prompt.text
        norm = rules.normalise(new_text)
        existing = await store.find_active_by_norm(self.db, guild_id, norm)
        if existing is not None and existing.id != prompt.id:
            raise Conflict("prompts.error.duplicate", id=existing.id)
        if not await store.update_prompt(self.db, prompt.id, new_theme, new_text, norm, self._now()):
            raise Conflict("prompts.error.duplicate", id="?")
        await self._audit(actor, "prompts.edit", f"#{prompt.id} {new_theme}")
        return await self._prompt(guild_id, prompt.id)

    @use_case("moderator")
    async def remove_prompt(self, actor: Actor, prompt_id: int) -> Prompt:
        """Remove a prompt from the bank (kept for the stats). Raises ``NotFound``."""
        prompt = await self._prompt(actor.guild(), prompt_id)
        await store.remove_prompt(self.db, prompt.id, self._now())
        await self._audit(actor, "prompts.remove", f"#{prompt.id}")
        return prompt

    @use_case("moderator")
    async def list_prompts(self, actor: Actor, theme: str | None = None, page: int = 1) -> PromptPage:
        """A page of 10 active prompts of the club's language (optionally one theme). ``page``
        is clamped to the existing pages. Raises ``InvalidInput`` for an unknown theme."""
        guild_id = actor.guild()
        key = rules.parse_theme(theme) if theme else None
        lang = await self._lang(guild_id)
        total = await store.count_active(self.db, guild_id, lang=lang, theme=key)
        page, pages = rules.page_of(total, page)
        items = await store.list_active(
            self.db, guild_id, lang=lang, theme=key, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
        return PromptPage(tuple(items), page, pages, total)

    @use_case("moderator")
    async def begin_import(self, actor: Actor, size: int) -> None:
        """``/prompt import`` before its file is downloaded: ``InvalidInput`` (field
        ``prompts.file``) when the file is over 256 KiB (``size`` in bytes)."""
        if size > IMPORT_MAX_BYTES:
            raise InvalidInput("prompts.error.file_size", field="prompts.file", limit=IMPORT_MAX_BYTES // 1024)

    @use_case("moderator")
    async def import_prompts(
        self, actor: Actor, filename: str, data: bytes, default_theme: str | None = None
    ) -> ImportReport:
        """Import a ``.txt``/``.csv`` file (format in :func:`bot.prompts.rules.parse_import`).

        Every line is added, reported as a duplicate (of the bank or of an earlier line), or
        rejected with its reason. Raises ``InvalidInput`` for an unreadable file.
        """
        guild_id = actor.guild()
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
            prompt_id = None
            if norm not in norms:
                prompt_id = await store.add_prompt(
                    self.db, guild_id, item.theme, item.text, norm, "import", actor.user_id, now
                )
            if prompt_id is None:  # in the bank, earlier in the file, or added meanwhile
                duplicates.append((item.line, rules.excerpt(item.text)))
                continue
            norms.add(norm)
            added.append(await self._prompt(guild_id, prompt_id))
        await self._audit(
            actor, "prompts.import", f"{filename[:60]}: +{len(added)} dup {len(duplicates)} rejected {len(rejected)}"
        )
        return ImportReport(tuple(added), tuple(duplicates), tuple(rejected))
