"""Rendering of the prompts' replies, in English and French, within Discord's limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import i18n
from bot.prompts import messages, render
from bot.prompts.results import ImportReport, NextInfo, PostStat, PromptPage, StatsReport, ThemeStat
from bot.prompts.rules import Rejected
from bot.prompts.store import Post, Prompt, Schedule, Suggestion

WHEN = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)


def prompt(pid=3, theme="roadmap", text="Which integration should come first, and why?"):
    """A prompt dataclass."""
    return Prompt(pid, 1, theme, text, None, "moderator", 9, 0)


def schedule(paused=False):
    """A Friday 18:00 schedule."""
    return Schedule(1, 4, "18:00", "Europe/Paris", None, ("features", "roadmap"), 77, paused, 1, 1, None)


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_every_catalog_message_renders(locale):
    """Every prompts message renders in both languages once its placeholders are filled."""
    for key, template in messages.MESSAGES[locale].items():
        params = {name: "x" for name in i18n.placeholders(template)}
        assert i18n.t(locale, key, **params)


@pytest.mark.parametrize(("locale", "words"), [("en", ("Every Friday", "Next prompt", "missed")),
                                                ("fr", ("Chaque vendredi", "Prochaine question", "manquée"))])
def test_render_next(locale, words):
    """/prompt next: schedule line, dates, the prompt, and weeks not posted, in the reader's language."""
    missed = Post(1, 1, "scheduled", "2026-W49", 1796403600, "missed", "downtime", None, None, None, None, None,
                  None, None, 0)
    info = NextInfo(schedule(), (WHEN,), prompt(text="Hey @everyone, **bold**?"), (missed,), 55)
    out = render.render_next(info, locale)
    text = "\n".join(f.name + f.value for f in out.embeds[0].fields)
    for word in words:
        assert word in text
    assert "<#55>" in text and "<@&77>" in text and "@everyone" not in text
    paused = render.render_next(NextInfo(schedule(True), (), None, (), 55), locale)
    resume = "/question reprendre" if locale == "fr" else "/prompt resume"  # the command's name in the reader's language
    assert resume in "\n".join(f.value for f in paused.embeds[0].fields)
    none = render.render_next(NextInfo(None, (), None, (), None), locale)
    assert ("/question planifier" if locale == "fr" else "/prompt schedule") in none.content


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_render_list_pages_with_buttons(locale):
    """A list page carries ◀ ▶ with persistent ids; the first page's ◀ is disabled."""
    page = PromptPage(tuple(prompt(i, text="x" * 1000) for i in range(10)), 1, 3, 25)
    out = render.render_list(page, None, locale)
    assert len(out.embeds[0].description) <= 4096
    previous, following = out.components
    assert previous.disabled and not following.disabled
    assert following.custom_id == "cercle:prompts:list:all:2" and len(following.custom_id) <= 100
    assert render.render_list(PromptPage((), 1, 1, 0), "features", locale).content


@pytest.mark.parametrize(("locale", "word"), [("en", "Rejected: 2"), ("fr", "Refusées\u202f: 2")])
def test_render_import_report(locale, word):
    """The import report counts and explains each rejected line within the field limit."""
    report = ImportReport(
        (prompt(),), tuple((n, "dup " * 20) for n in range(1, 80)),
        (Rejected(4, "bad", "prompts.import.bad_theme", {"value": "gossip"}),
         Rejected(5, "tiny", "prompts.import.too_short", {"minimum": 10})),
    )
    out = render.render_import(report, "bank.txt", locale)
    fields = out.embeds[0].fields
    assert all(len(f.value) <= 1024 for f in fields)
    assert word in fields[2].name and "gossip" in fields[2].value
    assert i18n.t(locale, "prompts.ui.more", count=1).split("1")[0].strip() in fields[1].value


@pytest.mark.parametrize(("locale", "label"), [("en", "Approve #"), ("fr", "Accepter n°")])
def test_render_review_buttons(locale, label):
    """Review shows at most five suggestions, one row of Approve/Reject each, with persistent ids."""
    pending = [Suggestion(i, 1, "features", f"Suggestion {i} text?", 50 + i, "en", "pending", 0, None, None, None)
               for i in range(1, 8)]
    out = render.render_review(pending, 7, locale, notice="done")
    assert len(out.embeds[0].fields) == 5 and len(out.components) == 10
    assert out.components[0].label.startswith(label) and out.components[0].row == 0
    assert out.components[1].custom_id == "cercle:prompts:review:1:reject"
    assert out.content == "done"
    assert render.render_review([], 0, locale, notice="done").content.startswith("done\n")


@pytest.mark.parametrize(("locale", "word"), [("en", "replies"), ("fr", "réponses")])
def test_render_stats_attaches_the_chart(locale, word):
    """Stats show per-theme and per-prompt counts and attach the chart shown in the embed."""
    post = PostStat(1, WHEN, "features", "Which report?", 4, 3)
    report = StatsReport(8, (post,), (ThemeStat("features", 1, 4, 3),), b"\x89PNGdata")
    out = render.render_stats(report, locale)
    assert word in out.embeds[0].description and out.embeds[0].image == "prompt-stats.png"
    assert out.files[0].filename == "prompt-stats.png"
    assert render.render_stats(StatsReport(8, (), (), None), locale).content


@pytest.mark.parametrize(("locale", "ok", "closed"), [("en", "told by DM", "DMs are closed"),
                                                      ("fr", "prévenu", "MP de l'auteur")])
def test_decision_notice(locale, ok, closed):
    """The moderator learns whether the author was told."""
    assert ok in render.decision_notice(locale, 1, True, 5, True)
    assert closed in render.decision_notice(locale, 1, False, None, False)


def test_component_ids_keep_their_posted_format():
    """Buttons of messages already posted keep working: the ids read back as they were written."""
    assert render.LIST_ID.build(theme="all", page=0) == "cercle:prompts:list:all:0"
    fields = render.LIST_ID.parse("cercle:prompts:list:pain_points:-1")
    assert fields is not None and (fields.text("theme"), fields.integer("page")) == ("pain_points", -1)
    assert render.list_theme("all") is None and render.list_theme("roadmap") == "roadmap"
    assert render.REVIEW_ID.build(suggestion=12, action="approve") == "cercle:prompts:review:12:approve"
    assert render.REVIEW_ID.parse("cercle:prompts:review:12:maybe") is None
    assert [render.MODAL_ID.build(form=f) for f in ("suggest", "add", "edit")] == [
        "cercle:prompts:modal:suggest", "cercle:prompts:modal:add", "cercle:prompts:modal:edit"]
    with pytest.raises(ValueError):
        render.LIST_ID.build(theme="Pain Points", page=1)
