"""How polls look: the poll message, replies to clicks, lists and the results message.

Pure functions from :mod:`bot.polls.rules` dataclasses to text and
:class:`~bot.ports.OutMessage`. Member text goes through :func:`bot.text.plain` (nothing
pings, markdown shows literally) and is shortened with "…" where Discord caps it (button
label 80, embed title 256, description 4,096); the database keeps it whole.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot import charts
from bot.clock import to_ts
from bot.custom_ids import ID, CustomId
from bot.i18n import t
from bot.polls.rules import Poll, Tally, Visibility, bar, percent, visibility
from bot.ports import Button, ButtonStyle, Embed, File, OutMessage
from bot.text import plain, plain_label, shorten

BUTTON_LABEL = 80
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
CHOICE_SHOWN = 150  # escaped choice text shown in the embed (20 × fits 4,096 with bars)
COLOR_OPEN = 0x5865F2
COLOR_SCHEDULED = 0xFEE75C
COLOR_CLOSED = 0x99AAB5
VOTE_ID = CustomId("cercle:polls:{poll}:vote:{position}", poll=ID, position=ID)
"""The persistent ``custom_id`` of the vote button of choice ``position`` (1-based) of
poll ``poll`` (≤ 100 characters: Discord); ``cogs.polls.VoteButton`` reads it back."""


def message_link(guild_id: int, channel_id: int, message_id: int | None) -> str:
    """A jump link to a message (or to the channel when the message is not posted yet)."""
    if message_id is None:
        return f"https://discord.com/channels/{guild_id}/{channel_id}"
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def choice_line(position: int, choice: str) -> str:
    """``**1.** text`` with the text escaped and shortened for the embed."""
    return f"**{position}.** {shorten(plain(choice), CHOICE_SHOWN)}"


def _status_line(poll: Poll, locale: str) -> str:
    if poll.status == "scheduled":
        return t(locale, "polls.msg.opens", ts=to_ts(poll.opens_at)) + " · " + t(
            locale, "polls.msg.closes", ts=to_ts(poll.closes_at)
        )
    if poll.status == "open":
        return t(locale, "polls.msg.closes", ts=to_ts(poll.closes_at))
    if poll.status == "closed":
        return t(locale, "polls.msg.closed", ts=to_ts(poll.closed_at or poll.closes_at))
    return t(locale, "polls.msg.cancelled")


def results_block(poll: Poll, tally: Tally, locale: str, show_counts: bool) -> str:
    """One line per choice, with a bar, count and percentage of voters when ``show_counts``
    (in a multiple-choice poll a voter counts once per choice: percentages are of voters,
    as on the chart, not of selections)."""
    lines = []
    total = tally.voters
    for position, choice in enumerate(poll.choices, start=1):
        lines.append(choice_line(position, choice))
        if show_counts:
            count = tally.counts[position - 1] if position <= len(tally.counts) else 0
            lines.append(f"`{bar(count, total)}` {count} · {percent(count, total)}%")
    return "\n".join(lines)


def poll_embed(poll: Poll, tally: Tally, locale: str, threshold: int) -> Embed:
    """The embed of the poll message for its current state (what shows of the votes:
    :func:`bot.polls.rules.visibility` under the poll's effective ``threshold``)."""
    seen = visibility(poll, tally, threshold)
    title = shorten(plain(poll.question), TITLE_MAX)
    head = []
    if title.endswith("…"):
        head.append(f"**{plain(poll.question)}**")
    block = results_block(poll, tally, locale, seen.counts)
    info = [_status_line(poll, locale)]
    if poll.status != "cancelled":
        kind = t(locale, "polls.msg.single") if poll.single else t(locale, "polls.msg.multiple", maximum=poll.max_choices)
        privacy = t(locale, "polls.msg.anonymous") if poll.anonymous else t(locale, "polls.msg.public")
        info.append(f"{kind} · {privacy}")
        if poll.repeat != "none" and poll.status != "closed":
            info.append(t(locale, "polls.msg.repeats", repeat=t(locale, f"polls.repeat.{poll.repeat}")))
        if seen.voters:
            info.append(t(locale, "polls.msg.voters", count=tally.voters))
        if seen.hidden is not None:
            info.append(_hidden_note(seen, locale))
        if poll.status == "closed":
            info.insert(0, f"**{t(locale, 'polls.msg.final')}**")
    tail = "\n".join(info)
    budget = DESCRIPTION_MAX - len(block) - len(tail) - 8 - sum(len(h) + 2 for h in head)
    description = shorten(plain(poll.description), max(budget, 0)) if poll.description else ""
    parts = [*head, *([description] if description else []), block, tail]
    color = {"open": COLOR_OPEN, "scheduled": COLOR_SCHEDULED}.get(poll.status, COLOR_CLOSED)
    return Embed(
        title=title,
        description=shorten("\n\n".join(parts), DESCRIPTION_MAX),
        footer=t(locale, "polls.msg.footer", poll=poll.id),
        color=color,
    )


_HIDDEN_KEYS = {
    "anonymous_until_close": "polls.msg.hidden_anonymous",
    "until_close": "polls.msg.hidden_until_close",
    "below_threshold": "polls.msg.hidden_below_threshold",
}


def _hidden_note(seen: Visibility, locale: str) -> str:
    """Why the counts are hidden (``seen.hidden`` set), in ``locale``."""
    assert seen.hidden is not None
    return t(locale, _HIDDEN_KEYS[seen.hidden], threshold=seen.threshold)


def vote_buttons(poll: Poll) -> tuple[Button, ...]:
    """One button per choice, 5 per row (≤ 20 choices → ≤ 4 rows). Labels are one line,
    shortened to 80 with "…". Once closed the buttons turn grey but stay clickable: a
    click then answers that the poll is closed and shows the member their own vote."""
    style: ButtonStyle = "secondary" if poll.status == "closed" else "primary"
    return tuple(
        Button(
            custom_id=VOTE_ID.build(poll=poll.id, position=position),
            label=f"{position}. " + plain_label(choice, BUTTON_LABEL - len(f"{position}. ")),
            style=style,
            row=(position - 1) // 5,
        )
        for position, choice in enumerate(poll.choices, start=1)
    )


def poll_message(poll: Poll, tally: Tally, locale: str, threshold: int) -> OutMessage:
    """The whole poll message (embed + vote buttons). A cancelled poll has no buttons."""
    components = () if poll.status == "cancelled" else vote_buttons(poll)
    return OutMessage(embeds=(poll_embed(poll, tally, locale, threshold),), components=components)


def chart_filename(poll_id: int) -> str:
    """The attachment name of a poll's chart."""
    return f"poll-{poll_id}-results.png"


def chart_subtitle(poll: Poll, tally: Tally, locale: str, zone: str) -> str:
    """The chart's subtitle: the number of voters and the day the poll closed (or closes),
    in the club's IANA ``zone``, written as ``locale``'s readers write dates (Babel)."""
    when = (poll.closed_at or poll.closes_at) if poll.status == "closed" else poll.closes_at
    day = charts.date_label(when.astimezone(ZoneInfo(zone)).date(), locale)
    key = "polls.chart.subtitle_closed" if poll.status == "closed" else "polls.chart.subtitle_open"
    return t(locale, key, count=tally.voters, date=day)


def results_message(poll: Poll, tally: Tally, locale: str, chart: bytes | None, seen: Visibility) -> OutMessage:
    """Counts and bars in an embed, with the chart attached and shown in it. Without
    ``seen.counts`` (an anonymous poll closed with fewer voters than its threshold): the
    choices, the number of voters and why the counts are hidden; no chart."""
    block = results_block(poll, tally, locale, seen.counts)
    info = t(locale, "polls.msg.voters", count=tally.voters) if tally.voters else t(locale, "polls.msg.no_votes")
    if not seen.counts:
        chart = None
    if seen.hidden == "below_threshold":  # the results of a closed poll (or of an open live public one)
        info += "\n" + _hidden_note(seen, locale)
    files: tuple[File, ...] = ()
    image = None
    if chart is not None:
        image = chart_filename(poll.id)
        files = (File(image, chart, description=shorten(poll.question, 1000)),)
    embed = Embed(
        title=shorten(t(locale, "polls.msg.results_title", question=plain(poll.question)), TITLE_MAX),
        description=shorten(f"{block}\n\n{info}", DESCRIPTION_MAX),
        footer=t(locale, "polls.msg.footer", poll=poll.id),
        color=COLOR_CLOSED if poll.status == "closed" else COLOR_OPEN,
        image=image,
    )
    return OutMessage(embeds=(embed,), files=files)


def chosen_names(poll_choices: tuple[str, ...], chosen: tuple[int, ...]) -> str:
    """``**2.** Search, **3.** Reports``: a member's choices, escaped and shortened."""
    return ", ".join(f"**{p}.** {shorten(plain(poll_choices[p - 1]), 100)}" for p in chosen if 0 < p <= len(poll_choices))


def vote_reply(locale: str, poll_choices: tuple[str, ...], chosen: tuple[int, ...], max_choices: int,
               closes_at_ts: int, anonymous: bool) -> str:
    """The ephemeral answer to a click: the member's choices now and the closing time."""
    if chosen:
        lines = [t(locale, "polls.vote.choices", choices=chosen_names(poll_choices, chosen))]
    else:
        lines = [t(locale, "polls.vote.none")]
    if max_choices > 1 and len(chosen) < max_choices:
        lines.append(t(locale, "polls.vote.more", left=max_choices - len(chosen)))
    lines.append(t(locale, "polls.vote.closes", ts=closes_at_ts))
    if anonymous:
        lines.append(t(locale, "polls.vote.anonymous"))
    return "\n".join(lines)


def list_line(poll: Poll) -> tuple[str, int]:
    """``(text, ts)`` parts of a list line: ``#id · question`` and the relevant instant."""
    question = shorten(plain(" ".join(poll.question.split())), 80)
    ts = {"open": poll.closes_at, "scheduled": poll.opens_at}.get(poll.status, poll.closed_at or poll.closes_at)
    return f"#{poll.id} · {question}", to_ts(ts)


def list_embed(polls: list[Poll], locale: str, *, members: bool = False) -> Embed:
    """The ``/poll list`` (moderators: open, scheduled, recently closed) or ``/polls``
    (members: open only) embed, each line linking to the poll message."""
    sections = []
    groups = [("open", "polls.list.open")] if members else [
        ("open", "polls.list.open"), ("scheduled", "polls.list.scheduled"), ("closed", "polls.list.closed"),
    ]
    for status, key in groups:
        lines = []
        for poll in (p for p in polls if p.status == status):
            text, ts = list_line(poll)
            link = message_link(poll.guild_id, poll.channel_id, poll.message_id)
            when = t(locale, f"polls.list.line_{status}", ts=ts)
            lines.append(f"[{text}]({link}) — {when}" if poll.message_id else f"{text} — {when}")
        if lines:
            sections.append(f"**{t(locale, key)}**\n" + "\n".join(lines))
    if not sections:
        empty = t(locale, "polls.list.none_open" if members else "polls.list.empty")
        sections.append(empty)
    title = t(locale, "polls.list.members_title" if members else "polls.list.title")
    return Embed(title=title, description=shorten("\n\n".join(sections), DESCRIPTION_MAX), color=COLOR_OPEN)


def autocomplete_label(poll: Poll, locale: str) -> str:
    """``#12 · question (open)`` shortened to 100 chars (Discord's choice name limit)."""
    status = t(locale, f"polls.status.{poll.status}")
    question = " ".join(poll.question.split())
    suffix = f" ({status})"
    return shorten(f"#{poll.id} · {question}", 100 - len(suffix)) + suffix
