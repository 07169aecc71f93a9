"""Messages of the feedback feature as discord-free :mod:`bot.ports` dataclasses.

Everything a member wrote goes through :func:`bot.text.plain` before it is shown (mentions,
``@everyone``, masked links and code blocks come out as plain text) and is cut to Discord's
limits with "…" (embed description 4096, field 1024, total 6000: docs/architecture.md, "Discord facts"). Texts
too long for the embeds go, complete, into an attached ``.txt`` file.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.anonymity import MIN_THRESHOLD
from bot.feedback import components, rules
from bot.feedback.digest_store import Digest, DigestResult, DigestReview
from bot.feedback.rules import CampaignReport, ContinuousReport, PainPoints, Question, SpontaneousItem
from bot.feedback.store import Campaign
from bot.i18n import t
from bot.ports import Button, Embed, EmbedField, File, OutMessage
from bot.text import plain, plain_label, shorten

COLOR = 0x5B8DEF
TEXTS_BUDGET = 3500
"""Characters of free text shown inside a report's embeds; the rest goes in the .txt file."""


def _ts(ts: int, style: str = "F") -> str:
    return f"<t:{int(ts)}:{style}>"


def choice_label(campaign: Campaign) -> str:
    """Autocomplete label: ``#id · title · open/closed`` (≤ 100 chars, Discord's choice limit)."""
    status = "open" if campaign.is_open else "closed"
    return plain_label(f"#{campaign.id} · {campaign.title} · {status}", 100)


def answer_button(campaign_id: int, locale: str) -> Button:
    """The "Answer anonymously" button of a campaign."""
    return Button(components.ANSWER.build(campaign=campaign_id), t(locale, "feedback.button.answer"), style="primary")


def replace_button(campaign_id: int, locale: str) -> Button:
    """The "Replace my answer" button (asks for the receipt code)."""
    return Button(components.REPLACE.build(campaign=campaign_id), t(locale, "feedback.button.replace"), style="secondary")


def give_button(guild_id: int, locale: str, category: str = "other") -> Button:
    """The DM offer's button opening the feedback modal."""
    return Button(components.GIVE.build(guild=guild_id, category=category), t(locale, "feedback.button.give"), style="primary")


def _questions_list(questions: Sequence[Question], locale: str) -> str:
    lines = []
    for q in questions:
        kind = t(locale, "feedback.kind.rating") if q.is_rating else t(locale, "feedback.kind.text")
        lines.append(f"{q.position}. {plain(q.prompt)} ({kind})")
    return "\n".join(lines)


def anonymity_line(locale: str, threshold: int) -> str:
    """The one-line promise of receipts, invitations and the DM offer (the full statement is
    :func:`threat_model`, behind ``/feedback about``): ``threshold`` floored at 3."""
    return t(locale, "feedback.anonymity_line", k=max(threshold, MIN_THRESHOLD))


def threat_model(locale: str, threshold: int) -> str:
    """The plain-words threat model (docs/anonymity.md, "Threat model"), with the club's threshold *k*."""
    return t(locale, "feedback.threat_model", k=max(threshold, MIN_THRESHOLD))


def invitation(campaign: Campaign, questions: Sequence[Question], locale: str, threshold: int = 5) -> OutMessage:
    """The DM inviting a member to a campaign or survey, with the answer button."""
    description = t(
        locale,
        "feedback.invite.body",
        questions=_questions_list(questions, locale),
        closes=_ts(campaign.closes_at),
        relative=_ts(campaign.closes_at, "R"),
    )
    embed = Embed(
        title=shorten(plain(campaign.title), 256),
        description=shorten(description + "\n\n" + anonymity_line(locale, threshold), 4096),
        color=COLOR,
    )
    return OutMessage(embeds=(embed,), components=(answer_button(campaign.id, locale),))


def announcement(campaign: Campaign, questions: Sequence[Question], locale: str, count: int | None = None) -> OutMessage:
    """The campaign's message in the feedback channel; once closed, no button and the count."""
    if campaign.is_open:
        body = t(
            locale,
            "feedback.announce.body",
            questions=_questions_list(questions, locale),
            closes=_ts(campaign.closes_at),
            relative=_ts(campaign.closes_at, "R"),
        )
        components: tuple[Button, ...] = (answer_button(campaign.id, locale),)
    else:
        body = t(locale, "feedback.announce.closed", count=count or 0)
        components = ()
    embed = Embed(title=shorten(plain(campaign.title), 256), description=shorten(body, 4096), color=COLOR)
    return OutMessage(embeds=(embed,), components=components)


def closed_note(campaign: Campaign, count: int, locale: str) -> OutMessage:
    """Posted in the feedback channel when a campaign closes (count only)."""
    return OutMessage(content=shorten(t(locale, "feedback.closed_note", title=plain(campaign.title), count=count), 2000))


def receipt(code: str, locale: str, *, replaced: bool = False) -> str:
    """The ephemeral reply after an answer: the receipt code, shown once."""
    if replaced:
        return t(locale, "feedback.replaced")
    return t(locale, "feedback.receipt", code=code)


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{round(100 * value)} %"


def _texts_block(texts: Sequence[str], budget: int) -> tuple[str, bool]:
    """Bulleted plain texts within ``budget`` characters; ``True`` when some were left out."""
    lines: list[str] = []
    used = 0
    for text in texts:
        line = "• " + plain(shorten(" ".join(text.split()), 600))
        if used + len(line) + 1 > budget:
            return "\n".join(lines), True
        lines.append(line)
        used += len(line) + 1
    return "\n".join(lines), False


def _texts_file(filename: str, sections: Sequence[tuple[str, Sequence[str]]]) -> File:
    out = []
    for heading, texts in sections:
        out.append(f"## {heading}\n")
        out.extend(f"- {text}\n" for text in texts)
        out.append("\n")
    return File(filename, "".join(out).encode("utf-8"))


def cohort_lines(locale: str, *, waiting: int, threshold: int, at_close: bool = False, unreleased: int = 0) -> list[str]:
    """What a view says of the answers it cannot show (docs/anonymity.md, "Cohorts"): how
    many wait for their release — at the close (``at_close``), or in the next group of at
    least ``threshold`` — and how many were destroyed unread at a close (``unreleased``)."""
    lines = []
    if waiting:
        key = "feedback.report.waiting_close" if at_close else "feedback.report.waiting"
        lines.append(t(locale, key, waiting=waiting, threshold=max(threshold, MIN_THRESHOLD)))
    if unreleased:
        lines.append(t(locale, "feedback.report.unreleased", count=unreleased, threshold=max(threshold, MIN_THRESHOLD)))
    return lines


def campaign_report(report: CampaignReport, locale: str, chart: bytes | None = None) -> OutMessage:
    """``/campaign report``: counts always; averages, NPS, chart and shuffled texts only
    when ``report.visible`` (the threshold is met), from released cohorts only."""
    status = t(locale, f"feedback.status.{report.status}")
    lines = [
        t(locale, "feedback.report.count", count=report.count, status=status),
        t(locale, "feedback.report.rate", invited=report.invited, rate=_percent(report.rate), failed=report.dm_failed),
        *cohort_lines(
            locale, waiting=report.waiting, threshold=report.threshold,
            at_close=report.release == "close" and report.status == "open", unreleased=report.unreleased,
        ),
    ]
    if not report.visible and (report.count or not report.waiting):
        lines.append(t(locale, "feedback.report.hidden", threshold=max(report.threshold, MIN_THRESHOLD), count=report.count))
    if not report.visible:
        embed = Embed(title=shorten(t(locale, "feedback.report.title", title=plain(report.title)), 256), description="\n".join(lines), color=COLOR)
        return OutMessage(embeds=(embed,))
    fields = []
    text_sections: list[tuple[str, Sequence[str]]] = []
    for stats in report.questions:
        name = shorten(f"{stats.question.position}. {plain(stats.question.prompt)}", 256)
        if stats.question.is_rating:
            nps = "–" if stats.nps is None else f"{stats.nps:+d}"
            key = "feedback.report.rating_line" if stats.question.is_nps else "feedback.report.rating_line_plain"
            value = t(locale, key, mean=rules.stars(stats.mean), nps=nps, answered=stats.answered)
        else:
            value = t(locale, "feedback.report.text_line", answered=stats.answered)
            text_sections.append((stats.question.prompt, stats.texts))
        fields.append(EmbedField(name, shorten(value, 1024)))
    embeds = [
        Embed(
            title=shorten(t(locale, "feedback.report.title", title=plain(report.title)), 256),
            description="\n".join(lines),
            fields=tuple(fields[:25]),
            color=COLOR,
            image="report.png" if chart else None,
        )
    ]
    files: list[File] = [File("report.png", chart)] if chart else []
    budget = TEXTS_BUDGET
    truncated = False
    for heading, texts in text_sections:
        if not texts or budget < 200:
            truncated = truncated or bool(texts)
            continue
        block, cut = _texts_block(texts, min(budget, 1800))
        truncated = truncated or cut
        budget -= len(block)
        embeds.append(Embed(title=shorten(plain(heading), 256), description=block or "–", color=COLOR))
    if any(texts for _, texts in text_sections):
        files.append(_texts_file(f"campaign-{report.campaign_id}-answers.txt", text_sections))
    content = t(locale, "feedback.report.file_note") if truncated else None
    return OutMessage(content=content, embeds=tuple(embeds[:10]), files=tuple(files))


def continuous_report(report: ContinuousReport, locale: str) -> OutMessage:
    """``/campaign report`` without a campaign: spontaneous feedback by category."""
    title = t(locale, "feedback.report.continuous_title")
    lines = [t(locale, "feedback.report.continuous_count", count=report.count)]
    lines += cohort_lines(locale, waiting=report.waiting, threshold=report.threshold)
    if not report.visible:
        if report.count or not report.waiting:
            lines.append(t(locale, "feedback.report.hidden", threshold=max(report.threshold, MIN_THRESHOLD), count=report.count))
        return OutMessage(embeds=(Embed(title=title, description="\n".join(lines), color=COLOR),))
    fields = []
    sections: list[tuple[str, Sequence[str]]] = []
    budget = TEXTS_BUDGET
    truncated = False
    for group in report.categories:
        label = t(locale, f"feedback.category.{group.category}")
        head = t(locale, "feedback.report.category_line", count=group.count, mean=rules.stars(group.mean_rating))
        block, cut = _texts_block(group.texts, min(budget, 1024 - len(head) - 2))
        budget -= len(block)
        truncated = truncated or cut
        fields.append(EmbedField(label, shorten(head + ("\n" + block if block else ""), 1024)))
        if group.texts:
            sections.append((label, group.texts))
    files = (_texts_file("feedback-answers.txt", sections),) if sections else ()
    embed = Embed(title=title, description="\n".join(lines), fields=tuple(fields), color=COLOR)
    content = t(locale, "feedback.report.file_note") if truncated else None
    return OutMessage(content=content, embeds=(embed,), files=files)


def pain_points(view: PainPoints, locale: str, chart: bytes | None) -> OutMessage:
    """The pain-points view: totals per category over the window, chart, and texts — below
    the threshold (``view.visible`` false) only the window's total count, no chart."""
    if not view.visible:
        lines = [t(locale, "feedback.pain.summary_hidden", weeks=len(view.weeks), total=view.total)]
        lines += cohort_lines(locale, waiting=view.waiting, threshold=view.threshold)
        if view.total or not view.waiting:
            lines.append(t(locale, "feedback.report.hidden", threshold=max(view.threshold, MIN_THRESHOLD), count=view.total))
        return OutMessage(embeds=(Embed(title=t(locale, "feedback.pain.title"), description="\n".join(lines), color=COLOR),))
    lines = [t(locale, "feedback.pain.summary", weeks=len(view.weeks), total=view.total, pain=view.pain_total)]
    fields = []
    for category, counts in view.counts.items():
        fields.append(EmbedField(t(locale, f"feedback.category.{category}"), str(sum(counts)), inline=True))
    embeds = [
        Embed(
            title=t(locale, "feedback.pain.title"),
            description="\n".join(lines),
            fields=tuple(fields),
            color=COLOR,
            image="painpoints.png" if chart else None,
        )
    ]
    files = [File("painpoints.png", chart)] if chart else []
    if view.texts:
        block, cut = _texts_block(view.texts, TEXTS_BUDGET)
        embeds.append(Embed(title=t(locale, "feedback.category.pain_point"), description=block, color=COLOR))
        files.append(_texts_file("pain-points.txt", [(t(locale, "feedback.category.pain_point"), view.texts)]))
    return OutMessage(embeds=tuple(embeds), files=tuple(files))


def digest(items: Sequence[SpontaneousItem], locale: str) -> list[OutMessage]:
    """The digest batch: one or more messages of embeds, entries in the given (shuffled) order.

    Each entry is a field: the category (and rating) as name, the plain text (≤ 900) as value.
    """
    entries = []
    for item in items:
        name = t(locale, f"feedback.category.{item.category}")
        if item.rating is not None:
            name += f" · {item.rating}/10"
        entries.append((name, plain(shorten(" ".join(item.body.split()), rules.DIGEST_ITEM_LIMIT)) or "–"))
    groups = rules.chunk_entries([f"{n}\x00{v}" for n, v in entries], per_message=20)
    messages = []
    for index, group in enumerate(groups, start=1):
        fields = tuple(EmbedField(entry.split("\x00", 1)[0], entry.split("\x00", 1)[1]) for entry in group)
        title = t(locale, "feedback.digest.title", count=len(items))
        if len(groups) > 1:
            title += f" ({index}/{len(groups)})"
        footer = t(locale, "feedback.digest.footer")
        messages.append(OutMessage(embeds=(Embed(title=title, fields=fields, footer=footer, color=COLOR),)))
    return messages


def campaign_line(campaign: Campaign, answers: int, locale: str) -> str:
    """One line of ``/campaign list``."""
    key = "feedback.list.open" if campaign.is_open else "feedback.list.closed"
    return t(
        locale,
        key,
        id=campaign.id,
        title=plain(shorten(campaign.title, 80)),
        answers=answers,
        invited=campaign.invited,
        failed=campaign.dm_failed,
        closes=_ts(campaign.closes_at, "R"),
        closed=_ts(campaign.closed_at or campaign.closes_at, "d"),
    )


REVIEW_PAGE_ENTRIES = 4
"""Texts per review page: one row of buttons each, the fifth row for the page's buttons
(Discord: 5 action rows)."""
REVIEW_PAGE_BUDGET = rules.EMBED_TOTAL_LIMIT - 600
"""Characters of text per review page (Discord: 6000 over a message's embeds)."""


def review_pages(review: DigestReview) -> list[list[int]]:
    """The entries of ``review`` split into pages: indices, at most
    :data:`REVIEW_PAGE_ENTRIES` and :data:`REVIEW_PAGE_BUDGET` characters a page."""
    pages: list[list[int]] = []
    used = 0
    for index, entry in enumerate(review.entries):
        size = len(plain(entry.item.body)) + 80
        if not pages or len(pages[-1]) >= REVIEW_PAGE_ENTRIES or used + size > REVIEW_PAGE_BUDGET:
            pages.append([])
            used = 0
        pages[-1].append(index)
        used += size
    return pages or [[]]


def _entry_title(locale: str, number: int, item: SpontaneousItem, held: bool) -> str:
    title = f"#{number} · " + t(locale, f"feedback.category.{item.category}")
    if item.rating is not None:
        title += f" · {item.rating}/10"
    return title + (" — " + t(locale, "feedback.review.held_mark") if held else "")


def digest_review(review: DigestReview, page: int, locale: str, notice: str | None = None) -> OutMessage:
    """A digest in review, page ``page`` (clamped): the header (texts, to post, held back),
    one embed per text (the full text, plain) with Approve / Hold back, and Previous / Next /
    Publish. Moderators only (ephemeral)."""
    pages = review_pages(review)
    page = max(0, min(page, len(pages) - 1))
    digest_id = review.digest.id
    header = t(locale, "feedback.review.header", id=digest_id, count=len(review.entries), approved=review.approved,
               held=len(review.entries) - review.approved, waiting=review.waiting)
    embeds: list[Embed] = []
    buttons: list[Button] = []
    for row, index in enumerate(pages[page]):
        entry = review.entries[index]
        embeds.append(Embed(title=_entry_title(locale, index + 1, entry.item, entry.held),
                            description=plain(entry.item.body) or "–", color=0x99AAB5 if entry.held else COLOR))
        buttons.append(Button(components.REVIEW_TEXT.build(digest=digest_id, action="approve", answer=entry.answer_id,
                                                           page=page),
                              t(locale, "feedback.review.approve", number=index + 1), style="success",
                              disabled=not entry.held, row=row))
        buttons.append(Button(components.REVIEW_TEXT.build(digest=digest_id, action="hold", answer=entry.answer_id,
                                                           page=page),
                              t(locale, "feedback.review.hold", number=index + 1), style="danger",
                              disabled=entry.held, row=row))
    last = REVIEW_PAGE_ENTRIES
    if page > 0:
        buttons.append(Button(components.REVIEW.build(digest=digest_id, action="page", page=page - 1),
                              t(locale, "feedback.review.previous"), row=last))
    if page + 1 < len(pages):
        buttons.append(Button(components.REVIEW.build(digest=digest_id, action="page", page=page + 1),
                              t(locale, "feedback.review.next", page=page + 2, pages=len(pages)), row=last))
    buttons.append(Button(components.REVIEW.build(digest=digest_id, action="publish", page=0),
                          t(locale, "feedback.review.publish", approved=review.approved), style="primary", row=last))
    content = header if notice is None else f"{notice}\n{header}"
    return OutMessage(content=content, embeds=tuple(embeds), components=tuple(buttons))


def review_notice(digest: Digest, feedback_channel_id: int | None, locale: str) -> OutMessage:
    """The moderators' channel notice of a digest waiting for review, with a button opening
    the review privately (no text of the digest in it)."""
    channel = f"<#{feedback_channel_id}>" if feedback_channel_id else t(locale, "feedback.review.no_channel")
    return OutMessage(
        content=t(locale, "feedback.review.notice", id=digest.id, count=digest.count, channel=channel),
        components=(Button(components.REVIEW.build(digest=digest.id, action="open", page=0),
                           t(locale, "feedback.review.open"), style="primary"),),
    )


def digest_outcome(result: DigestResult, channel_id: int | None, locale: str) -> str:
    """The moderator's one line after ``/campaign digest`` or Publish."""
    if result.posted:
        text = t(locale, "feedback.digest.posted", count=result.posted, channel=f"<#{channel_id}>")
        return text + (" " + t(locale, "feedback.digest.held", held=result.held) if result.held else "")
    if result.held:
        return t(locale, "feedback.digest.all_held", held=result.held)
    return t(locale, "feedback.digest.waiting", pending=result.pending, threshold=result.threshold)
