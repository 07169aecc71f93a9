"""How the weekly prompts look: replies to moderators and members as discord-free
:class:`~bot.ports.OutMessage` descriptions (rendered by ``cogs/_ui.py``).

Prompt text goes through :func:`bot.text.plain` (it pings nobody and shows as typed) and
is shortened with "…" where Discord caps it (embed field 1,024, description 4,096, button
label 80); the database keeps it whole.
"""

from __future__ import annotations

from bot.clock import to_ts
from bot.custom_ids import ID, SIGNED, WORD, CustomId, choice
from bot.i18n import t
from bot.ports import Button, Embed, EmbedField, File, OutMessage
from bot.prompts.results import ImportReport, NextInfo, PromptPage, StatsReport
from bot.prompts.rules import THEMES
from bot.prompts.store import Prompt, Suggestion
from bot.text import plain, shorten

LIST_ID = CustomId("cercle:prompts:list:{theme}:{page}", theme=WORD, page=SIGNED)
"""◀ / ▶ of ``/prompt list``: the theme key (``all`` for every theme) and the page to show
(``page - 1`` may be 0 on the first page, where the button is disabled)."""
REVIEW_ID = CustomId(
    "cercle:prompts:review:{suggestion}:{action}", suggestion=ID, action=choice("approve", "reject")
)
"""Approve / Reject of ``/prompt review``: the suggestion id and the decision."""
MODAL_ID = CustomId("cercle:prompts:modal:{form}", form=choice("suggest", "add", "edit"))
"""The text form of ``/prompts suggest``, ``/prompt add`` and ``/prompt edit`` (its state
lives in the open form, not in the id)."""
ALL_THEMES = "all"
"""The ``theme`` of :data:`LIST_ID` when the listing is not limited to one theme."""
LINE_TEXT = 180
FIELD_MAX = 1024
DESCRIPTION_MAX = 4096
COLOR = 0x5865F2
THEME_COLORS = {
    "features": 0x5865F2,
    "practice": 0x57F287,
    "pain_points": 0xED4245,
    "roadmap": 0xFEE75C,
    "community": 0xEB459E,
}


def theme_label(locale: str, theme: str) -> str:
    """The theme's name in ``locale``."""
    return t(locale, f"prompts.theme.{theme}")


def list_theme(value: str) -> str | None:
    """The theme of a clicked :data:`LIST_ID` (``None``: every theme)."""
    return value if value in THEMES else None


def render_post(locale: str, prompt: Prompt, ping_role_id: int | None) -> OutMessage:
    """The prompt message: an embed titled with its theme, the text neutralised (it can ping
    nobody and shows as typed), and the opt-in role ping when configured."""
    embed = Embed(
        title=t(locale, "prompts.post.title", theme=theme_label(locale, prompt.theme)),
        description=plain(prompt.text),
        footer=t(locale, "prompts.post.footer"),
        color=THEME_COLORS.get(prompt.theme),
    )
    if ping_role_id:
        return OutMessage(content=f"<@&{ping_role_id}>", embeds=(embed,), ping_role_ids=(ping_role_id,))
    return OutMessage(embeds=(embed,))


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
            Button(LIST_ID.build(theme=theme or ALL_THEMES, page=page.page - 1), t(locale, "prompts.ui.previous"),
                   disabled=page.page <= 1),
            Button(LIST_ID.build(theme=theme or ALL_THEMES, page=page.page + 1), t(locale, "prompts.ui.next_page"),
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
        buttons.append(Button(REVIEW_ID.build(suggestion=s.id, action="approve"),
                              t(locale, "prompts.ui.review.approve", id=s.id), style="success", row=row))
        buttons.append(Button(REVIEW_ID.build(suggestion=s.id, action="reject"),
                              t(locale, "prompts.ui.review.reject", id=s.id), style="danger", row=row))
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
