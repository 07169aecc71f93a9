"""``/feedback`` (members) and ``/campaign`` (moderators): anonymous feedback, its campaigns,
reports, digests and exports — the thin Discord face of :class:`bot.feedback.service.FeedbackService`.

Anonymity on this path (docs/anonymity.md, "What is stored"): free text is only ever collected through modals (no
message left in any channel); a member who writes to the bot by DM gets a button opening
the same modal pre-filled with their text (kept in memory only, never written, and
forgotten after 15 minutes). Nothing here logs a member id or what they wrote. Persistent
buttons are ``DynamicItem``s whose ids are defined once in :mod:`bot.feedback.components`
(``cercle:feedback:...``) and whose state is read from the database on each click, so they
work after a restart. Who may do what is the service's use-cases' decision: the cog passes
the :class:`~bot.actor.Actor` (:func:`cogs._common.actor_of`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.errors import CercleError, Forbidden, InvalidInput, NotFound, Unavailable
from bot.feedback import components, render, rules
from bot.feedback.answers import Form
from bot.feedback.campaigns import CampaignDraft
from bot.feedback.rules import (
    LABEL_LIMIT,
    MAX_QUESTIONS,
    MODAL_TITLE_LIMIT,
    TEXT_LIMIT,
    TITLE_LIMIT,
    Question,
    StartResult,
)
from bot.feedback.service import FeedbackService
from bot.i18n import t
from bot.ports import OutMessage
from bot.text import shorten
from cogs import _common
from cogs._common import WEEKDAY_CHOICES, Guarded, actor_of, ctx_of, locale_for, respond, services_of
from cogs._digest_review import REVIEW_ITEMS, answer_digest, show_review
from cogs._ui import response_kwargs, send_kwargs

OFFER_TTL = timedelta(minutes=15)
FANOUT_WAIT_SECONDS = 600.0
"""How long the /campaign start reply waits for the fan-out (the followup token lives 15 min)."""
OFFER_CACHE_MAX = 500
GIVE_PER_WINDOW, GIVE_WINDOW_SECONDS = 10, 600.0
"""Anti-flood: 10 feedback forms per member per 10 minutes (kept in memory only)."""


def service_of(interaction: discord.Interaction) -> FeedbackService:
    """The bot's feedback service."""
    return services_of(interaction.client).feedback


def shared_guilds(bot: commands.Bot, user_id: int) -> list[int]:
    """The clubs a DM may belong to: the guilds shared with ``user_id`` (or the bot's only guild)."""
    shared = [g.id for g in bot.guilds if g.get_member(user_id) is not None]
    if not shared and len(bot.guilds) == 1:
        shared = [bot.guilds[0].id]
    return shared


def club_guild_for(bot: commands.Bot, user_id: int) -> int:
    """The club a DM belongs to: the only guild shared with ``user_id`` (or the bot's only guild).

    Raises ``CercleError`` ``feedback.dm_pick_guild`` / ``feedback.dm_no_guild`` otherwise.
    """
    shared = shared_guilds(bot, user_id)
    if len(shared) > 1:
        raise CercleError("feedback.dm_pick_guild")
    if not shared:
        raise CercleError("feedback.dm_no_guild")
    return shared[0]


def _input_for(question: Question, locale: str) -> discord.ui.TextInput:
    """A question as a text input: label ≤ 45 (Discord), the full question as placeholder (≤ 100)."""
    label = shorten(f"{question.position}. {question.prompt}", LABEL_LIMIT)
    if question.is_rating:
        placeholder = shorten(f"0–10 · {question.prompt}", 100)
        return discord.ui.TextInput(
            label=label, custom_id=f"q{question.position}", placeholder=placeholder, required=False, max_length=5
        )
    return discord.ui.TextInput(
        label=label,
        custom_id=f"q{question.position}",
        placeholder=shorten(question.prompt, 100),
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=TEXT_LIMIT,
    )


RELEASE_CHOICES = [
    app_commands.Choice(name=_("at the close, all at once"), value="close"),
    app_commands.Choice(name=_("while open, in groups of at least k"), value="live"),
]

class _GuardedModal(discord.ui.Modal):
    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any] | None = None
    ) -> None:
        await interaction.client.tree.report_error(interaction, error)  # type: ignore[attr-defined]


class RetryView(discord.ui.View):
    """One "Edit and try again" button under a refused form, reopening it filled in with
    what was typed (as ``/poll create`` does). The typed text lives only in this view, in
    the bot's memory, for 15 minutes: never written to the database nor logged — an
    anonymous answer reaches storage only when it is submitted and accepted (docs/anonymity.md, "What is stored")."""

    def __init__(self, reopen: Callable[[], discord.ui.Modal], locale: str) -> None:
        super().__init__(timeout=900)
        self._reopen: Callable[[], discord.ui.Modal] | None = reopen
        self.retry.label = t(locale, "feedback.modal.retry")

    @discord.ui.button(label="retry", style=discord.ButtonStyle.primary)
    async def retry(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        if self._reopen is None:  # pragma: no cover - a timed-out view no longer receives clicks
            return
        await interaction.response.send_modal(self._reopen())

    async def on_timeout(self) -> None:
        self._reopen = None  # forget the typed text


async def _refuse(interaction: discord.Interaction, error: CercleError, reopen: Callable[[], discord.ui.Modal]) -> None:
    """The refusal naming the field (never quoting the answer) and the button reopening the form."""
    locale = await locale_for(interaction)
    await respond(interaction, error.render(locale), ephemeral=True, view=RetryView(reopen, locale))


class GiveModal(_GuardedModal):
    """Spontaneous feedback: ``text`` (paragraph, required, ≤ 2000) and ``rating`` (optional 0–10)."""

    def __init__(
        self, guild_id: int, category: str, locale: str, prefill: str | None = None, rating: str | None = None
    ) -> None:
        super().__init__(title=shorten(t(locale, "feedback.modal.give_title"), MODAL_TITLE_LIMIT), timeout=900,
                         custom_id=components.GIVE_MODAL.build(guild=guild_id))
        self.guild_id = guild_id
        self.category = category
        self.locale = locale
        self.text: discord.ui.TextInput = discord.ui.TextInput(
            label=t(locale, "feedback.modal.text"), custom_id="text", style=discord.TextStyle.paragraph,
            placeholder=t(locale, "feedback.modal.text_placeholder"), max_length=TEXT_LIMIT,
            default=shorten(prefill, TEXT_LIMIT) if prefill else None,
        )
        self.rating: discord.ui.TextInput = discord.ui.TextInput(
            label=t(locale, "feedback.modal.rating"), custom_id="rating", required=False, max_length=5,
            placeholder=t(locale, "feedback.modal.rating_placeholder"), default=rating or None,
        )
        self.add_item(self.text)
        self.add_item(self.rating)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        text, rating = self.text.value, self.rating.value
        await interaction.response.defer(ephemeral=True, thinking=True)  # within Discord's 3 s, even on a busy database
        try:
            code = await service_of(interaction).give(
                await actor_of(interaction), self.guild_id, text=text, category=self.category, rating=rating
            )
        except (InvalidInput, Unavailable) as exc:
            await _refuse(interaction, exc, lambda: GiveModal(self.guild_id, self.category, self.locale, text, rating))
            return
        await _send_receipt(interaction, code, self.guild_id, weekly=True)


async def _send_receipt(
    interaction: discord.Interaction, code: str, guild_id: int, snapshot: int | None = None, *, weekly: bool = False
) -> None:
    """The receipt code and the promise, with the threshold this answer is shown under
    (a campaign's: the club's, or the one in force when it started if higher); ``weekly``
    (spontaneous feedback) adds the one-per-week rule."""
    locale = await locale_for(interaction)
    threshold = await service_of(interaction).promised_threshold(await actor_of(interaction), guild_id, snapshot)
    text = render.receipt(code, locale)
    if weekly:
        text += "\n" + t(locale, "feedback.one_voice")
    text += "\n\n" + render.anonymity_line(locale, threshold)
    await respond(interaction, shorten(text, 2000), ephemeral=True)


class AnswerModal(_GuardedModal):
    """A campaign's form: one input per question (≤ 4); with ``replace``, the receipt code first."""

    def __init__(
        self, form: Form, locale: str, *, replace: bool = False, typed: dict[str, str] | None = None
    ) -> None:
        kind = "replace" if replace else "answer"
        super().__init__(title=shorten(form.campaign.title, MODAL_TITLE_LIMIT), timeout=900,
                         custom_id=components.ANSWER_MODAL.build(kind=kind, campaign=form.campaign.id))
        self.form = form
        self.locale = locale
        self.campaign_id = form.campaign.id
        self.guild_id = form.campaign.guild_id
        self.replace = replace
        typed = typed or {}
        self.receipt: discord.ui.TextInput | None = None
        if replace:
            self.receipt = discord.ui.TextInput(
                label=t(locale, "feedback.modal.receipt"), custom_id="receipt", min_length=10, max_length=20,
                placeholder=t(locale, "feedback.modal.receipt_placeholder"), default=typed.get("receipt") or None,
            )
            self.add_item(self.receipt)
        self.inputs = [_input_for(q, locale) for q in form.questions[:MAX_QUESTIONS]]
        for item in self.inputs:
            item.default = typed.get(item.custom_id) or None
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        service = service_of(interaction)
        values = [i.value for i in self.inputs]
        typed = {i.custom_id: i.value for i in self.inputs}
        actor = await actor_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)  # within Discord's 3 s, even on a busy database
        try:
            if self.replace and self.receipt is not None:
                typed["receipt"] = self.receipt.value
                await service.replace_answer(actor, self.campaign_id, self.receipt.value, values)
                await respond(interaction, render.receipt("", await locale_for(interaction), replaced=True), ephemeral=True)
                return
            code = await service.submit_answer(actor, self.campaign_id, values)
        except (InvalidInput, NotFound, Unavailable) as exc:
            if isinstance(exc, NotFound) and exc.key != "feedback.error.bad_receipt":
                raise
            # A typo (rating "11", a mistyped receipt code), a busy database: the form comes back filled in.
            await _refuse(
                interaction, exc, lambda: AnswerModal(self.form, self.locale, replace=self.replace, typed=typed)
            )
            return
        await _send_receipt(interaction, code, self.guild_id, self.form.campaign.threshold)


class StartModal(_GuardedModal):
    """Up to four questions of a new campaign; ``0-10:`` at the start makes a rating."""

    def __init__(self, draft: CampaignDraft, locale: str, typed: dict[str, str] | None = None) -> None:
        super().__init__(title=shorten(draft.title, MODAL_TITLE_LIMIT), timeout=900, custom_id=components.START_MODAL.build())
        self.draft = draft
        self.locale = locale
        typed = typed or {}
        self.inputs = []
        for n in range(1, MAX_QUESTIONS + 1):
            item: discord.ui.TextInput[discord.ui.Modal] = discord.ui.TextInput(
                label=t(locale, "field.feedback_question_" + str(n)).capitalize(), custom_id=f"q{n}",
                required=n == 1, max_length=110,
                placeholder=t(locale, "feedback.modal.question_placeholder") if n == 1 else None,
                default=typed.get(f"q{n}") or None,
            )
            self.inputs.append(item)
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        values = [i.value for i in self.inputs]
        typed = {i.custom_id: i.value for i in self.inputs}

        def reopen() -> StartModal:
            return StartModal(self.draft, self.locale, typed)

        try:
            rules.parse_questions(values)  # refuse a bad question before anything is created
        except InvalidInput as exc:
            await _refuse(interaction, exc, reopen)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        locale = await locale_for(interaction)
        # The fan-out is paced (10 DMs/s): a big audience outlives the interaction's 15-minute
        # token, so it runs as a task of ctx.tasks (a shutdown interrupts it; the outbox
        # resumes the fan-out at the next start); the moderator gets the counts if it ends in time.
        service, actor = service_of(interaction), await actor_of(interaction)

        async def launch() -> StartResult:
            return await service.launch_campaign(actor, self.draft, values)

        task = ctx_of(interaction).tasks.spawn(launch(), name="cercle-feedback:launch")
        done, _ = await asyncio.wait({task}, timeout=FANOUT_WAIT_SECONDS)
        closes = int(self.draft.closes_at.timestamp())
        closing = t(locale, "feedback.started_closes", closes=closes)
        if task not in done:
            await respond(interaction, t(locale, "feedback.started_background") + "\n" + closing, ephemeral=True)
            return
        try:
            result = task.result()
        except InvalidInput as exc:  # e.g. the closing time passed while the form was open
            await _refuse(interaction, exc, reopen)
            return
        text = t(locale, "feedback.started", id=result.campaign_id, sent=result.sent, invited=result.invited,
                 failed=result.failed) + "\n" + closing
        if result.announced:
            settings = await ctx_of(interaction).club.get(self.draft.guild_id)
            text += "\n" + t(locale, "feedback.started_announced", channel=settings.feedback_channel_id)
        await respond(interaction, text, ephemeral=True)


class AnswerButton(Guarded, discord.ui.DynamicItem[discord.ui.Button], template=components.ANSWER.pattern):
    """"Answer anonymously" on a DM invitation or a channel announcement: opens the form."""

    def __init__(self, campaign_id: int) -> None:
        super().__init__(discord.ui.Button(custom_id=components.ANSWER.build(campaign=campaign_id), label="answer"))
        self.campaign_id = campaign_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]) -> AnswerButton:
        return cls(components.ANSWER.read(match).integer("campaign"))

    async def run(self, interaction: discord.Interaction) -> None:
        locale = await locale_for(interaction)
        form = await service_of(interaction).open_form(await actor_of(interaction), self.campaign_id)
        if form.already_answered:
            message = OutMessage(
                content=t(locale, "feedback.error.already_answered", title=form.campaign.title),
                components=(render.replace_button(form.campaign.id, locale),),
            )
            await respond(interaction, ephemeral=True, **response_kwargs(message))
            return
        await interaction.response.send_modal(AnswerModal(form, locale))


class ReplaceButton(Guarded, discord.ui.DynamicItem[discord.ui.Button], template=components.REPLACE.pattern):
    """"Replace my answer": the form again, with the receipt code that proves the answer is yours."""

    def __init__(self, campaign_id: int) -> None:
        super().__init__(discord.ui.Button(custom_id=components.REPLACE.build(campaign=campaign_id), label="replace"))
        self.campaign_id = campaign_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]) -> ReplaceButton:
        return cls(components.REPLACE.read(match).integer("campaign"))

    async def run(self, interaction: discord.Interaction) -> None:
        locale = await locale_for(interaction)
        form = await service_of(interaction).open_form(await actor_of(interaction), self.campaign_id)
        await interaction.response.send_modal(AnswerModal(form, locale, replace=True))


class GiveButton(Guarded, discord.ui.DynamicItem[discord.ui.Button], template=components.GIVE.pattern):
    """The DM offer's button: the feedback modal, pre-filled with what the member wrote."""

    def __init__(self, guild_id: int, category: str) -> None:
        super().__init__(discord.ui.Button(custom_id=components.GIVE.build(guild=guild_id, category=category), label="give"))
        self.guild_id = guild_id
        self.category = category

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]) -> GiveButton:
        fields = components.GIVE.read(match)
        return cls(fields.integer("guild"), fields.text("category"))

    async def run(self, interaction: discord.Interaction) -> None:
        cog: FeedbackCog | None = interaction.client.get_cog("FeedbackCog")  # type: ignore[attr-defined]
        prefill = await cog.prefill_for(interaction) if cog is not None else None
        await interaction.response.send_modal(GiveModal(self.guild_id, self.category, await locale_for(interaction), prefill))


CATEGORY_CHOICES = [
    app_commands.Choice(name=_("Pain point"), value="pain_point"),
    app_commands.Choice(name=_("Feature request"), value="feature_request"),
    app_commands.Choice(name=_("Praise"), value="praise"),
    app_commands.Choice(name=_("Question"), value="question"),
    app_commands.Choice(name=_("Other"), value="other"),
]


class FeedbackCog(commands.Cog):
    """``/feedback give|withdraw|about`` for members, ``/campaign ...`` for moderators, and the DM offer."""

    feedback = app_commands.Group(name=_("feedback"), description=_("Give anonymous feedback to the club, or withdraw it"))
    campaign = app_commands.Group(
        name=_("campaign"),
        description=_("Anonymous feedback campaigns, reports, digests and exports"),
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    def __init__(self, bot: commands.Bot, service: FeedbackService) -> None:
        self.bot = bot
        self.service = service
        # offer message id -> (member id, their text, expiry): memory only, never written (docs/anonymity.md, "What is stored").
        self._offers: dict[int, tuple[int, str, object]] = {}

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(AnswerButton, ReplaceButton, GiveButton, *REVIEW_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(AnswerButton, ReplaceButton, GiveButton, *REVIEW_ITEMS)

    # --- members ---------------------------------------------------------------------

    @feedback.command(name=_("give"), description=_("Give anonymous feedback through a private form"))
    @app_commands.rename(category=_("category"))
    @app_commands.describe(category=_("What your feedback is about"))
    @app_commands.choices(category=CATEGORY_CHOICES)
    @app_commands.checks.cooldown(GIVE_PER_WINDOW, GIVE_WINDOW_SECONDS, key=lambda i: i.user.id)
    async def give(self, interaction: discord.Interaction, category: app_commands.Choice[str] | None = None) -> None:
        guild_id = interaction.guild_id or club_guild_for(self.bot, interaction.user.id)
        locale = await locale_for(interaction)
        await interaction.response.send_modal(GiveModal(guild_id, category.value if category else "other", locale))

    @feedback.command(name=_("withdraw"), description=_("Delete one of your anonymous answers with its receipt code"))
    @app_commands.rename(receipt=_("receipt"))
    @app_commands.describe(receipt=_("The receipt code you got after answering (ABCDE-12345)"))
    async def withdraw(self, interaction: discord.Interaction, receipt: app_commands.Range[str, 1, 30]) -> None:
        result = await self.service.withdraw(await actor_of(interaction), receipt)
        locale = await locale_for(interaction)
        key = "feedback.withdrawn_queued" if result.queued else "feedback.withdrawn"
        await respond(interaction, t(locale, "feedback.withdrawn_digested" if result.digested else key))

    @feedback.command(name=_("about"), description=_("How your anonymity is protected, and what is not protected"))
    async def about(self, interaction: discord.Interaction) -> None:
        locale = await locale_for(interaction)
        actor = await actor_of(interaction)
        # In a DM: the member's club's k (the highest, if they share several clubs with Cercle).
        clubs = [interaction.guild_id] if interaction.guild_id else shared_guilds(self.bot, interaction.user.id)
        threshold = max([await self.service.promised_threshold(actor, g) for g in clubs]
                        or [await self.service.promised_threshold(actor, None)])
        embed = discord.Embed(
            title=t(locale, "feedback.help.title"),
            description=t(locale, "feedback.help.body") + "\n\n" + render.threat_model(locale, threshold),
        )
        await respond(interaction, embed=embed)

    # --- the DM offer -------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """A member writing to the bot by DM gets the anonymity promise and a button opening
        the feedback modal pre-filled with their text. Never logged, never stored."""
        if message.guild is not None or message.author.bot or not (message.content or "").strip():
            return
        locale = "en"
        try:
            guild_id = club_guild_for(self.bot, message.author.id)
        except CercleError as exc:
            await message.channel.send(exc.render(locale), allowed_mentions=discord.AllowedMentions.none())
            return
        settings = await self.service.ctx.club.get(guild_id)
        locale = settings.locale
        text = t(locale, "feedback.dm_offer") + "\n\n" + render.anonymity_line(locale, settings.anonymity_threshold)
        offer = OutMessage(content=shorten(text, 2000), components=(render.give_button(guild_id, locale),))
        try:
            sent = await message.channel.send(**send_kwargs(offer))
        except discord.HTTPException:
            return
        self._remember(sent.id, message.author.id, message.content)

    def _remember(self, offer_id: int, user_id: int, text: str) -> None:
        now = self.service.clock.now()
        for key in [k for k, entry in self._offers.items() if entry[2] <= now]:  # type: ignore[operator]
            del self._offers[key]
        while len(self._offers) >= OFFER_CACHE_MAX:
            self._offers.pop(next(iter(self._offers)))
        self._offers[offer_id] = (user_id, text, now + OFFER_TTL)

    async def prefill_for(self, interaction: discord.Interaction) -> str | None:
        """The text the member wrote just before the offer they clicked: from memory, else
        (after a restart) read back from the DM channel's history; ``None`` if gone."""
        message = interaction.message
        if message is None:
            return None
        cached = self._offers.pop(message.id, None)
        if cached is not None and cached[0] == interaction.user.id:
            return cached[1]
        try:
            async for earlier in message.channel.history(limit=20, before=message):
                if earlier.id < message.id and earlier.author.id == interaction.user.id and earlier.content:
                    return earlier.content
        except discord.HTTPException:
            return None
        return None

    # --- moderators -------------------------------------------------------------------

    @campaign.command(name=_("start"), description=_("Start an anonymous feedback campaign (questions in the next form)"))
    @app_commands.rename(title=_("title"), closes=_("closes"), audience=_("audience"), release=_("release"))
    @app_commands.describe(
        title=_("The campaign's title"),
        closes=_("When it closes, in the club's time zone (e.g. friday 6pm, in 7 days)"),
        audience=_("Who is invited by DM (default: everyone)"),
        release=_("When answers become readable (default: all at once at the close)"),
    )
    @app_commands.choices(release=RELEASE_CHOICES)
    async def start(
        self,
        interaction: discord.Interaction,
        title: app_commands.Range[str, 1, TITLE_LIMIT + 20],
        closes: app_commands.Range[str, 1, 100],
        audience: discord.Role | None = None,
        release: app_commands.Choice[str] | None = None,
    ) -> None:
        draft = await self.service.draft_campaign(
            await actor_of(interaction), title=title, closes=closes, audience_role_id=audience.id if audience else None,
            release=release.value if release else None,
        )
        await interaction.response.send_modal(StartModal(draft, await locale_for(interaction)))

    @campaign.command(name=_("close"), description=_("Close a campaign now"))
    @app_commands.rename(campaign=_("campaign"))
    @app_commands.describe(campaign=_("The campaign"))
    async def close(self, interaction: discord.Interaction, campaign: int) -> None:
        actor = await actor_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        closed = await self.service.close_campaign(actor, campaign)
        await respond(interaction, t(await locale_for(interaction), "feedback.closed_done", title=closed.title))

    @campaign.command(name=_("list"), description=_("List the campaigns"))
    async def list_campaigns(self, interaction: discord.Interaction) -> None:
        locale = await locale_for(interaction)
        found = await self.service.list_campaigns(await actor_of(interaction))
        lines = [render.campaign_line(s.campaign, s.answers, locale) for s in found]
        embed = discord.Embed(
            title=t(locale, "feedback.list.title"),
            description=shorten("\n".join(lines) or t(locale, "feedback.list.empty"), 4096),
        )
        await respond(interaction, embed=embed)

    @campaign.command(name=_("report"), description=_("Anonymous results of a campaign, or of spontaneous feedback"))
    @app_commands.rename(campaign=_("campaign"))
    @app_commands.describe(campaign=_("The campaign (leave empty for spontaneous feedback)"))
    async def report(self, interaction: discord.Interaction, campaign: int | None = None) -> None:
        actor = await actor_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        message = await self.service.report_message(actor, campaign)
        await respond(interaction, ephemeral=True, **response_kwargs(message))

    @campaign.command(name=_("digest"), description=_("Take the new anonymous feedback as one batch: reviewed, then posted in the feedback channel"))
    async def digest(self, interaction: discord.Interaction) -> None:
        actor = await actor_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await answer_digest(interaction, actor, await self.service.digest(actor))

    @campaign.command(name=_("review"), description=_("Read the digest waiting for review, approve or hold back each text, publish"))
    async def review(self, interaction: discord.Interaction) -> None:
        await show_review(interaction, await self.service.review(await actor_of(interaction)))

    @campaign.command(name=_("digest-schedule"), description=_("Configure the weekly automatic digest"))
    @app_commands.rename(enabled=_("enabled"), weekday=_("weekday"), hour=_("hour"), review=_("review"))
    @app_commands.describe(
        enabled=_("Whether the weekly digest runs"), weekday=_("Day of the week"), hour=_("Hour of the day, club time (0-23)"),
        review=_("Whether moderators review each digest before it is posted (default: yes)"),
    )
    @app_commands.choices(weekday=WEEKDAY_CHOICES)
    async def digest_schedule(
        self,
        interaction: discord.Interaction,
        enabled: bool | None = None,
        weekday: app_commands.Choice[int] | None = None,
        hour: app_commands.Range[int, 0, 23] | None = None,
        review: bool | None = None,
    ) -> None:
        schedule, nxt = await self.service.set_digest_schedule(
            await actor_of(interaction), enabled=enabled, weekday=weekday.value if weekday else None, hour=hour,
            review=review,
        )
        locale = await locale_for(interaction)
        if schedule.enabled and nxt is not None:
            text = t(locale, "feedback.digest.schedule_on", weekday=t(locale, f"feedback.weekday.{schedule.weekday}"),
                     hour=schedule.hour, next=f"<t:{int(nxt.timestamp())}:F> (<t:{int(nxt.timestamp())}:R>)")
        else:
            text = t(locale, "feedback.digest.schedule_off")
        text += " " + t(locale, "feedback.digest.schedule_review" if schedule.review else "feedback.digest.schedule_automatic")
        await respond(interaction, text)

    @campaign.command(name=_("export"), description=_("Anonymous answers as CSV or Excel (no identity columns)"))
    @app_commands.rename(campaign=_("campaign"), file_format=_("format"))
    @app_commands.describe(
        campaign=_("The campaign (leave empty for spontaneous feedback)"), file_format=_common.FORMAT_DESCRIPTION
    )
    @app_commands.choices(file_format=_common.format_choices())
    async def export(self, interaction: discord.Interaction, campaign: int | None = None,
                     file_format: app_commands.Choice[str] | None = None) -> None:
        actor = await actor_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        file = await self.service.export_answers(actor, campaign, file_format.value if file_format else "csv")
        await respond(interaction, ephemeral=True, **response_kwargs(OutMessage(files=(file,))))

    @campaign.command(name=_("painpoints"), description=_("Pain points and feedback by category over time"))
    @app_commands.rename(weeks=_("weeks"))
    @app_commands.describe(weeks=_("How many weeks back (1-52)"))
    async def painpoints(self, interaction: discord.Interaction, weeks: app_commands.Range[int, 1, 52] = 12) -> None:
        actor = await actor_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        message = await self.service.pain_points_message(actor, weeks)
        await respond(interaction, ephemeral=True, **response_kwargs(message))

    @close.autocomplete("campaign")
    @report.autocomplete("campaign")
    @export.autocomplete("campaign")
    async def _campaign_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        try:
            found = await self.service.campaign_choices(await actor_of(interaction), current)
        except Forbidden:  # a member the server let see /campaign: no titles
            return []
        return [app_commands.Choice(name=label, value=cid) for label, cid in found]


async def setup(bot: commands.Bot) -> None:
    """Extension entry point."""
    await bot.add_cog(FeedbackCog(bot, services_of(bot).feedback))
