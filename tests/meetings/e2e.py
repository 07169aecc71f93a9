"""Helpers of the meetings end-to-end tests: create a meeting as a moderator would, find
its announcement and thread."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.fakediscord import Message, User

# 2026-12-03 18:00 in Paris (CET, UTC+1), three days after the harness's START.
STARTS = "2026-12-03 18:00"
START_AT = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)


async def slash_options(h, user: User, path: str, options: dict, *, locale: str | None = None):
    """``fake.slash`` with the options in a dict (``channel`` is also one of its keywords)."""
    return await h.fake.slash(user, path, guild=h.club.guild, locale=locale, options=options)


async def create_meeting(h, *, user: User | None = None, title: str = "Club meeting", agenda: str = "",
                         locale: str | None = None, **options):
    """``/meeting create`` then the modal; returns the reply to the modal."""
    c = h.club
    user = user or c.admin
    options.setdefault("starts", STARTS)
    reply = await slash_options(h, user, "meeting create", options, locale=locale)
    assert reply.modal, reply.text()
    values = {"title": title}
    if agenda:
        values["agenda"] = agenda
    return await h.fake.submit_modal(user, reply, values, locale=locale)


def bot_messages(h, channel_id: int) -> list[Message]:
    """The bot's messages in a channel or thread, oldest first."""
    return [m for m in h.fake.messages_in(channel_id) if m.author_id == h.fake.bot_user.id]


def announcement(h, channel_id: int | None = None, index: int = -1) -> Message:
    """An announcement (a bot message with an embed) in the meetings channel, fresh."""
    found = [m for m in bot_messages(h, channel_id or h.club.meetings.id) if m.embeds]
    return h.fake.messages[found[index].id]


def meeting_id(message: Message) -> str:
    """The occurrence id carried by an announcement's RSVP buttons."""
    custom_id = message.buttons()[0]["custom_id"]
    return custom_id.split(":")[3]


def thread_id(h, message: Message) -> int:
    """The thread opened on an announcement."""
    return int(h.fake.messages[message.id].data["thread"]["id"])


def thread_texts(h, message: Message) -> list[str]:
    """What the bot posted in an announcement's thread."""
    return [m.text() for m in bot_messages(h, thread_id(h, message))]


def label_of(message: Message, prefix: str) -> str:
    """The label of the button whose label starts with ``prefix``."""
    return next(b["label"] for b in message.buttons() if b["label"].startswith(prefix))
