"""docs/architecture.md, "Layout": the brain (bot/) never imports discord.py, the face (cogs/)
or the frame (cercle/); rules stay free of I/O libraries."""

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


BRAIN_FILES = sorted(p for p in BOT.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", BRAIN_FILES, ids=lambda p: str(p.relative_to(BOT)))
def test_the_brain_imports_neither_discord_nor_the_face(path):
    """No bot/ module imports discord, cogs or the frame (cercle), even lazily inside a function."""
    assert not imported_roots(path) & {"discord", "cogs", "cercle", "aiohttp"}


@pytest.mark.parametrize("path", sorted(BOT.glob("*/rules.py")), ids=lambda p: str(p.relative_to(BOT)))
def test_rules_are_pure(path):
    """rules.py modules import neither discord nor aiosqlite nor the database layer."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not imported_roots(path) & {"discord", "aiosqlite", "sqlite3"}
    assert "bot.db" not in modules


ROOT = BOT.parent
PROJECT = ("bot", "cogs", "cercle")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _project_imports(path: Path, modules: set[str]) -> set[str]:
    """Project modules ``path`` imports at module level (``TYPE_CHECKING`` blocks and
    imports inside functions excluded: they do not run at import time)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    body = [n for n in tree.body if not (isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test))]
    for node in body:
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name.split(".")[0] in PROJECT:
                found.add(name)
    return found


def test_no_import_cycle():
    """No chain of module-level imports comes back to where it started (bot, cogs, cercle)."""
    files = {
        _module_name(p): p for package in PROJECT for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts
    }
    graph = {name: _project_imports(path, set(files)) - {name} for name, path in files.items()}
    # A package's __init__ is imported before its submodules: that edge is not a cycle.
    for name in graph:
        graph[name] = {dep for dep in graph[name] if not name.startswith(dep + ".")}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(name: str, chain: list[str]) -> None:
        state[name] = 1
        for dep in sorted(graph[name]):
            if state.get(dep) == 1:
                cycles.append(chain[chain.index(dep):] + [dep] if dep in chain else [name, dep])
            elif dep not in state:
                visit(dep, chain + [dep])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, cycles


def test_starting_cercle_does_not_load_matplotlib():
    """docs/architecture.md, "Charts": building every service imports no chart library;
    the first chart loads it."""
    import subprocess
    import sys

    code = (
        "import sys, cercle.app, bot.services, cogs.polls, cogs.feedback, cogs.prompts, cogs.meetings\n"
        "assert 'matplotlib' not in sys.modules and 'numpy' not in sys.modules, sorted(m for m in sys.modules if m.startswith(('matplotlib', 'numpy')))[:5]\n"
        "from bot.polls.chart import render_chart\n"
        "assert 'matplotlib' not in sys.modules\n"
        "render_chart('q', ['a', 'b'], [1, 2])\n"
        "assert 'matplotlib' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_starting_cercle_leaves_dateparser_and_icalendar_to_their_first_use():
    """Lean start: building every service and cog imports neither ``dateparser`` nor
    ``icalendar``; the first typed time and the first calendar do."""
    import subprocess
    import sys

    code = (
        "import sys, cercle.app, bot.services, cogs.polls, cogs.feedback, cogs.prompts, cogs.meetings\n"
        "assert 'dateparser' not in sys.modules and 'icalendar' not in sys.modules\n"
        "from datetime import UTC, datetime\n"
        "from bot.timeparse import parse_instant\n"
        "parse_instant('in 2 hours', field='f', zone='Europe/Paris', locale='en', now=datetime(2026, 11, 30, 9, tzinfo=UTC))\n"
        "assert 'dateparser' in sys.modules\n"
        "from bot.meetings.ical import build_calendar\n"
        "build_calendar([], now=datetime(2026, 11, 30, 9, tzinfo=UTC))\n"
        "assert 'icalendar' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
