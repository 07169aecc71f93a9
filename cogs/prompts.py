"""``/prompts`` (members: suggest a prompt) and ``/prompt`` (moderators: schedule, bank,
review, stats): the thin Discord face of :class:`bot.prompts.service.PromptService`.

Parse → defer if slow → one service call → render (``bot.prompts.render``). Page and
review buttons are ``DynamicItem``s over :data:`bot.prompts.render.LIST_ID` and
:data:`~bot.prompts.render.REVIEW_ID` whose state is read from the database on each
click, so they keep working after a restart. The cog builds the
:class:`~bot.actor.Actor` (:func:`cogs._common.actor_of`) and each use-case checks who
may act (``default_permissions`` is only a hint). Messages in prompt threads are counted
(author kept only as an HMAC key) for ``/prompt stats``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.actor import Actor
from bot.i18n import t
from bot.ports import OutMessage
from bot.prompts import render
from bot.prompts.render import LIST_ID, MODAL_ID, REVIEW_ID, theme_label
from bot.prompts.rules import MAX_PROMPT_LENGTH, MIN_PROMPT_LENGTH, THEMES, theme_key
from bot.prompts.service import PromptService
from bot.text import shorten
from cogs._common import (
    WEEKDAY_CHOICES,
    Guarded,
    actor_of,
    locale_for,
    require_guild,
    respond,
    services_of,
)
from cogs._ui import edit_kwargs, response_kwargs

log = logging.getLogger(__name__)

MODAL_TITLE = 45  # Discord: modal title ≤ 45 characters

THEME_CHOICES = [
    app_commands.Choice(name=_("Features"), value="features"),
    app_commands.Choice(name=_("Practice"), value="practice"),
    app_commands.Choice(name=_("Pain points"), value="pain_points"),
    app_commands.Choice(name=_("Roadmap"), value="roadmap"),
    app_commands.Choice(name=_("Community"), value="community"),
]


def service_of(interaction: discord.Interaction) -> PromptService:
    """The process's :class:`PromptService`."""
    return services_of(interaction.client).prompts


async def send(interaction: discord.Interaction, message: OutMessage) -> None:
    """Answer ephemerally with a rendered :class:`OutMessage` (pings off)."""
    await respond(interaction, ephemeral=True, **response_kwargs(message))


class PromptTextModal(discord.ui.Modal):
    """One paragraph input (10–1,000 characters) for a prompt; ``action(interaction, text)`` does the rest."""

    def __init__(self, title: str, locale: str, action: Any, *, default: str | None = None, custom_id: str) -> None:
        super().__init__(title=shorten(title, MODAL_TITLE), timeout=900, custom_id=custom_id)
        self.action = action
        self.text: discord.ui.TextInput = discord.ui.TextInput(
            label=t(locale, "prompts.ui.modal.label"),
            custom_id="text",
            style=discord.TextStyle.paragraph,
            min_length=MIN_PROMPT_LENGTH,
            max_length=MAX_PROMPT_LENGTH,
            placeholder=shorten(t(locale, "prompts.ui.modal.placeholder"), 100),
            default=default,
        )
        self.add_item(self.text)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.action(interaction, self.text.value)

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any] | None = None
    ) -> None:
        await interaction.client.tree.report_error(interaction, error)  # type: ignore[attr-defined]


class ListPageButton(
    Guarded,
    discord.ui.DynamicItem[discord.ui.Button],
    template=LIST_ID.pattern,
):
    """◀ / ▶ of ``/prompt list``: shows another page in place (moderators only, checked by the use-case)."""

    def __init__(self, theme: str | None, page: int) -> None:
        custom_id = LIST_ID.build(theme=theme or render.ALL_THEMES, page=page)
        super().__init__(discord.ui.Button(custom_id=custom_id, label="…"))
        self.theme = theme
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ListPageButton:
        fields = LIST_ID.read(match)
        return cls(render.list_theme(fields.text("theme")), fields.integer("page"))

    async def run(self, interaction: discord.Interaction) -> None:
        actor = await actor_of(interaction)
        page = await service_of(interaction).list_prompts(actor, self.theme, self.page)
        locale = await locale_for(interaction)
        await interaction.response.edit_message(**edit_kwargs(render.render_list(page, self.theme, locale)))


class ReviewButton(
    Guarded,
    discord.ui.DynamicItem[discord.ui.Button],
    template=REVIEW_ID.pattern,
):
    """Approve / Reject of ``/prompt review`` (moderators only, checked by the use-case)."""

    def __init__(self, suggestion_id: int, action: str) -> None:
        super().__init__(
            discord.ui.Button(custom_id=REVIEW_ID.build(suggestion=suggestion_id, action=action), label="…")
        )
        self.suggestion_id = suggestion_id
        self.action = action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ReviewButton:
        fields = REVIEW_ID.read(match)
        return cls(fields.integer("suggestion"), fields.text("action"))

    async def run(self, interaction: discord.Interaction) -> None:
        actor = await actor_of(interaction)
        locale = await locale_for(interaction)
        service = service_of(interaction)
        await interaction.response.defer()  # the author's DM may take a moment
        if self.action == "approve":
            decision = await service.approve(actor, self.suggestion_id)
        else:
            decision = await service.reject(actor, self.suggestion_id)
        notice = render.decision_notice(
            locale, self.suggestion_id, self.action == "approve",
            decision.prompt.id if decision.prompt else None, decision.dm_delivered,
        )
        pending, total = await service.pending(actor)
        await interaction.edit_original_response(**edit_kwargs(render.render_review(pending, total, locale, notice)))


class PromptsCog(commands.Cog):
    """Weekly themed prompts."""

    prompts = app_commands.Group(
        name=_("prompts"), description=_("The club's weekly discussion prompts"), guild_only=True
    )
    prompt = app_commands.Group(
        name=_("prompt"),
        description=_("Weekly discussion prompts: schedule, bank, review, stats (moderators)"),
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    def __init__(self, bot: commands.Bot, service: PromptService) -> None:
        self.bot = bot
        self.service = service

    # ------------------------------------------------------------------ members

    @prompts.command(name=_("suggest"), description=_("Suggest a discussion prompt (a form opens)"))
    @app_commands.rename(theme=_("theme"))
    @app_commands.describe(theme=_("The theme of your prompt"))
    @app_commands.choices(theme=THEME_CHOICES)
    async def suggest(self, interaction: discord.Interaction, theme: app_commands.Choice[str]) -> None:
        require_guild(interaction)
        locale = await locale_for(interaction)

        async def submit(inner: discord.Interaction, text: str) -> None:
            suggestion = await service_of(inner).suggest(await actor_of(inner), theme.value, text)
            await respond(inner, t(await locale_for(inner), "prompts.ui.suggested", id=suggestion.id))

        title = t(locale, "prompts.ui.modal.suggest", theme=theme_label(locale, theme.value))
        await interaction.response.send_modal(
            PromptTextModal(title, locale, submit, custom_id=MODAL_ID.build(form="suggest"))
        )

    # ------------------------------------------------------------------ schedule

    @prompt.command(name=_("schedule"), description=_("Post a prompt every week on this day and time (club time zone)"))
    @app_commands.rename(
        weekday=_("weekday"), time=_("time"), channel=_("channel"), themes=_("themes"), ping_role=_("ping_role")
    )
    @app_commands.describe(
        weekday=_("Day of the week"),
        time=_("Local time in the club's time zone, e.g. 18:00, 18h or 6pm"),
        channel=_("Where to post (default: the prompts channel)"),
        themes=_("all (default), or themes separated by commas, e.g. features, roadmap"),
        ping_role=_("A role to ping with each prompt (opt-in role; default: nobody)"),
    )
    @app_commands.choices(weekday=WEEKDAY_CHOICES)
    async def schedule(
        self,
        interaction: discord.Interaction,
        weekday: app_commands.Choice[int],
        time: app_commands.Range[str, 1, 20],
        channel: discord.TextChannel | None = None,
        themes: app_commands.Range[str, 1, 200] | None = None,
        ping_role: discord.Role | None = None,
    ) -> None:
        info = await self.service.set_schedule(
            await actor_of(interaction), weekday=weekday.value, time=time,
            channel_id=channel.id if channel else None, themes=themes, ping_role_id=ping_role.id if ping_role else None,
        )
        locale = await locale_for(interaction)
        rendered = render.render_next(info, locale)
        await send(interaction, OutMessage(content=t(locale, "prompts.ui.scheduled"), embeds=rendered.embeds))

    @schedule.autocomplete("themes")
    async def themes_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        locale = await locale_for(interaction)
        parts = [p.strip() for p in current.split(",")]
        done = [p for p in parts[:-1] if p]
        typed = parts[-1].lower() if parts else ""
        chosen = {theme_key(p) for p in done}
        options = [t(locale, "prompts.ui.all_themes")] if not done else []
        options += [theme_label(locale, k) for k in THEMES if k not in chosen]
        out = []
        for option in options:
            if typed and typed not in option.lower():
                continue
            value = ", ".join([*done, option]) if option != t(locale, "prompts.ui.all_themes") else "all"
            out.append(app_commands.Choice(name=shorten(value, 100), value=shorten(value, 100)))
        return out[:25]

    @prompt.command(name=_("pause"), description=_("Stop the weekly prompts until resumed"))
    async def pause(self, interaction: discord.Interaction) -> None:
        await self.service.pause(await actor_of(interaction))
        await respond(interaction, t(await locale_for(interaction), "prompts.ui.paused"))

    @prompt.command(name=_("resume"), description=_("Restart the weekly prompts from the next date"))
    async def resume(self, interaction: discord.Interaction) -> None:
        info = await self.service.resume(await actor_of(interaction))
        locale = await locale_for(interaction)
        await send(interaction, OutMessage(content=t(locale, "prompts.ui.resumed"),
                                           embeds=render.render_next(info, locale).embeds))

    @prompt.command(name=_("skip"), description=_("Skip the next weekly prompt (it is kept for later)"))
    async def skip(self, interaction: discord.Interaction) -> None:
        skipped = await self.service.skip(await actor_of(interaction))
        await respond(interaction, t(await locale_for(interaction), "prompts.ui.skipped", ts=int(skipped.timestamp())))

    @prompt.command(name=_("post-now"), description=_("Post a prompt right now (optionally of one theme)"))
    @app_commands.rename(theme=_("theme"))
    @app_commands.describe(theme=_("Theme of the prompt (default: the next in rotation)"))
    @app_commands.choices(theme=THEME_CHOICES)
    async def post_now(self, interaction: discord.Interaction, theme: app_commands.Choice[str] | None = None) -> None:
        actor = await actor_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.service.post_now(actor, theme.value if theme else None)
        locale = await locale_for(interaction)
        await respond(interaction, t(locale, "prompts.ui.posted_now", channel=result.channel_id, id=result.prompt.id,
                                     theme=theme_label(locale, result.prompt.theme)))

    @prompt.command(name=_("next"), description=_("The next dates and the prompt that will be posted"))
    async def next_(self, interaction: discord.Interaction) -> None:
        info = await self.service.next_info(await actor_of(interaction))
        await send(interaction, render.render_next(info, await locale_for(interaction)))

    # ------------------------------------------------------------------ bank

    @prompt.command(name=_("add"), description=_("Add a prompt to the club's bank (a form opens)"))
    @app_commands.rename(theme=_("theme"))
    @app_commands.describe(theme=_("The theme of the prompt"))
    @app_commands.choices(theme=THEME_CHOICES)
    async def add(self, interaction: discord.Interaction, theme: app_commands.Choice[str]) -> None:
        await self.service.begin_add(await actor_of(interaction), theme.value)
        locale = await locale_for(interaction)

        async def submit(inner: discord.Interaction, text: str) -> None:
            prompt = await service_of(inner).add_prompt(await actor_of(inner), theme.value, text)
            inner_locale = await locale_for(inner)
            await respond(inner, t(inner_locale, "prompts.ui.added", id=prompt.id,
                                   theme=theme_label(inner_locale, prompt.theme)))

        title = t(locale, "prompts.ui.modal.add", theme=theme_label(locale, theme.value))
        await interaction.response.send_modal(PromptTextModal(title, locale, submit, custom_id=MODAL_ID.build(form="add")))

    @prompt.command(name=_("list"), description=_("The prompts of the club's bank, 10 per page"))
    @app_commands.rename(theme=_("theme"), page=_("page"))
    @app_commands.describe(theme=_("Only this theme"), page=_("Page number"))
    @app_commands.choices(theme=THEME_CHOICES)
    async def list_(
        self,
        interaction: discord.Interaction,
        theme: app_commands.Choice[str] | None = None,
        page: app_commands.Range[int, 1, 1000] = 1,
    ) -> None:
        key = theme.value if theme else None
        result = await self.service.list_prompts(await actor_of(interaction), key, page)
        await send(interaction, render.render_list(result, key, await locale_for(interaction)))

    @prompt.command(name=_("edit"), description=_("Change a prompt's text or theme (a form opens)"))
    @app_commands.rename(number=_("number"), theme=_("theme"))
    @app_commands.describe(number=_("The prompt's number, as in /prompt list"), theme=_("A new theme (optional)"))
    @app_commands.choices(theme=THEME_CHOICES)
    async def edit(
        self,
        interaction: discord.Interaction,
        number: app_commands.Range[int, 1],
        theme: app_commands.Choice[str] | None = None,
    ) -> None:
        current = await self.service.get_prompt(await actor_of(interaction), number)
        locale = await locale_for(interaction)
        new_theme = theme.value if theme else None

        async def submit(inner: discord.Interaction, text: str) -> None:
            prompt = await service_of(inner).edit_prompt(await actor_of(inner), number, text=text, theme=new_theme)
            inner_locale = await locale_for(inner)
            await respond(inner, t(inner_locale, "prompts.ui.edited", id=prompt.id,
                                   theme=theme_label(inner_locale, prompt.theme)))

        title = t(locale, "prompts.ui.modal.edit", id=number)
        await interaction.response.send_modal(
            PromptTextModal(title, locale, submit, default=current.text, custom_id=MODAL_ID.build(form="edit"))
        )

    @prompt.command(name=_("remove"), description=_("Remove a prompt from the club's bank"))
    @app_commands.rename(number=_("number"))
    @app_commands.describe(number=_("The prompt's number, as in /prompt list"))
    async def remove(self, interaction: discord.Interaction, number: app_commands.Range[int, 1]) -> None:
        prompt = await self.service.remove_prompt(await actor_of(interaction), number)
        await respond(interaction, t(await locale_for(interaction), "prompts.ui.removed", id=prompt.id))

    @prompt.command(name=_("import"), description=_("Import prompts from a .txt or .csv file (one per line)"))
    @app_commands.rename(file=_("file"), theme=_("theme"))
    @app_commands.describe(
        file=_("A .txt file (theme: text per line) or a .csv file (theme,text)"),
        theme=_("Theme for lines that give none"),
    )
    @app_commands.choices(theme=THEME_CHOICES)
    async def import_(
        self,
        interaction: discord.Interaction,
        file: discord.Attachment,
        theme: app_commands.Choice[str] | None = None,
    ) -> None:
        actor = await actor_of(interaction)
        await self.service.begin_import(actor, file.size)
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await file.read()
        report = await self.service.import_prompts(actor, file.filename, data, theme.value if theme else None)
        await send(interaction, render.render_import(report, file.filename, await locale_for(interaction)))

    # ------------------------------------------------------------------ review and stats

    @prompt.command(name=_("review"), description=_("Review the prompts members suggested"))
    async def review(self, interaction: discord.Interaction) -> None:
        pending, total = await self.service.pending(await actor_of(interaction))
        await send(interaction, render.render_review(pending, total, await locale_for(interaction)))

    @prompt.command(name=_("stats"), description=_("Replies and participants per prompt and theme, with a chart"))
    @app_commands.rename(weeks=_("weeks"))
    @app_commands.describe(weeks=_("How many weeks back (default 8)"))
    async def stats(self, interaction: discord.Interaction, weeks: app_commands.Range[int, 1, 52] = 8) -> None:
        actor = await actor_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        locale = await locale_for(interaction)
        report = await self.service.stats(actor, weeks)
        await send(interaction, render.render_stats(report, locale))

    # ------------------------------------------------------------------ engagement

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Count a member's message in a prompt's thread (no content read, author kept as HMAC)."""
        if message.guild is None or message.author.bot:
            return
        channel = message.channel
        known = message.guild.get_channel(channel.id)
        if known is not None and not isinstance(known, discord.Thread):
            return  # a regular channel: never a prompt thread
        try:
            author = Actor(user_id=message.author.id, guild_id=message.guild.id)
            await self.service.record_reply(author, channel.id, message.id)
        except Exception:
            log.exception("prompts: could not count a thread reply")


async def setup(bot: commands.Bot) -> None:
    """Extension entry point: the persistent buttons and the cog over the prompts service."""
    bot.add_dynamic_items(ListPageButton, ReviewButton)
    await bot.add_cog(PromptsCog(bot, services_of(bot).prompts))
