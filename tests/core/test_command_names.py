"""The command tree as Discord receives it after translation: valid, unique and French
names in every locale, and the README's French names are the real ones."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from cercle.app import create_bot
from tests.fakediscord import validate

LOCALES = ("fr", "en-US", "en-GB")
README = Path(__file__).resolve().parents[2] / "README.md"
SUB = (1, 2)  # subcommand, subcommand group


@pytest.fixture(scope="module")
def payloads() -> list[dict[str, Any]]:
    """Every top-level command's payload, translated as ``cercle sync-commands`` sends it."""
    import asyncio

    from bot.settings import Settings

    async def build() -> list[dict[str, Any]]:
        settings = Settings(
            _env_file=None, discord_token="test-token", database_path=":memory:",
            anonymity_secret="test-anonymity-secret-not-for-production", default_locale="en",
        )
        bot = create_bot(settings, start_scheduler=False, in_memory=True)
        await bot.setup_hook()
        try:
            translator = bot.tree.translator
            assert translator is not None
            return [await c.get_translated_payload(bot.tree, translator) for c in bot.tree.get_commands()]
        finally:
            await bot.close()

    return asyncio.run(build())


def _name(obj: dict[str, Any], locale: str) -> str:
    """What Discord shows in ``locale``: the localisation, else the default name."""
    return (obj.get("name_localizations") or {}).get(locale) or obj["name"]


def _walk(nodes: list[dict[str, Any]], path: str = ""):
    """``(path, node, siblings)`` for every command, group and option, depth first."""
    for node in nodes:
        here = f"{path} {node['name']}".strip() if node.get("type", 1) in SUB or not path else f"{path}.{node['name']}"
        yield here, node, nodes
        yield from _walk(node.get("options") or [], here)


def test_no_two_siblings_share_a_name_in_any_locale(payloads):
    """Commands of one list, options of one command and choices of one option differ in every locale."""
    clashes = []
    for locale in LOCALES:
        groups = [("/", payloads)] + [(path, node.get("options") or []) for path, node, _ in _walk(payloads)]
        groups += [(path + " choices", node["choices"]) for path, node, _ in _walk(payloads) if node.get("choices")]
        for where, siblings in groups:
            names = [_name(s, locale) for s in siblings]
            clashes += [(locale, where, n) for n in set(names) if names.count(n) > 1]
    assert clashes == []


def test_every_name_is_valid_for_discord_in_every_locale(payloads):
    """Each command and option name passes Discord's regex and length in fr, en-US and en-GB."""
    bad = [(locale, path, _name(node, locale)) for path, node, _ in _walk(payloads) for locale in LOCALES
           if not validate.valid_name(_name(node, locale))]
    assert bad == []
    assert all(validate.command(cmd, i) == [] for i, cmd in enumerate(payloads))


def test_every_command_and_option_has_a_french_name_and_description(payloads):
    """No command, option or choice falls back to English for a French-speaking member."""
    missing = []
    for path, node, _ in _walk(payloads):
        for key in ("name_localizations", "description_localizations"):
            if not (node.get(key) or {}).get("fr"):
                missing.append((path, key))
        missing += [(path, c["name"]) for c in node.get("choices") or [] if not (c.get("name_localizations") or {}).get("fr")]
    assert missing == []


def test_french_descriptions_follow_french_typography(payloads):
    """A French description or choice puts a narrow no-break space before ; : ! ? and
    no-break spaces inside « »."""
    texts = []
    for path, node, _ in _walk(payloads):
        texts.append((path, (node.get("description_localizations") or {}).get("fr") or ""))
        texts += [(path, (c.get("name_localizations") or {}).get("fr") or "") for c in node.get("choices") or []]
    wrong = [(p, t) for p, t in texts if re.search(r"[ \u00a0][;:!?]|«[^\u00a0\u202f]|[^\u00a0\u202f]»", t)]
    assert wrong == []


def _leaves(payloads: list[dict[str, Any]]) -> list[tuple[str, list[str], str, list[str]]]:
    """``(English path, English options, French path, French options)`` of every invocable command."""
    found = []

    def visit(node: dict[str, Any], english: list[str], french: list[str]) -> None:
        english, french = english + [node["name"]], french + [_name(node, "fr")]
        subs = [o for o in node.get("options") or [] if o["type"] in SUB]
        for sub in subs:
            visit(sub, english, french)
        if not subs:
            options = node.get("options") or []
            found.append(("/" + " ".join(english), [o["name"] for o in options],
                          "/" + " ".join(french), [_name(o, "fr") for o in options]))

    for cmd in payloads:
        visit(cmd, [], [])
    return found


def _readme_french_table() -> dict[str, tuple[str, list[str]]]:
    """The README's "Command names in French" table: ``{English: (French, options)}``."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Command names in French", 1)[1].split("\n#", 1)[0]
    rows: dict[str, tuple[str, list[str]]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`/"):
            continue
        options = re.findall(r"`([^`]+)`", cells[2])
        rows[cells[0].strip("`")] = (cells[1].strip("`"), options)
    return rows


def test_readme_lists_the_real_french_names(payloads):
    """Every command appears in the README's French table with its French path and options, and
    every row of the table is a real command: compared both ways."""
    real = {english: (french, french_options) for english, _, french, french_options in _leaves(payloads)}
    listed = _readme_french_table()
    assert sorted(set(real) - set(listed)) == [], "commands missing from the README"
    assert sorted(set(listed) - set(real)) == [], "README rows that are no command"
    assert {k: v for k, v in listed.items() if real[k] != v} == {}


def test_readme_command_mentions_are_real_commands(payloads):
    """Every command written in the README (`/réunion créer`, `/meeting edit meeting:`,
    `/poll create opens`) exists, in English or in French, never a mix of the two."""
    real: set[str] = set()
    for english, english_options, french, french_options in _leaves(payloads):
        for path, options in ((english, english_options), (french, french_options)):
            real |= {path.rsplit(" ", k)[0] for k in range(3)} | {f"{path} {o}" for o in options}
    wrong = []
    for mention in re.findall(r"`(/[^`]+)`", README.read_text(encoding="utf-8")):
        if "/" in mention.split()[0][1:]:
            continue  # a file path such as /var/lib/cercle
        words = re.split(r"\s\S+:", " " + mention, maxsplit=1)[0].split()  # up to the first option:
        if " ".join(words) not in real:
            wrong.append(mention)
    assert wrong == []


def _real_paths(payloads: list[dict[str, Any]], french: bool) -> set[str]:
    """Every command path, its groups and ``path option`` in one language."""
    real: set[str] = set()
    for english, english_options, french_path, french_options in _leaves(payloads):
        path, options = (french_path, french_options) if french else (english, english_options)
        real |= {path.rsplit(" ", k)[0] for k in range(3)} | {f"{path} {o}" for o in options}
    return real


def test_messages_name_real_commands_in_their_language(payloads):
    """A command a message names (`/question planifier`, `/club config set feedback_channel:`)
    exists under that name in the message's language, options included."""
    from bot import i18n

    wrong = []
    for locale in ("en", "fr"):
        real = _real_paths(payloads, locale == "fr")
        for key, text in i18n.catalog(locale).items():
            for mention in re.findall(r"(?:^|(?<=[\s`(]))(/[^\W\d][\w-]*(?: [\w-]+:?)*)", str(text)):
                words = mention.split()
                path = " ".join(w.rstrip(":") for w in words[: next((i + 1 for i, w in enumerate(words) if w.endswith(":")), len(words))])
                while path not in real and " " in path and not words[len(path.split()) - 1].endswith(":"):
                    path = path.rsplit(" ", 1)[0]  # trailing prose: "/réunions proposer pour suggérer"
                if path not in real:
                    wrong.append((locale, key, mention))
    assert wrong == []


def test_every_catalog_entry_names_a_real_command(payloads):
    """The French catalog has no entry for a command, option or choice that does not exist
    (a renamed command would otherwise keep a dead translation and lose its French)."""
    from bot import i18n

    real: set[str] = set()
    for path, node, _ in _walk(payloads):
        real.add(path)
        real |= {f"{path}={choice['value']}" for choice in node.get("choices") or []}
    assert sorted(set(i18n.command_catalog("fr")) - real) == []
