"""SQL of meetings: series, occurrences, reminders, RSVPs, topics and votes.

SQL in, dataclasses out. Instants are stored as INTEGER Unix seconds and come back as
UTC-aware ``datetime``; series start times are local wall-clock text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import from_ts, to_ts
from bot.db import Database, Row
from bot.meetings.rules import Location, OccurrenceEdit, SeriesEdit, TextChanges, parse_local
from bot.recurrence import Recurrence


@dataclass(frozen=True)
class Series:
    """A meeting series (a one-off meeting is a series with ``rrule`` ``None``)."""

    id: int
    guild_id: int
    channel_id: int
    organiser_id: int
    title: str
    agenda: str
    location: Location
    local_start: str
    timezone: str
    repeat: str
    rrule: str | None
    duration_s: int
    reminders: tuple[int, ...]
    created_at: datetime
    cancelled_at: datetime | None
    revision: int = 0
    """Grows with every change of the series row (the calendar's ``SEQUENCE``)."""

    @property
    def rule(self) -> Recurrence:
        """The recurrence in local wall-clock time."""
        return Recurrence(parse_local(self.local_start), self.timezone, self.rrule)


@dataclass(frozen=True)
class Occurrence:
    """One announced (or overridden) occurrence of a series; times UTC-aware."""

    id: int
    series_id: int
    guild_id: int
    recurrence_local: str
    starts_at: datetime
    ends_at: datetime
    title: str
    agenda: str
    location: Location
    status: str
    channel_id: int
    message_id: int | None
    thread_id: int | None
    event_id: int | None
    event_note: str | None
    archived: bool
    created_at: datetime
    repeat: str = "none"
    timezone: str = "UTC"
    rrule: str | None = None
    revision: int = 0
    """Grows with every change of this occurrence (moved, edited, cancelled)."""
    series_revision: int = 0
    """The series' :attr:`Series.revision` when the row was read."""

    @property
    def duration_s(self) -> int:
        """Length in seconds."""
        return int((self.ends_at - self.starts_at).total_seconds())


@dataclass(frozen=True)
class Reminder:
    """One reminder of an occurrence, ``offset_s`` seconds before its start: when it went out
    (``sent_at``, UTC; ``None`` while pending), whether ``late`` (after downtime), and its
    DMs delivered (``dm_sent``) and failed (``dm_failed``)."""

    occurrence_id: int
    offset_s: int
    sent_at: datetime | None
    late: bool
    dm_sent: int
    dm_failed: int


@dataclass(frozen=True)
class PendingReminder:
    """An unsent reminder of a scheduled occurrence (what the scheduler re-arms at start)."""

    occurrence_id: int
    offset_s: int
    starts_at: datetime

    @property
    def due(self) -> datetime:
        """When it is due (UTC): ``offset_s`` seconds before the start."""
        return self.starts_at - timedelta(seconds=self.offset_s)


@dataclass(frozen=True)
class ReminderTotals:
    """An occurrence's reminders so far: how many went out (``sent``), their DMs
    ``delivered`` and ``failed`` (DMs closed…)."""

    sent: int = 0
    delivered: int = 0
    failed: int = 0


@dataclass(frozen=True)
class Rsvp:
    """One member's answer to one occurrence."""

    occurrence_id: int
    user_id: int
    status: str
    remind: bool


@dataclass(frozen=True)
class Topic:
    """A proposed agenda topic with its vote count."""

    id: int
    occurrence_id: int
    author_id: int
    text: str
    message_id: int | None
    created_at: int
    votes: int = 0


def _reminders(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(",") if p.strip())


def _series(row: Row) -> Series:
    return Series(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        organiser_id=row["organiser_id"],
        title=row["title"],
        agenda=row["agenda"],
        location=Location(row["location"], row["location_channel_id"]),
        local_start=row["local_start"],
        timezone=row["timezone"],
        repeat=row["repeat"],
        rrule=row["rrule"],
        duration_s=row["duration_s"],
        reminders=_reminders(row["reminders"]),
        created_at=from_ts(row["created_at"]),
        cancelled_at=None if row["cancelled_at"] is None else from_ts(row["cancelled_at"]),
        revision=row["revision"],
    )


_OCC_SELECT = (
    "SELECT o.*, s.repeat AS s_repeat, s.timezone AS s_timezone, s.rrule AS s_rrule, "
    "s.revision AS s_revision FROM meeting_occurrences o "
    "JOIN meeting_series s ON s.id = o.series_id "
)


def _occurrence(row: Row) -> Occurrence:
    return Occurrence(
        id=row["id"],
        series_id=row["series_id"],
        guild_id=row["guild_id"],
        recurrence_local=row["recurrence_local"],
        starts_at=from_ts(row["starts_at"]),
        ends_at=from_ts(row["ends_at"]),
        title=row["title"],
        agenda=row["agenda"],
        location=Location(row["location"], row["location_channel_id"]),
        status=row["status"],
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        thread_id=row["thread_id"],
        event_id=row["event_id"],
        event_note=row["event_note"],
        archived=bool(row["archived"]),
        created_at=from_ts(row["created_at"]),
        repeat=row["s_repeat"],
        timezone=row["s_timezone"],
        rrule=row["s_rrule"],
        revision=row["revision"],
        series_revision=row["s_revision"],
    )


# --- series ------------------------------------------------------------------------------


async def insert_series(
    db: Database,
    *,
    guild_id: int,
    channel_id: int,
    organiser_id: int,
    title: str,
    agenda: str,
    location: Location,
    local_start: str,
    timezone: str,
    repeat: str,
    rrule: str | None,
    duration_s: int,
    reminders: tuple[int, ...],
    now: datetime,
) -> int:
    """Store a new series; returns its id."""
    return await db.execute(
        "INSERT INTO meeting_series (guild_id, channel_id, organiser_id, title, agenda, location, "
        "location_channel_id, local_start, timezone, repeat, rrule, duration_s, reminders, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            guild_id, channel_id, organiser_id, title, agenda, location.text, location.channel_id,
            local_start, timezone, repeat, rrule, duration_s, ",".join(str(r) for r in reminders), to_ts(now),
        ),
    )


async def get_series(db: Database, series_id: int) -> Series | None:
    """One series, or ``None``."""
    row = await db.fetchone("SELECT * FROM meeting_series WHERE id = ?", (series_id,))
    return None if row is None else _series(row)


async def update_series(db: Database, series_id: int, **values: object) -> None:
    """Change columns of a series (``title``, ``agenda``, ``location``, ``location_channel_id``,
    ``duration_s``, ``local_start`` as local ISO text, ``rrule``, ``cancelled_at`` as Unix seconds);
    its :attr:`Series.revision` grows by one."""
    allowed = {"title", "agenda", "location", "location_channel_id", "duration_s", "cancelled_at", "local_start", "rrule"}
    if not values or set(values) - allowed:
        raise ValueError(f"bad series columns {sorted(values)}")
    sets = ", ".join(f"{k} = ?" for k in values)
    await db.execute(
        f"UPDATE meeting_series SET {sets}, revision = revision + 1 WHERE id = ?", (*values.values(), series_id)
    )


async def edit_series(db: Database, series_id: int, edit: SeriesEdit) -> None:
    """Store what an edit of scope ``series`` changes in the series row (nothing if empty)."""
    values: dict[str, object] = _text_columns(edit.text)
    if edit.duration_s is not None:
        values["duration_s"] = edit.duration_s
    if edit.local_start is not None:
        values["local_start"] = edit.local_start
    if edit.rrule is not None:
        values["rrule"] = edit.rrule
    if values:
        await update_series(db, series_id, **values)


async def delete_series(db: Database, series_id: int) -> None:
    """Forget a series and its occurrences (its first announcement could not be posted)."""
    await db.execute("DELETE FROM meeting_series WHERE id = ?", (series_id,))


def _text_columns(text: TextChanges) -> dict[str, object]:
    values: dict[str, object] = {}
    if text.location is not None:
        values.update(location=text.location.text, location_channel_id=text.location.channel_id)
    if text.title is not None:
        values["title"] = text.title
    if text.agenda is not None:
        values["agenda"] = text.agenda
    return values


# --- occurrences ---------------------------------------------------------------------------


async def insert_occurrence(
    db: Database,
    *,
    series: Series,
    recurrence_local: str,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
) -> int | None:
    """Store an occurrence copied from its series with its reminders; returns its id, or
    ``None`` if that recurrence already has a row (announced, moved or cancelled)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO meeting_occurrences (series_id, guild_id, recurrence_local, starts_at, ends_at, title, "
            "agenda, location, location_channel_id, channel_id, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (series_id, recurrence_local) DO NOTHING",
            (
                series.id, series.guild_id, recurrence_local, to_ts(starts_at), to_ts(ends_at), series.title,
                series.agenda, series.location.text, series.location.channel_id, series.channel_id, to_ts(now),
            ),
        )
        if cursor.rowcount != 1:
            await cursor.close()
            return None
        occurrence_id = cursor.lastrowid
        await cursor.close()
        await conn.executemany(
            "INSERT INTO meeting_reminders (occurrence_id, offset_s) VALUES (?, ?)",
            [(occurrence_id, offset) for offset in series.reminders],
        )
        return occurrence_id


async def get_occurrence(db: Database, occurrence_id: int) -> Occurrence | None:
    """One occurrence, or ``None``."""
    row = await db.fetchone(_OCC_SELECT + "WHERE o.id = ?", (occurrence_id,))
    return None if row is None else _occurrence(row)


async def occurrence_by_recurrence(db: Database, series_id: int, recurrence_local: str) -> Occurrence | None:
    """The stored row of one recurrence of a series, or ``None`` if it was never announced."""
    row = await db.fetchone(
        _OCC_SELECT + "WHERE o.series_id = ? AND o.recurrence_local = ?", (series_id, recurrence_local)
    )
    return None if row is None else _occurrence(row)


async def occurrences_of_series(db: Database, series_id: int) -> list[Occurrence]:
    """Every stored occurrence of a series, by start."""
    rows = await db.fetchall(_OCC_SELECT + "WHERE o.series_id = ? ORDER BY o.starts_at", (series_id,))
    return [_occurrence(r) for r in rows]


async def upcoming(db: Database, guild_id: int, now: datetime, limit: int = 25) -> list[Occurrence]:
    """Scheduled or running occurrences of a guild that have not ended, soonest first."""
    rows = await db.fetchall(
        _OCC_SELECT + "WHERE o.guild_id = ? AND o.status IN ('scheduled', 'started') AND o.ends_at > ? "
        "ORDER BY o.starts_at, o.id LIMIT ?",
        (guild_id, to_ts(now), limit),
    )
    return [_occurrence(r) for r in rows]


async def active_series(db: Database, guild_id: int) -> list[Series]:
    """Series of a guild that are recurring and not cancelled."""
    rows = await db.fetchall(
        "SELECT * FROM meeting_series WHERE guild_id = ? AND rrule IS NOT NULL AND cancelled_at IS NULL",
        (guild_id,),
    )
    return [_series(r) for r in rows]


async def calendar_series(db: Database, guild_id: int, since: datetime) -> list[Series]:
    """Series of a guild for the calendar file: recurring ones not cancelled before
    ``since`` (UTC), and one-offs with an occurrence ending after ``since``; by id."""
    rows = await db.fetchall(
        "SELECT * FROM meeting_series s WHERE s.guild_id = ? AND ("
        "(s.rrule IS NOT NULL AND (s.cancelled_at IS NULL OR s.cancelled_at > ?)) OR (s.rrule IS NULL AND EXISTS ("
        "SELECT 1 FROM meeting_occurrences o WHERE o.series_id = s.id AND o.ends_at > ?))) ORDER BY s.id",
        (guild_id, to_ts(since), to_ts(since)),
    )
    return [_series(r) for r in rows]


async def update_occurrence(db: Database, occurrence_id: int, **values: object) -> None:
    """Change columns of an occurrence (instants as Unix seconds)."""
    allowed = {
        "starts_at", "ends_at", "title", "agenda", "location", "location_channel_id", "status", "recurrence_local",
        "message_id", "thread_id", "event_id", "event_note", "archived",
    }
    if not values or set(values) - allowed:
        raise ValueError(f"bad occurrence columns {sorted(values)}")
    sets = ", ".join(f"{k} = ?" for k in values)
    await db.execute(f"UPDATE meeting_occurrences SET {sets} WHERE id = ?", (*values.values(), occurrence_id))


async def edit_occurrence(db: Database, occurrence_id: int, edit: OccurrenceEdit) -> None:
    """Store what an edit changes in one occurrence (nothing if it keeps every value); its
    :attr:`Occurrence.revision` grows by one when something changes."""
    values = _text_columns(edit.text)
    if edit.starts_at is not None:
        values["starts_at"] = to_ts(edit.starts_at)
    if edit.ends_at is not None:
        values["ends_at"] = to_ts(edit.ends_at)
    if edit.recurrence_local is not None:
        values["recurrence_local"] = edit.recurrence_local
    if values:
        await update_occurrence(db, occurrence_id, **values)
        await db.execute("UPDATE meeting_occurrences SET revision = revision + 1 WHERE id = ?", (occurrence_id,))


async def set_status(db: Database, occurrence_id: int, status: str, *, only_from: tuple[str, ...]) -> bool:
    """Move an occurrence to ``status`` if it is in one of ``only_from``; ``True`` if it moved.
    A cancel grows its :attr:`Occurrence.revision` (calendars are told); a start or an end does not."""
    marks = ", ".join("?" for _ in only_from)
    bump = int(status == "cancelled")
    changed = await db.execute_rowcount(
        f"UPDATE meeting_occurrences SET status = ?, revision = revision + ? WHERE id = ? AND status IN ({marks})",
        (status, bump, occurrence_id, *only_from),
    )
    return changed == 1


async def occurrences_with_status(db: Database, statuses: tuple[str, ...]) -> list[Occurrence]:
    """Every occurrence (all guilds) in one of ``statuses`` (scheduler loaders)."""
    marks = ", ".join("?" for _ in statuses)
    rows = await db.fetchall(_OCC_SELECT + f"WHERE o.status IN ({marks})", statuses)
    return [_occurrence(r) for r in rows]


async def unarchived_ended(db: Database) -> list[Occurrence]:
    """Ended occurrences whose thread is not archived yet (loader of the archive job)."""
    rows = await db.fetchall(_OCC_SELECT + "WHERE o.status = 'ended' AND o.archived = 0 AND o.thread_id IS NOT NULL")
    return [_occurrence(r) for r in rows]


# --- reminders -----------------------------------------------------------------------------


async def pending_reminders(db: Database) -> list[PendingReminder]:
    """Unsent reminders of scheduled occurrences (all guilds)."""
    rows = await db.fetchall(
        "SELECT r.occurrence_id, r.offset_s, o.starts_at FROM meeting_reminders r "
        "JOIN meeting_occurrences o ON o.id = r.occurrence_id "
        "WHERE r.sent_at IS NULL AND o.status = 'scheduled'"
    )
    return [PendingReminder(r["occurrence_id"], r["offset_s"], from_ts(r["starts_at"])) for r in rows]


async def reminder_offsets(db: Database, occurrence_id: int) -> list[int]:
    """The reminder offsets (seconds) of an occurrence, largest first."""
    rows = await db.fetchall(
        "SELECT offset_s FROM meeting_reminders WHERE occurrence_id = ? ORDER BY offset_s DESC", (occurrence_id,)
    )
    return [r[0] for r in rows]


async def get_reminder(db: Database, occurrence_id: int, offset_s: int) -> Reminder | None:
    """One reminder of an occurrence, or ``None``."""
    row = await db.fetchone(
        "SELECT * FROM meeting_reminders WHERE occurrence_id = ? AND offset_s = ?", (occurrence_id, offset_s)
    )
    if row is None:
        return None
    return Reminder(
        occurrence_id=row["occurrence_id"],
        offset_s=row["offset_s"],
        sent_at=None if row["sent_at"] is None else from_ts(row["sent_at"]),
        late=bool(row["late"]),
        dm_sent=row["dm_sent"],
        dm_failed=row["dm_failed"],
    )


async def mark_reminder(
    db: Database, occurrence_id: int, offset_s: int, *, sent_at: datetime, late: bool, dm_sent: int, dm_failed: int
) -> None:
    """Record that a reminder went out (or was dropped: ``dm_sent`` and ``dm_failed`` 0, ``late`` 2)."""
    await db.execute(
        "UPDATE meeting_reminders SET sent_at = ?, late = ?, dm_sent = ?, dm_failed = ? "
        "WHERE occurrence_id = ? AND offset_s = ?",
        (to_ts(sent_at), int(late), dm_sent, dm_failed, occurrence_id, offset_s),
    )


async def reminder_totals(db: Database, occurrence_id: int) -> ReminderTotals:
    """An occurrence's reminders sent so far and their DMs delivered and failed."""
    row = await db.fetchone(
        "SELECT COUNT(sent_at) AS sent, COALESCE(SUM(dm_sent), 0) AS delivered, COALESCE(SUM(dm_failed), 0) AS failed "
        "FROM meeting_reminders WHERE occurrence_id = ?",
        (occurrence_id,),
    )
    if row is None:  # pragma: no cover - an aggregate always returns one row
        return ReminderTotals()
    return ReminderTotals(int(row["sent"]), int(row["delivered"]), int(row["failed"]))


async def reset_reminders(db: Database, occurrence_id: int) -> None:
    """Mark every reminder of an occurrence unsent (the meeting was moved)."""
    await db.execute(
        "UPDATE meeting_reminders SET sent_at = NULL, late = 0, dm_sent = 0, dm_failed = 0 WHERE occurrence_id = ?",
        (occurrence_id,),
    )


# --- RSVPs ---------------------------------------------------------------------------------


async def set_rsvp(db: Database, occurrence_id: int, user_id: int, status: str, now: datetime) -> None:
    """Record or change a member's answer (their remind-me choice is kept)."""
    await db.execute(
        "INSERT INTO meeting_rsvps (occurrence_id, user_id, status, remind, updated_at) VALUES (?, ?, ?, 0, ?) "
        "ON CONFLICT (occurrence_id, user_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at",
        (occurrence_id, user_id, status, to_ts(now)),
    )


async def set_remind(db: Database, occurrence_id: int, user_id: int, remind: bool, now: datetime) -> None:
    """Set a member's remind-me choice (an RSVP row must exist)."""
    await db.execute(
        "UPDATE meeting_rsvps SET remind = ?, updated_at = ? WHERE occurrence_id = ? AND user_id = ?",
        (int(remind), to_ts(now), occurrence_id, user_id),
    )


async def get_rsvp(db: Database, occurrence_id: int, user_id: int) -> Rsvp | None:
    """A member's answer, or ``None``."""
    row = await db.fetchone(
        "SELECT * FROM meeting_rsvps WHERE occurrence_id = ? AND user_id = ?", (occurrence_id, user_id)
    )
    return None if row is None else Rsvp(row["occurrence_id"], row["user_id"], row["status"], bool(row["remind"]))


async def rsvps(db: Database, occurrence_id: int) -> list[Rsvp]:
    """Every answer to an occurrence, oldest change first."""
    rows = await db.fetchall(
        "SELECT * FROM meeting_rsvps WHERE occurrence_id = ? ORDER BY updated_at, user_id", (occurrence_id,)
    )
    return [Rsvp(r["occurrence_id"], r["user_id"], r["status"], bool(r["remind"])) for r in rows]


async def rsvps_of_user(db: Database, user_id: int, occurrence_ids: list[int]) -> dict[int, Rsvp]:
    """A member's answers to some occurrences, by occurrence id."""
    if not occurrence_ids:
        return {}
    marks = ", ".join("?" for _ in occurrence_ids)
    rows = await db.fetchall(
        f"SELECT * FROM meeting_rsvps WHERE user_id = ? AND occurrence_id IN ({marks})", (user_id, *occurrence_ids)
    )
    return {r["occurrence_id"]: Rsvp(r["occurrence_id"], r["user_id"], r["status"], bool(r["remind"])) for r in rows}


# --- topics --------------------------------------------------------------------------------


async def insert_topic(db: Database, occurrence_id: int, author_id: int, text: str, now: datetime) -> int:
    """Store a proposed topic; returns its id."""
    return await db.execute(
        "INSERT INTO meeting_topics (occurrence_id, author_id, text, created_at) VALUES (?, ?, ?, ?)",
        (occurrence_id, author_id, text, to_ts(now)),
    )


async def set_topic_message(db: Database, topic_id: int, message_id: int) -> None:
    """Remember the thread message that shows a topic."""
    await db.execute("UPDATE meeting_topics SET message_id = ? WHERE id = ?", (message_id, topic_id))


async def delete_topic(db: Database, topic_id: int) -> None:
    """Forget a topic (its post failed)."""
    await db.execute("DELETE FROM meeting_topics WHERE id = ?", (topic_id,))


_TOPIC_SELECT = (
    "SELECT t.id, t.occurrence_id, t.author_id, t.text, t.message_id, t.created_at, "
    "(SELECT COUNT(*) FROM meeting_topic_votes v WHERE v.topic_id = t.id) AS votes FROM meeting_topics t "
)


async def get_topic(db: Database, topic_id: int) -> Topic | None:
    """One topic with its votes, or ``None``."""
    row = await db.fetchone(_TOPIC_SELECT + "WHERE t.id = ?", (topic_id,))
    return None if row is None else Topic(*row)


async def topics(db: Database, occurrence_id: int) -> list[Topic]:
    """Every topic of an occurrence with its votes."""
    rows = await db.fetchall(_TOPIC_SELECT + "WHERE t.occurrence_id = ? ORDER BY t.id", (occurrence_id,))
    return [Topic(*r) for r in rows]


async def toggle_vote(db: Database, topic_id: int, user_id: int) -> bool:
    """Add the member's vote, or take it back if present; ``True`` when the vote now exists."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "DELETE FROM meeting_topic_votes WHERE topic_id = ? AND user_id = ?", (topic_id, user_id)
        )
        removed = cursor.rowcount
        await cursor.close()
        if removed:
            return False
        await conn.execute("INSERT INTO meeting_topic_votes (topic_id, user_id) VALUES (?, ?)", (topic_id, user_id))
        return True
