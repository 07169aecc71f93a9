"""Discord's limits on what clients send (docs/architecture.md, "Discord facts"); a breach answers 400 / 50035.

Each check returns a list of ``(path, message)``; the server turns a non-empty list into
Discord's "Invalid Form Body" error with the nested ``errors`` object.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

Problems = list[tuple[str, str]]

THREAD_ARCHIVE = {60, 1440, 4320, 10080}


def _len(problems: Problems, path: str, value: Any, maximum: int, minimum: int = 0) -> None:
    if value is None:
        if minimum:
            problems.append((path, "This field is required"))
        return
    if not isinstance(value, str):
        problems.append((path, "Must be a string"))
        return
    if len(value) > maximum:
        problems.append((path, f"Must be {maximum} or fewer in length."))
    if len(value) < minimum:
        problems.append((path, f"Must be {minimum} or more in length."))


def embeds(items: list[dict[str, Any]] | None) -> Problems:
    """Embed limits: ≤ 10 embeds, title 256, description 4096, ≤ 25 fields (256/1024),
    footer 2048, author 256, 6000 in total."""
    problems: Problems = []
    items = items or []
    if len(items) > 10:
        problems.append(("embeds", "Must be 10 or fewer in length."))
    total = 0
    for i, embed in enumerate(items):
        base = f"embeds.{i}"
        _len(problems, f"{base}.title", embed.get("title"), 256)
        _len(problems, f"{base}.description", embed.get("description"), 4096)
        fields = embed.get("fields") or []
        if len(fields) > 25:
            problems.append((f"{base}.fields", "Must be 25 or fewer in length."))
        for j, f in enumerate(fields):
            _len(problems, f"{base}.fields.{j}.name", f.get("name"), 256, 1)
            _len(problems, f"{base}.fields.{j}.value", f.get("value"), 1024, 1)
            total += len(f.get("name") or "") + len(f.get("value") or "")
        footer = (embed.get("footer") or {}).get("text")
        _len(problems, f"{base}.footer.text", footer, 2048)
        author = (embed.get("author") or {}).get("name")
        _len(problems, f"{base}.author.name", author, 256)
        total += sum(len(x or "") for x in (embed.get("title"), embed.get("description"), footer, author))
    if total > 6000:
        problems.append(("embeds", "Embed size exceeds maximum size of 6000"))
    return problems


def components(rows: list[dict[str, Any]] | None) -> Problems:
    """Message components: ≤ 5 rows, ≤ 5 buttons or one select per row, custom_id 1–100
    and unique, button label 80, select ≤ 25 options of ≤ 100, placeholder 150."""
    problems: Problems = []
    rows = rows or []
    if len(rows) > 5:
        problems.append(("components", "Must be 5 or fewer in length."))
    seen: set[str] = set()
    for i, row in enumerate(rows):
        base = f"components.{i}"
        if row.get("type") != 1:
            problems.append((f"{base}.type", "Top-level components must be action rows"))
            continue
        children = row.get("components") or []
        if not children or len(children) > 5:
            problems.append((f"{base}.components", "Must be between 1 and 5 in length."))
        selects = [c for c in children if c.get("type") in (3, 5, 6, 7, 8)]
        if selects and len(children) > 1:
            problems.append((f"{base}.components", "A select must be alone in its row"))
        for j, comp in enumerate(children):
            path = f"{base}.components.{j}"
            custom_id = comp.get("custom_id")
            if comp.get("type") == 2 and comp.get("style") == 5:
                if not comp.get("url"):
                    problems.append((f"{path}.url", "Link buttons need a url"))
            else:
                _len(problems, f"{path}.custom_id", custom_id, 100, 1)
                if custom_id in seen:
                    problems.append((f"{path}.custom_id", "Component custom id cannot be duplicated"))
                seen.add(custom_id)
            if comp.get("type") == 2:
                _len(problems, f"{path}.label", comp.get("label"), 80)
                if not comp.get("label") and not comp.get("emoji"):
                    problems.append((f"{path}.label", "A button needs a label or an emoji"))
            if comp.get("type") == 3:
                options = comp.get("options") or []
                if not 1 <= len(options) <= 25:
                    problems.append((f"{path}.options", "Must be between 1 and 25 in length."))
                for k, opt in enumerate(options):
                    _len(problems, f"{path}.options.{k}.label", opt.get("label"), 100, 1)
                    _len(problems, f"{path}.options.{k}.value", opt.get("value"), 100, 1)
                    _len(problems, f"{path}.options.{k}.description", opt.get("description"), 100)
                _len(problems, f"{path}.placeholder", comp.get("placeholder"), 150)
    return problems


def message(payload: dict[str, Any]) -> Problems:
    """A message body: content 2000, embeds, components, and not empty."""
    problems: Problems = []
    _len(problems, "content", payload.get("content"), 2000)
    nonce = payload.get("nonce")
    if nonce is not None and len(str(nonce)) > 25:
        problems.append(("nonce", "Must be 25 or fewer in length."))
    if payload.get("enforce_nonce") and nonce is None:
        problems.append(("nonce", "This field is required"))
    problems += embeds(payload.get("embeds"))
    problems += components(payload.get("components"))
    has_body = payload.get("content") or payload.get("embeds") or payload.get("attachments") or payload.get("components")
    if not has_body and not payload.get("_files"):
        problems.append(("content", "Cannot send an empty message"))
    return problems


def modal(payload: dict[str, Any]) -> Problems:
    """A modal: title 1–45, custom_id 1–100, 1–5 top-level components, text inputs with
    label 45, value ≤ 4000, placeholder 100, min/max length within 0–4000."""
    problems: Problems = []
    _len(problems, "data.title", payload.get("title"), 45, 1)
    _len(problems, "data.custom_id", payload.get("custom_id"), 100, 1)
    comps = payload.get("components") or []
    if not 1 <= len(comps) <= 5:
        problems.append(("data.components", "Must be between 1 and 5 in length."))
    for i, comp in enumerate(comps):
        inner = comp.get("components", [comp.get("component")]) if comp.get("type") in (1, 18) else [comp]
        if comp.get("type") == 18:
            _len(problems, f"data.components.{i}.label", comp.get("label"), 45, 1)
        for item in inner:
            if not item:
                continue
            path = f"data.components.{i}"
            _len(problems, f"{path}.custom_id", item.get("custom_id"), 100, 1)
            if item.get("type") == 4:
                if "label" in item:
                    _len(problems, f"{path}.label", item.get("label"), 45, 1)
                _len(problems, f"{path}.value", item.get("value"), 4000)
                _len(problems, f"{path}.placeholder", item.get("placeholder"), 100)
                for key in ("min_length", "max_length"):
                    if item.get(key) is not None and not 0 <= item[key] <= 4000:
                        problems.append((f"{path}.{key}", "Must be between 0 and 4000."))
    return problems


def valid_name(name: object) -> bool:
    """Discord's rule for chat-input command and option names, in every locale:
    ``^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$`` (unicode), and a letter that has
    a lowercase variant must be written in lowercase (accented letters are letters)."""
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        return False
    for char in name:
        if char in "-_'":
            continue
        if unicodedata.category(char)[0] in "LN":
            if char.lower() != char:
                return False
            continue
        if not unicodedata.name(char, "").startswith(("DEVANAGARI ", "THAI ")):
            return False
    return True


def duplicate_names(siblings: Iterable[dict[str, Any]], path: str) -> Problems:
    """Two siblings (commands of one list, options of one command) with the same name in
    some locale: a sibling without a localisation shows its default name there."""
    siblings = list(siblings)
    locales = {loc for obj in siblings for loc in (obj.get("name_localizations") or {})}
    problems: Problems = []
    for locale in [None, *sorted(locales)]:
        seen: set[str] = set()
        for i, obj in enumerate(siblings):
            name = obj.get("name") or ""
            if locale is not None:
                name = (obj.get("name_localizations") or {}).get(locale) or name
            if name in seen:
                where = (f"{path}.{i}" if path else str(i)) + (f".name_localizations.{locale}" if locale else ".name")
                problems.append((where, "Application command names must be unique"))
            seen.add(name)
    return problems


def command(cmd: dict[str, Any], index: int) -> Problems:
    """An application command: names valid in every locale (:func:`valid_name`) and unique
    among siblings in every locale, description 1–100, ≤ 25 options and choices, nesting
    ≤ 2, and the 8,000-character budget per top-level command."""
    problems: Problems = []

    def check_named(obj: dict[str, Any], path: str) -> None:
        if not valid_name(obj.get("name")):
            problems.append((f"{path}.name", "Invalid application command name"))
        for loc, value in (obj.get("name_localizations") or {}).items():
            if not valid_name(value):
                problems.append((f"{path}.name_localizations.{loc}", "Invalid application command name"))
        _len(problems, f"{path}.description", obj.get("description"), 100, 1 if cmd.get("type", 1) == 1 else 0)
        for loc, value in (obj.get("description_localizations") or {}).items():
            _len(problems, f"{path}.description_localizations.{loc}", value, 100, 1)

    def walk(options: list[dict[str, Any]], path: str, depth: int) -> None:
        if len(options) > 25:
            problems.append((f"{path}.options", "Must be 25 or fewer in length."))
        problems.extend(duplicate_names(options, f"{path}.options"))
        for i, opt in enumerate(options):
            opath = f"{path}.options.{i}"
            check_named(opt, opath)
            if opt.get("type") in (1, 2):
                if depth >= 2 or (opt["type"] == 2 and depth >= 1):
                    problems.append((opath, "Too deep nesting of subcommands"))
                walk(opt.get("options") or [], opath, depth + 1)
            choices = opt.get("choices") or []
            if len(choices) > 25:
                problems.append((f"{opath}.choices", "Must be 25 or fewer in length."))
            for k, ch in enumerate(choices):
                _len(problems, f"{opath}.choices.{k}.name", ch.get("name"), 100, 1)

    check_named(cmd, str(index))
    walk(cmd.get("options") or [], str(index), 0)
    if budget(cmd) > 8000:
        problems.append((str(index), "Command exceeds maximum size (8000)"))
    return problems


def budget(cmd: dict[str, Any]) -> int:
    """Characters counted against the 8,000 budget: names, descriptions, choice names and
    values, the longest localisation of each."""

    def longest(obj: dict[str, Any], key: str) -> int:
        values = [obj.get(key) or ""] + list((obj.get(f"{key}_localizations") or {}).values())
        return max(len(v or "") for v in values)

    def size(obj: dict[str, Any]) -> int:
        total = longest(obj, "name") + longest(obj, "description")
        for choice in obj.get("choices") or []:
            total += longest(choice, "name") + len(str(choice.get("value", "")))
        for option in obj.get("options") or []:
            total += size(option)
        return total

    return size(cmd)


def thread(payload: dict[str, Any]) -> Problems:
    """A thread: name 1–100, auto_archive_duration in {60, 1440, 4320, 10080}."""
    problems: Problems = []
    _len(problems, "name", payload.get("name"), 100, 1)
    if payload.get("auto_archive_duration") is not None and payload["auto_archive_duration"] not in THREAD_ARCHIVE:
        problems.append(("auto_archive_duration", "Value must be one of {60, 1440, 4320, 10080}."))
    return problems


def scheduled_event(payload: dict[str, Any], *, partial: bool = False) -> Problems:
    """A guild scheduled event: name 1–100, description ≤ 1000, external events need a
    location and an end time; apps cannot create non-weekly intervals."""
    problems: Problems = []
    if not partial or "name" in payload:
        _len(problems, "name", payload.get("name"), 100, 1)
    _len(problems, "description", payload.get("description"), 1000)
    if payload.get("entity_type") == 3:
        location = (payload.get("entity_metadata") or {}).get("location")
        _len(problems, "entity_metadata.location", location, 100, 1)
        if not payload.get("scheduled_end_time") and not partial:
            problems.append(("scheduled_end_time", "External events require an end time"))
    rule = payload.get("recurrence_rule")
    if rule and (rule.get("interval", 1) != 1 and rule.get("frequency") != 2 or rule.get("count") or rule.get("end")):
        problems.append(("recurrence_rule", "This recurrence rule is not supported"))
    return problems


def errors_body(problems: Problems) -> dict[str, Any]:
    """Discord's 50035 body with nested ``errors``."""
    errors: dict[str, Any] = {}
    for path, text in problems:
        node = errors
        for part in path.split("."):
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": "BASE_TYPE_INVALID", "message": text})
    return {"code": 50035, "message": "Invalid Form Body", "errors": errors}
