"""Pure rules of the weekly prompts: parsing, the weekly rule across DST, rotation, imports."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.errors import InvalidInput
from bot.prompts import rules
from bot.prompts.rules import THEMES, Candidate, ImportLine, Rejected, pick_next
from bot.recurrence import weekly_instants


@pytest.mark.parametrize(
    ("text", "expected"),
    [("18:00", (18, 0)), ("18h", (18, 0)), ("18h30", (18, 30)), ("6pm", (18, 0)), ("12am", (0, 0)),
     ("9.15", (9, 15)), (" 07:05 ", (7, 5)), ("12 PM", (12, 0))],
)
def test_parse_local_time_accepts_common_notations(text, expected):
    """English and French notations of a time of day give the same (hour, minute)."""
    assert rules.parse_local_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "18:75", "13pm", "noonish", "", "1800h"])
def test_parse_local_time_rejects_bad_values_naming_the_field(text):
    """A bad time raises InvalidInput naming the time field."""
    with pytest.raises(InvalidInput) as info:
        rules.parse_local_time(text)
    assert info.value.params["field"] == "prompts.time"


def test_parse_weekday_in_both_languages():
    """Day names in English and French, and 0–6, map to Monday = 0."""
    assert rules.parse_weekday("Friday") == 4
    assert rules.parse_weekday("vendredi") == 4
    assert rules.parse_weekday(6) == 6
    assert rules.parse_weekday("0") == 0
    with pytest.raises(InvalidInput):
        rules.parse_weekday("someday")
    with pytest.raises(InvalidInput):
        rules.parse_weekday(7)


def test_parse_themes_all_or_chosen_in_rotation_order():
    """'all' or nothing means every theme; a list comes back in rotation order, French names accepted."""
    assert rules.parse_themes(None) == THEMES
    assert rules.parse_themes("tous") == THEMES
    assert rules.parse_themes("communauté, Pain points") == ("pain_points", "community")
    assert rules.parse_themes(["roadmap", "Fonctionnalités"]) == ("features", "roadmap")
    with pytest.raises(InvalidInput) as info:
        rules.parse_themes("features, gossip")
    assert info.value.params["field"] == "prompts.themes"
    assert info.value.params["value"] == "gossip"


def test_occurrences_keep_local_time_across_dst():
    """Friday 18:00 Paris is 17:00 UTC in winter and 16:00 UTC after the March 2027 change."""
    after = datetime(2027, 3, 20, 12, 0, tzinfo=UTC)
    first, second = weekly_instants(4, 18, 0, "Europe/Paris", after, 2)
    assert first == datetime(2027, 3, 26, 17, 0, tzinfo=UTC)
    assert second == datetime(2027, 4, 2, 16, 0, tzinfo=UTC)


def test_occurrences_are_strictly_after():
    """An occurrence exactly at 'after' is not returned again (no double post)."""
    at = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    assert weekly_instants(4, 18, 0, "Europe/Paris", at)[0] == datetime(2026, 12, 11, 17, 0, tzinfo=UTC)


def test_occurrences_in_a_spring_forward_gap_stay_on_their_day():
    """Sunday 02:30 Paris on the spring-forward day (no such wall time) is still posted that day."""
    after = datetime(2027, 3, 27, 0, 0, tzinfo=UTC)
    when = weekly_instants(6, 2, 30, "Europe/Paris", after)[0]
    assert when.date() == datetime(2027, 3, 28).date()


def test_iso_week_uses_the_club_zone():
    """Sunday 23:30 UTC is already Monday in Paris: the week is the next one."""
    instant = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    assert rules.iso_week(instant, "UTC") == "2026-W49"
    assert rules.iso_week(instant, "Europe/Paris") == "2026-W50"


def test_normalise_finds_near_duplicates():
    """Case, spacing, curly quotes and trailing punctuation do not make a new prompt."""
    assert rules.normalise("What’s  NEW here?") == rules.normalise("what's new here")
    assert rules.normalise("A") != rules.normalise("B")


def test_check_prompt_text_limits():
    """Prompt text is 10–1000 characters; the error names the field and the limit."""
    assert rules.check_prompt_text("  How do you test upgrades?  ") == "How do you test upgrades?"
    with pytest.raises(InvalidInput) as info:
        rules.check_prompt_text("x" * 1001)
    assert info.value.key == "error.too_long" and info.value.params["limit"] == 1000
    with pytest.raises(InvalidInput) as info:
        rules.check_prompt_text("short")
    assert info.value.key == "prompts.error.too_short" and info.value.params["minimum"] == 10


def _pool(per_theme: int) -> list[Candidate]:
    return [Candidate(i * 10 + j, theme) for i, theme in enumerate(THEMES) for j in range(per_theme)]


def _run(pool, themes, weeks, guild_id=1):
    used: list[int] = []
    cycle, last = 1, None
    picks = []
    for _ in range(weeks):
        pick = pick_next(pool, used, themes=themes, last_theme=last, guild_id=guild_id, cycle=cycle)
        assert pick is not None
        if pick.new_cycle:
            cycle, used = pick.cycle, []
        used.append(pick.prompt_id)
        last = pick.theme
        picks.append(pick)
    return picks


def test_rotation_cycles_through_themes_without_repeats():
    """Themes rotate in order and no prompt repeats until the whole pool has been used."""
    pool = _pool(3)
    picks = _run(pool, THEMES, 15)
    assert [p.theme for p in picks[:5]] == list(THEMES)
    assert len({p.prompt_id for p in picks}) == 15
    assert not any(p.new_cycle for p in picks)
    after = _run(pool, THEMES, 16)[-1]
    assert after.new_cycle and after.cycle == 2


def test_rotation_skips_exhausted_themes_until_the_cycle_ends():
    """A theme with fewer prompts drops out of the rotation until every prompt was used."""
    pool = [Candidate(1, "features"), Candidate(2, "roadmap"), Candidate(3, "roadmap"), Candidate(4, "roadmap")]
    picks = _run(pool, THEMES, 5)
    assert [p.theme for p in picks[:4]] == ["features", "roadmap", "roadmap", "roadmap"]
    assert len({p.prompt_id for p in picks[:4]}) == 4
    assert picks[4].new_cycle


def test_rotation_respects_chosen_themes():
    """Only the schedule's themes are posted."""
    picks = _run(_pool(2), ("practice", "community"), 4)
    assert {p.theme for p in picks} == {"practice", "community"}
    assert len({p.prompt_id for p in picks}) == 4


def test_rotation_order_differs_between_guilds_but_is_stable():
    """Each guild gets its own order, and the same inputs always give the same pick."""
    pool = _pool(8)
    a = [p.prompt_id for p in _run(pool, THEMES, 10, guild_id=1)]
    b = [p.prompt_id for p in _run(pool, THEMES, 10, guild_id=2)]
    assert a == [p.prompt_id for p in _run(pool, THEMES, 10, guild_id=1)]
    assert a != b


def test_only_theme_prefers_unused_then_the_oldest_used():
    """post-now with a theme takes an unused prompt of it, else repeats the one used longest ago."""
    pool = [Candidate(1, "features"), Candidate(2, "features"), Candidate(3, "roadmap")]
    first = pick_next(pool, [1], themes=THEMES, last_theme=None, guild_id=1, cycle=1, only_theme="features")
    assert first.prompt_id == 2 and not first.new_cycle
    again = pick_next(pool, [2, 1], themes=THEMES, last_theme=None, guild_id=1, cycle=1, only_theme="features")
    assert again.prompt_id == 2 and not again.new_cycle
    assert pick_next(pool, [], themes=THEMES, last_theme=None, guild_id=1, cycle=1, only_theme="community") is None


def test_empty_pool_gives_nothing():
    """No prompt in the chosen themes: nothing to post."""
    assert pick_next([Candidate(1, "features")], [], themes=("roadmap",), last_theme=None, guild_id=1, cycle=1) is None


def test_parse_import_txt_with_themes_default_and_bad_lines():
    """A .txt import reads 'theme: text' lines, applies the default theme, and rejects bad lines with reasons."""
    data = (
        "# a comment\n"
        "features: Which report do you export every Monday morning?\n"
        "\n"
        "Feuille de route | Quelle intégration attendez-vous le plus ?\n"
        "How do you onboard a new admin on the product?\n"
        "gossip: Who is dating whom in the vendor's team?\n"
        "roadmap: too short\n"
        f"practice: {'x' * 1001}\n"
    ).encode()
    result = rules.parse_import("bank.txt", data, default_theme="community")
    lines = [r for r in result if isinstance(r, ImportLine)]
    rejected = [r for r in result if isinstance(r, Rejected)]
    assert [(x.line, x.theme) for x in lines] == [(2, "features"), (4, "roadmap"), (5, "community"), (6, "community")]
    assert [(r.line, r.key) for r in rejected] == [(7, "prompts.import.too_short"), (8, "prompts.import.too_long")]


def test_parse_import_txt_without_default_theme_rejects_bare_lines():
    """Without a default theme, a line with no theme is rejected, and an unknown 'theme:' prefix reads as text."""
    result = rules.parse_import("x.txt", b"How do you back up your configuration?\n")
    assert isinstance(result[0], Rejected) and result[0].key == "prompts.import.no_theme"


def test_parse_import_csv_with_header_and_quotes():
    """A .csv import reads theme,text columns (header skipped, quoted commas kept), unknown themes rejected."""
    data = (
        b"theme,text\n"
        b'practice,"How do you name your templates, and why?"\n'
        b"unknown,Which dashboard do you open first each day?\n"
        b"pain points,What makes the yearly upgrade so slow for you?\n"
    )
    result = rules.parse_import("bank.CSV", data)
    assert isinstance(result[0], ImportLine) and result[0].text == "How do you name your templates, and why?"
    assert isinstance(result[1], Rejected) and result[1].key == "prompts.import.bad_theme"
    assert result[1].params["value"] == "unknown" and result[1].line == 3
    assert isinstance(result[2], ImportLine) and result[2].theme == "pain_points"


@pytest.mark.parametrize(
    ("name", "data", "key"),
    [("bank.pdf", b"x", "prompts.error.file_type"),
     ("bank.txt", b"\xff\xfe\x00bad", "prompts.error.file_encoding"),
     ("bank.txt", b"x" * (rules.IMPORT_MAX_BYTES + 1), "prompts.error.file_size"),
     ("bank.txt", b"features: a long enough prompt\n" * (rules.IMPORT_MAX_LINES + 1), "prompts.error.file_lines")],
)
def test_parse_import_refuses_unreadable_files(name, data, key):
    """Wrong type, encoding, size or line count: the whole file is refused, naming the file field."""
    with pytest.raises(InvalidInput) as info:
        rules.parse_import(name, data)
    assert info.value.key == key and info.value.params["field"] == "prompts.file"


def test_rules_import_no_io_or_discord():
    """rules.py imports neither discord nor aiosqlite nor the database (docs/architecture.md, "Layout")."""
    tree = ast.parse(Path(rules.__file__).read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not {n for n in names if n.split(".")[0] in {"discord", "aiosqlite", "sqlite3"} or n == "bot.db"}


def test_no_discord_import_in_the_prompts_package():
    """No module of bot/prompts imports discord (docs/architecture.md, "Layout": the brain is discord-free)."""
    folder = Path(rules.__file__).parent
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not {n for n in names if n.split(".")[0] == "discord"}, path.name
