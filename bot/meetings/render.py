"""Discord-free descriptions of what meetings post: announcement, thread notices, DMs.

Times are shown as Discord timestamps (``<t:UNIX:F>``, ``<t:UNIX:R>``) so each reader sees
their own zone and language (docs/architecture.md, "Time"). Member-written text (titles, topics) goes
through :func:`bot.text.plain` / :func:`bot.text.plain_label` and is shortened to Discord's
limits on screen only; the database keeps it whole.
"""

from __future__ import annotations

from babel.dates import get_day_names

from bot.i18n import t
from bot.meetings.components import RSVP, TOPIC_VOTE
from bot.meetings.rules import (
    EVENT_DESCRIPTION_MAX,
    EVENT_NAME_MAX,
    THREAD_NAME_MAX,
    RsvpCounts,
    format_offset,
)
from bot.meetings.store import Occurrence, Topic
from bot.ports import Button, Embed, EmbedField, EventSpec, OutMessage
from bot.recurrence import weekday_position
from bot.text import plain, plain_label, shorten

COLOR = {"scheduled": 0x5865F2, "started": 0x57F287, "ended": 0x99AAB5, "cancelled": 0xED4245}
EMBED_TITLE_MAX = 256
FIELD_VALUE_MAX = 1024


def when_text(occ: Occurrence) -> str:
    """``<t:start:F> (<t:start:R>)``."""
    ts = int(occ.starts_at.timestamp())
    return f"<t:{ts}:F> (<t:{ts}:R>)"


def duration_text(seconds: int, locale: str) -> str:
    """A duration such as ``1h30`` or ``45 min``."""
    return format_offset(seconds, locale)


def location_text(occ: Occurrence) -> str:
    """The location as members see it (``<#channel>``, a URL or an address), plain."""
    if occ.location.channel_id:
        return f"<#{occ.location.channel_id}>"
    return plain(occ.location.text) if occ.location.text else ""


def thread_name(title: str) -> str:
    """The thread name: one line, no mention, ≤ 100 chars (Discord)."""
    return plain_label(title, THREAD_NAME_MAX)


def repeat_text(locale: str, repeat: str, rule: str | None) -> str:
    """How a series repeats, in ``locale``: ``Every quarter``, or with a rule by weekday
    ``Every quarter, on the 3rd Tuesday`` / ``Chaque trimestre, le dernier jeudi`` (day names
    from Babel's CLDR data)."""
    every = t(locale, f"meetings.repeat.{repeat}")
    position = weekday_position(rule)
    if position is None:
        return every
    nth, weekday = position
    day = get_day_names("wide", locale=locale)[weekday]
    return t(locale, "meetings.repeat_on", every=every, position=t(locale, f"meetings.position.{nth}"), weekday=day)


def counts_text(locale: str, counts: RsvpCounts) -> str:
    """``✅ Going: 3 · ❔ Maybe: 1 · ❌ Can't go: 0``."""
    return t(locale, "meetings.counts", going=counts.going, maybe=counts.maybe, no=counts.no)


def announcement(locale: str, occ: Occurrence, counts: RsvpCounts) -> OutMessage:
    """The announcement of one occurrence: embed and, while RSVPs are open, the three buttons."""
    fields = [EmbedField(t(locale, "meetings.field.when"), when_text(occ))]
    fields.append(EmbedField(t(locale, "meetings.field.duration"), duration_text(occ.duration_s, locale), inline=True))
    where = location_text(occ)
    if where:
        fields.append(EmbedField(t(locale, "meetings.field.location"), shorten(where, FIELD_VALUE_MAX), inline=True))
    if occ.repeat != "none":
        fields.append(EmbedField(t(locale, "meetings.field.repeat"), repeat_text(locale, occ.repeat, occ.rrule), inline=True))
    fields.append(EmbedField(t(locale, "meetings.field.rsvp"), counts_text(locale, counts)))
    description = plain(occ.agenda) if occ.agenda else None
    title = shorten(occ.title, EMBED_TITLE_MAX)
    if occ.status == "cancelled":
        title = shorten(t(locale, "meetings.cancelled_prefix") + occ.title, EMBED_TITLE_MAX)
    embed = Embed(
        title=title,
        description=shorten(description, 4096) if description else None,
        fields=tuple(fields),
        footer=t(locale, f"meetings.footer.{occ.status}"),
        color=COLOR.get(occ.status),
    )
    components: tuple[Button, ...] = ()
    if occ.status == "scheduled":
        components = (
            Button(RSVP.build(occurrence=occ.id, status="going"), t(locale, "meetings.button.going", n=counts.going), "success", emoji="✅"),
            Button(RSVP.build(occurrence=occ.id, status="maybe"), t(locale, "meetings.button.maybe", n=counts.maybe), "secondary", emoji="❔"),
            Button(RSVP.build(occurrence=occ.id, status="no"), t(locale, "meetings.button.no", n=counts.no), "danger", emoji="❌"),
        )
    return OutMessage(embeds=(embed,), components=components)


def event_spec(occ: Occurrence) -> EventSpec:
    """The one-off scheduled event mirroring an occurrence (name ≤ 100, description ≤ 1000)."""
    return EventSpec(
        name=plain_label(occ.title, EVENT_NAME_MAX),
        description=shorten(occ.agenda or occ.title, EVENT_DESCRIPTION_MAX),
        start=occ.starts_at,
        end=occ.ends_at,
        location=None if occ.location.channel_id else shorten(occ.location.text or "Discord", 100),
        channel_id=occ.location.channel_id,
    )


def jump_url(guild_id: int, channel_id: int, message_id: int | None) -> str:
    """A link to a message (or a channel)."""
    base = f"https://discord.com/channels/{guild_id}/{channel_id}"
    return f"{base}/{message_id}" if message_id else base


def reminder_text(locale: str, occ: Occurrence, *, late: bool) -> str:
    """The reminder posted in the thread (with a note when sent late after downtime)."""
    text = t(locale, "meetings.reminder", title=plain(shorten(occ.title, 200)), when=when_text(occ))
    where = location_text(occ)
    if where:
        text += "\n" + t(locale, "meetings.reminder_where", location=where)
    if late:
        text += "\n" + t(locale, "meetings.reminder_late")
    return text


def reminder_dm(locale: str, occ: Occurrence, *, late: bool) -> OutMessage:
    """The reminder DM, with a link to the announcement."""
    text = reminder_text(locale, occ, late=late)
    url = jump_url(occ.guild_id, occ.thread_id or occ.channel_id, None if occ.thread_id else occ.message_id)
    text += "\n" + t(locale, "meetings.dm_link", url=url)
    return OutMessage(content=text)


def topic_message(locale: str, topic: Topic) -> OutMessage:
    """A proposed topic in the thread, with its upvote button showing the count."""
    content = t(locale, "meetings.topic_posted", author=f"<@{topic.author_id}>", text=plain(topic.text))
    button = Button(TOPIC_VOTE.build(topic=topic.id), t(locale, "meetings.button.upvote", n=topic.votes), "primary", emoji="👍")
    return OutMessage(content=shorten(content, 2000), components=(button,))
