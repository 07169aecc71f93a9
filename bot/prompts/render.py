"""How the weekly prompts look: replies to moderators and members as discord-free
:class:`~bot.ports.OutMessage` descriptions (rendered by ``cogs/_ui.py``).

Prompt text goes through :func:`bot.text.plain` (it pings nobody and shows as typed) and
is shortened with "…" where Discord caps it (embed field 1,024, description 4,096, button
label 80); the database keeps it whole.
"""

from __future__ import annotations

from bot.clock import to_ts
from bot.i18n import t
from bot.ports import Button, Embed, EmbedField, File, OutMessage
from bot.prompts.rules import THEMES
from bot.prompts.service import (
    THEME_COLORS,
    ImportReport,
    NextInfo,
    PromptPage,
    StatsReport,
    theme_label,
)
from bot.prompts.store import Suggestion
from bot.text import plain, shorten

LIST_ID = "cercle:prompts:list:{theme}:{page}"
REVIEW_ID = "cercle:prompts:review:{suggestion}:{action}"
LINE_TEXT = 180
FIELD_MAX = 1024
DESCRIPTION_MAX = 4096
COLOR = 0x5865F2


def list_custom_id(theme: str | None, page: int) -> str:
    """Persistent ``custom_id`` of a list page button (≤ 100 chars: Discord)."""
    return LIST_ID.format(theme=theme or "all", page=page)


def review_custom_id(suggestion_id: int, action: str) -> str:
    """Persistent ``custom_id`` of an Approve/Reject button (``action``: ``approve``/``reject``)."""
    return REVIEW_ID.format(suggestion=suggestion_id, action=action)


def _themes_text(themes: tuple[str, ...], locale: str) -> str:
    if tuple(themes) == THEMES:
        return t(locale, "prompts.ui.all_themes")
    return ", ".join(theme_label(locale, x) for x in themes)


def _lines_within(lines: list[str], limit: int, locale: str) -> str:
    out: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        more = t(locale, "prompts.ui.more", count=len(lines) - index)
        if used + len(line) + 1 > limit - len(more) - 1:
            out.append(more)
            break
        out.append(line)
        used += len(line) + 1
    return "\n".join(out)


def render_next(info: NextInfo, locale: str) -> OutMessage:
    """``/prompt next``: schedule, next dates, the prompt that will be posted, weeks not posted."""
    schedule = info.schedule
    if schedule is None:
        return OutMessage(content=t(locale, "prompts.ui.next.none"))
    fields = [
        EmbedField(
            t(locale, "prompts.ui.next.when"),
            t(locale, "prompts.ui.next.every", weekday=t(locale, f"prompts.weekday.{schedule.weekday}"),
              time=schedule.local_time, timezone=schedule.timezone),
        ),
        EmbedField(t(locale, "prompts.ui.next.channel"), f"<#{info.channel_id}>" if info.channel_id else "—", True),
        EmbedField(t(locale, "prompts.ui.next.themes"), _themes_text(schedule.themes, locale), True),
        EmbedField(
            t(locale, "prompts.ui.next.ping"), f"<@&{schedule.ping_role_id}>" if schedule.ping_role_id else "—", True
        ),
    ]
    if schedule.paused:
        fields.append(EmbedField(t(locale, "prompts.ui.next.dates"), t(locale, "prompts.ui.next.paused")))
    else:
        dates = "\n".join(f"<t:{to_ts(d)}:F> (<t:{to_ts(d)}:R>)" for d in info.dates)
        fields.append(EmbedField(t(locale, "prompts.ui.next.dates"), dates or "—"))
    if info.prompt is not None:
        value = f"**{theme_label(locale, info.prompt.theme)}** · #{info.prompt.id}\n{plain(info.prompt.text)}"
        fields.append(EmbedField(t(locale, "prompts.ui.next.prompt"), shorten(value, FIELD_MAX)))
    else:
        fields.append(EmbedField(t(locale, "prompts.ui.next.prompt"), t(locale, "prompts.ui.next.no_prompt")))
    if info.not_posted:
        lines = [
            f"{p.week} · <t:{p.due_at}:d> · {t(locale, f'prompts.ui.status.{p.status}')}" for p in info.not_posted
        ]
        fields.append(EmbedField(t(locale, "prompts.ui.next.not_posted"), shorten("\n".join(lines), FIELD_MAX)))
    return OutMessage(embeds=(Embed(title=t(locale, "prompts.ui.next.title"), fields=tuple(fields), color=COLOR),))


def render_list(page: PromptPage, theme: str | None, locale: str) -> OutMessage:
    """``/prompt list``: one page of 10 prompts with their numbers, and ◀ ▶ buttons."""
    scope = theme_label(locale, theme) if theme else t(locale, "prompts.ui.all_themes")
    title = t(locale, "prompts.ui.list.title", scope=scope, page=page.page, pages=page.pages)
    if not page.items:
        return OutMessage(content=t(locale, "prompts.ui.list.empty"))
    lines = [
        f"`#{p.id}` **{theme_label(locale, p.theme)}** · {shorten(plain(p.text), LINE_TEXT)}" for p in page.items
    ]
    embed = Embed(
        title=title, description=_lines_within(lines, DESCRIPTION_MAX, locale),
        footer=t(locale, "prompts.ui.list.footer", total=page.total), color=COLOR,
    )
    buttons: tuple[Button, ...] = ()
    if page.pages > 1:
        buttons = (
            Button(list_custom_id(theme, page.page - 1), t(locale, "prompts.ui.previous"), disabled=page.page <= 1),
            Button(list_custom_id(theme, page.page + 1), t(locale, "prompts.ui.next_page"),
                   disabled=page.page >= page.pages),
        )
    return OutMessage(embeds=(embed,), components=buttons)


def render_import(report: ImportReport, filename: str, locale: str) -> OutMessage:
    """``/prompt import``: counts, then the duplicate and rejected lines with their reasons."""
    fields = [EmbedField(t(locale, "prompts.ui.import.added", count=len(report.added)),
                         shorten(", ".join(f"#{p.id}" for p in report.added), FIELD_MAX) or "—")]
    dup_lines = [t(locale, "prompts.ui.import.line", line=line, text=plain(text)) for line, text in report.duplicates]
    fields.append(EmbedField(t(locale, "prompts.ui.import.duplicates", count=len(report.duplicates)),
                             _lines_within(dup_lines, FIELD_MAX, locale) or "—"))
    bad_lines = [
        t(locale, "prompts.ui.import.rejected_line", line=r.line, reason=t(locale, r.key, **r.params),
          text=plain(r.excerpt) or "—")
        for r in report.rejected
    ]
    fields.append(EmbedField(t(locale, "prompts.ui.import.rejected", count=len(report.rejected)),
                             _lines_within(bad_lines, FIELD_MAX, locale) or "—"))
    title = t(locale, "prompts.ui.import.title", filename=shorten(plain(filename), 100))
    return OutMessage(embeds=(Embed(title=title, fields=tuple(fields), color=COLOR),))


def render_review(pending: list[Suggestion], total: int, locale: str, notice: str | None = None) -> OutMessage:
    """``/prompt review``: up to 5 pending suggestions, each with Approve / Reject buttons
    (one row each: Discord allows 5 rows). ``notice`` reports the last decision."""
    if not pending:
        text = t(locale, "prompts.ui.review.empty")
        return OutMessage(content=f"{notice}\n{text}" if notice else text)
    fields = tuple(
        EmbedField(
            t(locale, "prompts.ui.review.entry", id=s.id, theme=theme_label(locale, s.theme), author=s.author_id,
              ts=s.created_at),
            shorten(plain(s.text), FIELD_MAX),
        )
        for s in pending[:5]
    )
    buttons: list[Button] = []
    for row, s in enumerate(pending[:5]):
        buttons.append(Button(review_custom_id(s.id, "approve"), t(locale, "prompts.ui.review.approve", id=s.id),
                              style="success", row=row))
        buttons.append(Button(review_custom_id(s.id, "reject"), t(locale, "prompts.ui.review.reject", id=s.id),
                              style="danger", row=row))
    embed = Embed(title=t(locale, "prompts.ui.review.title", count=total), fields=fields, color=COLOR)
    return OutMessage(content=notice, embeds=(embed,), components=tuple(buttons))


def decision_notice(locale: str, suggestion_id: int, approved: bool, prompt_id: int | None, dm_delivered: bool) -> str:
    """One line telling the moderator what their click did and whether the author heard of it."""
    first = (
        t(locale, "prompts.ui.review.approved", id=suggestion_id, prompt=prompt_id)
        if approved else t(locale, "prompts.ui.review.rejected", id=suggestion_id)
    )
    return first + " " + t(locale, "prompts.ui.review.dm_ok" if dm_delivered else "prompts.ui.review.dm_closed")


def render_stats(report: StatsReport, locale: str) -> OutMessage:
    """``/prompt stats``: per theme and per prompt (replies, distinct participants — counts only,
    no names), with the PNG chart attached and shown in the embed."""
    if not report.posts:
        return OutMessage(content=t(locale, "prompts.ui.stats.empty", weeks=report.weeks))
    theme_lines = [
        f"**{theme_label(locale, s.theme)}** — "
        + t(locale, "prompts.ui.stats.theme_line", posts=s.posts, replies=s.replies, participants=s.participants)
        for s in report.themes
    ]
    post_lines = [
        f"<t:{to_ts(p.posted_at)}:d> · **{theme_label(locale, p.theme)}** · "
        + t(locale, "prompts.ui.stats.post_line", replies=p.replies, participants=p.participants)
        + f" — {shorten(plain(p.text), 80)}"
        for p in reversed(report.posts)
    ]
    fields = (
        EmbedField(t(locale, "prompts.ui.stats.by_theme"), _lines_within(theme_lines, FIELD_MAX, locale)),
    )
    embed = Embed(
        title=t(locale, "prompts.ui.stats.title", weeks=report.weeks),
        description=_lines_within(post_lines, 3000, locale),
        fields=fields,
        image="prompt-stats.png" if report.chart else None,
        color=THEME_COLORS["features"],
    )
    files = (File("prompt-stats.png", report.chart, t(locale, "prompts.stats.chart_title")),) if report.chart else ()
    return OutMessage(embeds=(embed,), files=files)
