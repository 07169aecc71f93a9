"""The buttons of a digest's review (moderators): open, page, approve / hold back a text,
publish — ``DynamicItem``s over :data:`bot.feedback.components.REVIEW` and
:data:`~bot.feedback.components.REVIEW_TEXT`, so they work after a restart. Who may click
is the use-cases' decision (moderators); every answer is private (ephemeral)."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.actor import Actor
from bot.feedback import components, render
from bot.feedback.digest_store import DigestResult, DigestReview
from bot.feedback.service import FeedbackService
from bot.i18n import t
from bot.ports import OutMessage
from cogs._common import Guarded, actor_of, ctx_of, locale_for, respond, services_of
from cogs._ui import edit_kwargs, response_kwargs


def _service(interaction: discord.Interaction) -> FeedbackService:
    return services_of(interaction.client).feedback


async def outcome_text(interaction: discord.Interaction, result: DigestResult, locale: str) -> str:
    """The moderator's one line after a digest or a publish (where it went, what was held)."""
    guild_id = interaction.guild_id
    channel_id = None if guild_id is None else (await ctx_of(interaction).club.get(guild_id)).feedback_channel_id
    return render.digest_outcome(result, channel_id, locale)


async def show_review(interaction: discord.Interaction, review: DigestReview | None, page: int = 0,
                      notice: str | None = None) -> None:
    """Answer with ``review`` (privately; after a deferral, as its followup), or say none waits."""
    locale = await locale_for(interaction)
    if review is None:
        text = t(locale, "feedback.review.empty")
        await respond(interaction, text if notice is None else f"{notice}\n{text}", ephemeral=True)
        return
    await respond(interaction, ephemeral=True, **response_kwargs(render.digest_review(review, page, locale, notice)))


async def answer_digest(interaction: discord.Interaction, actor: Actor, result: DigestResult) -> None:
    """``/campaign digest``'s answer: the review of the digest just taken, or what was posted
    (and how many digests still wait for review)."""
    locale = await locale_for(interaction)
    if result.review is not None:
        notice = t(locale, "feedback.digest.review_ready", count=len(result.review.entries))
        await show_review(interaction, result.review, notice=notice)
        return
    text = await outcome_text(interaction, result, locale)
    waiting = await _service(interaction).review(actor)
    if waiting is not None:
        text += "\n" + t(locale, "feedback.digest.review_waiting", waiting=waiting.waiting)
    await respond(interaction, text)


class ReviewButton(Guarded, discord.ui.DynamicItem[discord.ui.Button], template=components.REVIEW.pattern):
    """Open (from the moderators' channel notice: a private answer), page, or publish."""

    def __init__(self, digest_id: int, action: str, page: int) -> None:
        custom_id = components.REVIEW.build(digest=digest_id, action=action, page=page)
        super().__init__(discord.ui.Button(custom_id=custom_id, label="…"))
        self.digest_id, self.action, self.page = digest_id, action, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ReviewButton:
        fields = components.REVIEW.read(match)
        return cls(fields.integer("digest"), fields.text("action"), fields.integer("page"))

    async def run(self, interaction: discord.Interaction) -> None:
        actor = await actor_of(interaction)
        locale = await locale_for(interaction)
        if self.action == "open":
            await show_review(interaction, await _service(interaction).review(actor, self.digest_id))
        elif self.action == "page":
            review = await _service(interaction).review(actor, self.digest_id)
            message = render.digest_review(review, self.page, locale) if review else None
            empty = OutMessage(content=t(locale, "feedback.review.empty"))
            await interaction.response.edit_message(**edit_kwargs(message or empty))
        else:  # publish: the posts may wait on Discord's rate limits
            await interaction.response.defer()
            result = await _service(interaction).publish(actor, self.digest_id)
            text = await outcome_text(interaction, result, locale)
            await interaction.edit_original_response(**edit_kwargs(OutMessage(content=text)))


class ReviewTextButton(Guarded, discord.ui.DynamicItem[discord.ui.Button], template=components.REVIEW_TEXT.pattern):
    """Approve or hold back one text of a digest in review; the page is shown again."""

    def __init__(self, digest_id: int, action: str, answer_id: str, page: int) -> None:
        custom_id = components.REVIEW_TEXT.build(digest=digest_id, action=action, answer=answer_id, page=page)
        super().__init__(discord.ui.Button(custom_id=custom_id, label="…"))
        self.digest_id, self.action, self.answer_id, self.page = digest_id, action, answer_id, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ReviewTextButton:
        fields = components.REVIEW_TEXT.read(match)
        return cls(fields.integer("digest"), fields.text("action"), fields.text("answer"), fields.integer("page"))

    async def run(self, interaction: discord.Interaction) -> None:
        actor = await actor_of(interaction)
        review = await _service(interaction).hold(actor, self.digest_id, self.answer_id, self.action == "hold")
        locale = await locale_for(interaction)
        await interaction.response.edit_message(**edit_kwargs(render.digest_review(review, self.page, locale)))


REVIEW_ITEMS = (ReviewButton, ReviewTextButton)
"""The dynamic items the feedback cog registers for digest review."""
