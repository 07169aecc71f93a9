"""Pure rules of anonymous feedback: limits, questions, ratings, aggregates, digests.

No I/O here (no discord, no aiosqlite). Where a limit comes from is said next to it:
Discord's limits are in docs/architecture.md, "Discord facts"; anonymity rules in docs/anonymity.md.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.anonymity import effective_threshold, meets_threshold, readable
from bot.errors import InvalidInput, check_length

CATEGORIES: tuple[str, ...] = ("pain_point", "feature_request", "praise", "question", "other")
"""Categories of spontaneous feedback, in display order."""

TITLE_LIMIT = 100
"""Campaign title: shown as embed title (256) and, shortened, as modal title (45)."""
QUESTION_LIMIT = 100
"""A question is a text input's placeholder in the form: Discord caps placeholders at 100."""
MAX_QUESTIONS = 4
"""Discord modals hold 5 components; the replace form needs one for the receipt code."""
TEXT_LIMIT = 2000
"""Free-text answers: ≤ 2000 so one answer always fits a Discord message (design decision)."""
RATING_MIN, RATING_MAX = 0, 10
RATING_PREFIX = re.compile(r"^\s*0\s*[-–—]\s*10\s*:\s*", re.IGNORECASE)
NPS_WORDING = re.compile(r"\brecomm[ae]nd|\bNPS\b", re.IGNORECASE)
"""How a 0–10 question reads when it is the Net Promoter question: "would you recommend…",
"recommanderiez-vous…" (or names the NPS)."""
MODAL_TITLE_LIMIT = 45
"""Discord: modal title ≤ 45 characters."""
LABEL_LIMIT = 45
"""Discord: text input label ≤ 45 characters."""
FIELD_VALUE_LIMIT = 1024
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_TOTAL_LIMIT = 6000
DIGEST_ITEM_LIMIT = 900
"""One digest entry is cut at 900 characters so it fits one embed field (1024) with its header."""


@dataclass(frozen=True)
class Question:
    """One campaign question: ``position`` (1-based), ``kind`` ``"rating"`` (0–10) or ``"text"``."""

    position: int
    kind: str
    prompt: str

    @property
    def is_rating(self) -> bool:
        """Whether the question takes a 0–10 rating."""
        return self.kind == "rating"

    @property
    def is_nps(self) -> bool:
        """Whether it is the Net Promoter question (a 0–10 rating asking whether one would
        recommend, :data:`NPS_WORDING`): only it gets an NPS score and the NPS colours."""
        return self.is_rating and NPS_WORDING.search(self.prompt) is not None


def validate_title(title: str) -> str:
    """The stripped title, or ``InvalidInput`` (field ``feedback_title``, limit 100)."""
    return check_length("feedback_title", title, TITLE_LIMIT)


def validate_category(category: str | None) -> str:
    """A category of :data:`CATEGORIES` (``None``/empty → ``"other"``), else ``InvalidInput``."""
    value = (category or "other").strip().lower()
    if value not in CATEGORIES:
        raise InvalidInput("feedback.error.category", field="feedback_category", allowed=", ".join(CATEGORIES))
    return value


def parse_questions(raw: Iterable[str | None]) -> tuple[Question, ...]:
    """Moderator-typed questions → :class:`Question` tuple (empty entries skipped).

    A question starting with ``0-10:`` is a 0–10 rating (the prefix is removed), others are
    free text. Raises ``InvalidInput``: no question (field ``feedback_questions``), more than
    4, or a question over 100 characters (field ``feedback_question_N``).
    """
    questions: list[Question] = []
    texts = [q for q in raw if q and q.strip()]
    if not texts:
        raise InvalidInput("error.required", field="feedback_questions")
    if len(texts) > MAX_QUESTIONS:
        raise InvalidInput("feedback.error.too_many_questions", field="feedback_questions", limit=MAX_QUESTIONS)
    for index, text in enumerate(texts, start=1):
        kind = "text"
        prompt = text.strip()
        if RATING_PREFIX.match(prompt):
            kind = "rating"
            prompt = RATING_PREFIX.sub("", prompt, count=1)
        prompt = check_length(f"feedback_question_{index}", " ".join(prompt.split()), QUESTION_LIMIT)
        questions.append(Question(index, kind, prompt))
    return tuple(questions)


def parse_rating(value: str | int | None, *, field: str, required: bool = False) -> int | None:
    """A typed rating → ``int`` in 0..10, ``None`` when empty and not ``required``.

    Raises ``InvalidInput`` naming ``field`` (``error.not_number`` / ``error.out_of_range``
    / ``error.required``). The typed value is never echoed (it is anonymous content).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput("error.required", field=field)
        return None
    if isinstance(value, int):
        number = value
    else:
        text = value.strip().replace("/10", "").strip()
        if not re.fullmatch(r"[+-]?\d{1,3}", text):
            raise InvalidInput("error.not_number", field=field)
        number = int(text)
    if not RATING_MIN <= number <= RATING_MAX:
        raise InvalidInput("error.out_of_range", field=field, minimum=RATING_MIN, maximum=RATING_MAX)
    return number


def validate_text(value: str | None, *, field: str, required: bool) -> str | None:
    """A free-text answer stripped, ≤ 2000 characters; ``None`` when empty and optional."""
    text = (value or "").strip()
    if not text:
        if required:
            raise InvalidInput("error.required", field=field)
        return None
    if len(text) > TEXT_LIMIT:
        raise InvalidInput("error.too_long", field=field, limit=TEXT_LIMIT, length=len(text))
    return text


@dataclass(frozen=True)
class AnswerValue:
    """One question's value in an answer: ``rating`` (0–10) or ``body`` (text), either may be ``None``."""

    position: int
    rating: int | None = None
    body: str | None = None


def validate_answer(questions: Sequence[Question], values: Sequence[str | None]) -> tuple[AnswerValue, ...]:
    """Check a submitted form: one value per question (ratings 0–10, texts ≤ 2000).

    Every question is optional but at least one must be answered (``error.required`` on
    field ``feedback_answer``). Fields are named by the question's position
    (``feedback_question_N``) so errors never quote the answer.
    """
    out: list[AnswerValue] = []
    padded = list(values) + [None] * (len(questions) - len(values))
    for question, raw in zip(questions, padded, strict=False):
        name = f"feedback_question_{question.position}"
        if question.is_rating:
            out.append(AnswerValue(question.position, rating=parse_rating(raw, field=name)))
        else:
            out.append(AnswerValue(question.position, body=validate_text(raw, field=name, required=False)))
    if all(v.rating is None and v.body is None for v in out):
        raise InvalidInput("error.required", field="feedback_answer")
    return tuple(out)


# --- aggregates -------------------------------------------------------------------------


def mean(values: Sequence[int]) -> float | None:
    """Arithmetic mean, ``None`` for no values."""
    return sum(values) / len(values) if values else None


def nps(values: Sequence[int]) -> int | None:
    """Net Promoter Score of 0–10 ratings: % of 9–10 minus % of 0–6, rounded, in −100..100."""
    if not values:
        return None
    promoters = sum(1 for v in values if v >= 9)
    detractors = sum(1 for v in values if v <= 6)
    return round(100 * (promoters - detractors) / len(values))


def distribution(values: Iterable[int]) -> list[int]:
    """Counts of each rating 0..10 (a list of 11 ints)."""
    counts = Counter(values)
    return [counts.get(i, 0) for i in range(RATING_MIN, RATING_MAX + 1)]


@dataclass(frozen=True)
class QuestionStats:
    """Aggregates of one question: ``answered`` count, ``mean``/``nps``/``distribution`` for
    ratings, ``texts`` (shuffled) for free text — texts empty when below the threshold."""

    question: Question
    answered: int
    mean: float | None = None
    nps: int | None = None
    distribution: tuple[int, ...] = ()
    texts: tuple[str, ...] = ()


@dataclass(frozen=True)
class CampaignReport:
    """What moderators may see of a campaign.

    ``count`` is the released answers (whole cohorts, docs/anonymity.md, "Cohorts");
    ``visible`` is ``False`` below the club's anonymity threshold: then ``questions`` is
    empty and only ``count`` (and ``invited``/``rate``) are known (docs/anonymity.md, "The anonymity threshold").
    """

    campaign_id: int
    title: str
    status: str
    count: int
    invited: int
    threshold: int
    visible: bool
    questions: tuple[QuestionStats, ...] = ()
    dm_failed: int = 0
    waiting: int = 0
    """Answers given but not released yet: counted, never shown (docs/anonymity.md, "Cohorts")."""
    unreleased: int = 0
    """Answers destroyed unread at the close (fewer than k were waiting)."""
    release: str = "close"

    @property
    def rate(self) -> float | None:
        """Response rate (0..1) against the members invited — every answer given, released or
        waiting — ``None`` when nobody was invited."""
        return (self.count + self.waiting + self.unreleased) / self.invited if self.invited else None


def campaign_report(
    *,
    campaign_id: int,
    title: str,
    status: str,
    questions: Sequence[Question],
    answers: Sequence[Sequence[AnswerValue]],
    invited: int,
    threshold: int,
    dm_failed: int = 0,
    rng: random.Random | None = None,
    waiting: int = 0,
    unreleased: int = 0,
    release: str = "close",
    legacy: int = 0,
) -> CampaignReport:
    """Aggregate ``answers`` (one sequence of values per answer) into a :class:`CampaignReport`.

    ``answers`` are the released ones (whole cohorts): shown when
    :func:`bot.anonymity.readable` (``legacy`` of them predate cohorts, and then the
    ``threshold``, floored at 3, applies too); otherwise nothing but the count is computed.
    Free texts are shuffled with ``rng`` (a fresh ``SystemRandom`` by default) so their
    order says nothing.
    """
    count = len(answers)
    if not readable(count, legacy, threshold):
        return CampaignReport(
            campaign_id, title, status, count, invited, threshold, False, (), dm_failed, waiting, unreleased, release
        )
    rng = rng or random.SystemRandom()
    stats: list[QuestionStats] = []
    for question in questions:
        values = [v for answer in answers for v in answer if v.position == question.position]
        if question.is_rating:
            ratings = [v.rating for v in values if v.rating is not None]
            stats.append(
                QuestionStats(question, len(ratings), mean(ratings), nps(ratings), tuple(distribution(ratings)))
            )
        else:
            texts = [v.body for v in values if v.body]
            rng.shuffle(texts)
            stats.append(QuestionStats(question, len(texts), texts=tuple(texts)))
    return CampaignReport(
        campaign_id, title, status, count, invited, threshold, True, tuple(stats), dm_failed, waiting, unreleased, release
    )


@dataclass(frozen=True)
class SpontaneousItem:
    """One released spontaneous feedback as read for aggregates: ``category``, ``rating``,
    ``body``, ISO ``week`` (its release's), the anonymity ``threshold`` the member was told
    when giving it (``None``: unknown), and ``legacy`` when it was stored before cohorts."""

    category: str
    rating: int | None
    body: str
    week: str
    threshold: int | None = None
    legacy: bool = False


@dataclass(frozen=True)
class CategoryStats:
    """One category of spontaneous feedback: ``count``, mean rating, and shuffled ``texts``."""

    category: str
    count: int
    mean_rating: float | None
    texts: tuple[str, ...]


@dataclass(frozen=True)
class ContinuousReport:
    """Spontaneous feedback grouped by category. ``visible`` is ``False`` while the total is
    below the threshold: then ``categories`` is empty and only ``count`` is known."""

    count: int
    threshold: int
    visible: bool
    categories: tuple[CategoryStats, ...] = ()
    waiting: int = 0
    """Feedback given but not released yet: counted, never shown."""


def continuous_report(
    items: Sequence[SpontaneousItem], threshold: int, rng: random.Random | None = None
) -> ContinuousReport:
    """Group spontaneous feedback by category (docs/anonymity.md, "The anonymity threshold").

    ``items`` are the released ones (whole cohorts): each category shows its count, mean
    rating and texts (shuffled) when :func:`bot.anonymity.readable` — the same rule as
    exports and pain points, so no path shows more than another; otherwise only the total
    count (``threshold`` is raised to the highest one an item was given under).
    """
    count = len(items)
    threshold = effective_threshold(threshold, (i.threshold for i in items))
    if not readable(count, sum(i.legacy for i in items), threshold):
        return ContinuousReport(count, threshold, False)
    rng = rng or random.SystemRandom()
    groups: list[CategoryStats] = []
    for category in CATEGORIES:
        members = [i for i in items if i.category == category]
        ratings = [i.rating for i in members if i.rating is not None]
        texts = [i.body for i in members]
        rng.shuffle(texts)
        groups.append(CategoryStats(category, len(members), mean(ratings), tuple(texts)))
    return ContinuousReport(count, threshold, True, tuple(groups))


@dataclass(frozen=True)
class PainPoints:
    """Pain points over time: ``weeks`` (ISO weeks, oldest first), the window's ``total``,
    and — only when the window holds at least ``threshold`` answers in all (``visible``) —
    ``counts[category]`` per week, ``pain_total`` and the pain-point ``texts`` shuffled.
    Below the threshold ``counts`` is empty and ``pain_total`` 0: per-category or per-week
    counts of a few answers would tell who said what (same rule as ``/campaign report``)."""

    weeks: tuple[str, ...]
    counts: dict[str, tuple[int, ...]]
    total: int
    pain_total: int
    threshold: int
    texts: tuple[str, ...] = ()
    waiting: int = 0
    """Feedback given but not released yet: counted, never shown."""

    @property
    def visible(self) -> bool:
        """Whether counts, chart and pain-point texts may be shown (:func:`pain_points` kept them)."""
        return bool(self.counts)


def iso_weeks_back(now: datetime, weeks: int) -> list[str]:
    """The last ``weeks`` ISO weeks ending with ``now``'s, oldest first (``YYYY-Www``)."""
    out = []
    for back in range(weeks - 1, -1, -1):
        year, week, _ = (now - timedelta(weeks=back)).isocalendar()
        out.append(f"{year}-W{week:02d}")
    return out


def pain_points(
    items: Sequence[SpontaneousItem], now: datetime, weeks: int, threshold: int, rng: random.Random | None = None
) -> PainPoints:
    """Count feedback by category and week over the last ``weeks`` weeks, with the texts of
    ``pain_point`` shuffled, from released cohorts (a cohort shares one week, so a window
    holds whole cohorts) — when :func:`bot.anonymity.readable`; otherwise nothing but the
    window's total."""
    keys = iso_weeks_back(now, weeks)
    index = {k: n for n, k in enumerate(keys)}
    counts = {c: [0] * len(keys) for c in CATEGORIES}
    inside = [i for i in items if i.week in index]
    threshold = effective_threshold(threshold, (i.threshold for i in inside))
    for item in inside:
        counts[item.category][index[item.week]] += 1
    pains = [i.body for i in inside if i.category == "pain_point"]
    if not readable(len(inside), sum(i.legacy for i in inside), threshold):
        return PainPoints(tuple(keys), {}, len(inside), 0, threshold)
    (rng or random.SystemRandom()).shuffle(pains)
    return PainPoints(
        tuple(keys), {c: tuple(v) for c, v in counts.items()}, len(inside), len(pains), threshold, tuple(pains)
    )


# --- digests ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestPlan:
    """Whether a digest may be posted: ``pending`` new answers, ``threshold``; ``ready`` when enough."""

    pending: int
    threshold: int

    @property
    def ready(self) -> bool:
        """A digest goes out only as a batch of at least ``threshold`` answers (docs/anonymity.md, "The anonymity threshold")."""
        return meets_threshold(self.pending, self.threshold)


def digest_plan(club_threshold: int, snapshots: Sequence[int | None]) -> DigestPlan:
    """Whether the pending spontaneous feedback may go out as one digest: one entry of
    ``snapshots`` per pending answer (the threshold it was given under, ``None``: unknown);
    the threshold applied is the club's ``club_threshold`` raised to the highest snapshot
    (:func:`effective_threshold`), and :attr:`DigestPlan.ready` floors it at 3
    (:func:`bot.anonymity.meets_threshold`)."""
    return DigestPlan(len(snapshots), effective_threshold(club_threshold, snapshots))


def chunk_entries(entries: Sequence[str], budget: int = EMBED_TOTAL_LIMIT - 500, per_message: int = 20) -> list[list[str]]:
    """Split rendered entries into groups that fit one message's embeds (6000 total, 25 fields).

    Each entry must already be ≤ 1024 characters. ``budget`` leaves room for titles/footers.
    """
    groups: list[list[str]] = []
    current: list[str] = []
    used = 0
    for entry in entries:
        if current and (used + len(entry) > budget or len(current) >= per_message):
            groups.append(current)
            current, used = [], 0
        current.append(entry)
        used += len(entry)
    if current:
        groups.append(current)
    return groups


@dataclass(frozen=True)
class DigestSchedule:
    """Weekly digest: ``enabled``, ``weekday`` (0 = Monday) and ``hour`` (0–23) in the club's
    zone; ``review``: each digest waits for a moderator's review before it is posted (the
    default; docs/anonymity.md, "Reviewing digests")."""

    enabled: bool = True
    weekday: int = 0
    hour: int = 9
    review: bool = True


def validate_schedule(
    weekday: int | None, hour: int | None, current: DigestSchedule, enabled: bool | None, review: bool | None = None
) -> DigestSchedule:
    """Merge changes into ``current`` (``None``: unchanged); ``InvalidInput`` for a weekday
    outside 0–6 or an hour outside 0–23."""
    if weekday is not None and not 0 <= weekday <= 6:
        raise InvalidInput("error.out_of_range", field="feedback_weekday", minimum=0, maximum=6)
    if hour is not None and not 0 <= hour <= 23:
        raise InvalidInput("error.out_of_range", field="feedback_hour", minimum=0, maximum=23)
    return DigestSchedule(
        current.enabled if enabled is None else enabled,
        current.weekday if weekday is None else weekday,
        current.hour if hour is None else hour,
        current.review if review is None else review,
    )


def stars(value: float | None) -> str:
    """A mean rating for display: ``7.4/10`` or ``–``."""
    return "–" if value is None else f"{value:.1f}/10"


@dataclass
class StartResult:
    """Outcome of starting a campaign or survey: the ``campaign_id``, how many members were
    ``invited``, DMs ``sent`` and ``failed`` (by ``reason``), and whether it was announced."""

    campaign_id: int
    invited: int
    sent: int
    failed: int
    failures: dict[str, int] = field(default_factory=dict)
    announced: bool = False
