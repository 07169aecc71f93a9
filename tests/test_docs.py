"""The repository documents itself: comments and docs cite files inside it, and every cited
``docs/`` file and section exists (docs/architecture.md, "Layout")."""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Written so that this file does not match its own patterns.
OUTSIDE_REFERENCE = re.compile(
    r"DESIGN\.md|DISCORD[-]FACTS|\bissue\s+#?\d|\bdone[- ]when\b",
    re.IGNORECASE,
)
DOCS_PATH = re.compile(r"(?<![\w/.-])(docs/[\w.-]+\.md)\b")
QUOTED = r"""["'“‘]([^"'“”‘’]{1,100}?)["'”’]"""
# A path, a comma, a quoted section name (optionally more: and "Other"), or README instead of a path.
CITATION = re.compile(
    r"(?<![\w/.-])(docs/[\w.-]+\.md|README(?:\.md)?)[`*]*,\s*" + QUOTED
    + r"((?:\s*(?:,|and|or)\s*" + QUOTED.replace("(", "(?:", 1) + r")*)"
)
FOLLOWING = re.compile(r"(?:,|and|or)\s*" + QUOTED)
COMMENT_BREAK = re.compile(r"\s*\n\s*(?:#+|--|\*|//)?\s*")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


@cache
def tracked_files() -> tuple[str, ...]:
    """Every file git tracks in this repository (the test is skipped outside a git checkout)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    result = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False
    )
    if result.returncode != 0:
        pytest.skip("not a git checkout")
    return tuple(name for name in result.stdout.decode().split("\0") if name)


def text_of(name: str) -> str | None:
    """The file's text, or ``None`` for a binary, unreadable or deleted file."""
    try:
        data = (ROOT / name).read_bytes()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def texts() -> list[tuple[str, str]]:
    """``(name, text)`` of every tracked text file."""
    found = []
    for name in tracked_files():
        text = text_of(name)
        if text is not None:
            found.append((name, text))
    return found


def line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


@cache
def headings(doc: str) -> frozenset[str]:
    """The heading texts of a Markdown file (outside fenced code blocks)."""
    found = set()
    fenced = False
    for line in (ROOT / doc).read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        match = None if fenced else HEADING.match(line)
        if match:
            found.add(match.group(2))
    return frozenset(found)


def section_name(raw: str) -> str:
    """A cited section name with line breaks (and comment markers after them) folded."""
    return COMMENT_BREAK.sub(" ", raw).strip()


def test_no_reference_outside_the_repository():
    """No tracked file cites the design notes kept outside the repository, issue numbers or
    done-criteria of a tracker: each rule is stated or points into docs/."""
    problems = []
    for name, text in texts():
        for number, line in enumerate(text.splitlines(), start=1):
            match = OUTSIDE_REFERENCE.search(line)
            if match:
                problems.append(f"{name}:{number}: {match.group(0)!r} in {line.strip()[:120]!r}")
    assert not problems, "references outside the repository:\n" + "\n".join(problems)


def test_cited_docs_exist():
    """Every ``docs/<file>.md`` named anywhere in the repository exists."""
    problems = []
    for name, text in texts():
        for match in DOCS_PATH.finditer(text):
            if not (ROOT / match.group(1)).is_file():
                problems.append(f"{name}:{line_of(text, match.start())}: {match.group(1)} does not exist")
    assert not problems, "missing documents:\n" + "\n".join(problems)


def test_cited_sections_exist():
    """Every section cited after a document's path (or after README), in double or single
    quotes, is a heading of that document."""
    problems = []
    for name, text in texts():
        for match in CITATION.finditer(text):
            doc = "README.md" if match.group(1).startswith("README") else match.group(1)
            if not (ROOT / doc).is_file():
                continue  # reported by test_cited_docs_exist
            sections = [match.group(2)] + [m.group(1) for m in FOLLOWING.finditer(match.group(3) or "")]
            for raw in sections:
                section = section_name(raw)
                if section not in headings(doc):
                    problems.append(f"{name}:{line_of(text, match.start())}: {doc} has no section {section!r}")
    assert not problems, "missing sections:\n" + "\n".join(problems)


def test_citation_pattern_reads_the_forms_used():
    """The citation pattern reads one section, several, single quotes and a comment that
    wraps the name over two lines."""
    d = "docs/"  # kept apart so that this file cites nothing itself
    sample = (
        f'x ({d}anonymity.md, "The secret") y\n'
        f"z {d}architecture.md, 'Discord facts'.\n"
        f'# ({d}architecture.md, "Direct\n    # messages") w\n'
        f'({d}anonymity.md, "Dedupe keys" and "The anonymity threshold")\n'
    )
    found = []
    for match in CITATION.finditer(sample):
        found.append((match.group(1), section_name(match.group(2))))
        found += [(match.group(1), m.group(1)) for m in FOLLOWING.finditer(match.group(3) or "")]
    assert found == [
        ("docs/anonymity.md", "The secret"),
        ("docs/architecture.md", "Discord facts"),
        ("docs/architecture.md", "Direct messages"),
        ("docs/anonymity.md", "Dedupe keys"),
        ("docs/anonymity.md", "The anonymity threshold"),
    ]
