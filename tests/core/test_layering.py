"""docs/architecture.md, "Layout": feature modules in bot/ never import discord; rules stay free of I/O libraries."""

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"
FRAME = {"app.py", "tree.py", "cli.py"}  # the bot's frame: the only bot/ files that may talk discord.py


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


FEATURE_FILES = sorted(p for p in BOT.rglob("*.py") if p.name not in FRAME or p.parent != BOT)


@pytest.mark.parametrize("path", FEATURE_FILES, ids=lambda p: str(p.relative_to(BOT)))
def test_no_discord_in_feature_modules(path):
    """No bot/ module but the frame (app, tree, cli) imports discord."""
    assert "discord" not in imported_roots(path)


@pytest.mark.parametrize("path", sorted(BOT.glob("*/rules.py")), ids=lambda p: str(p.relative_to(BOT)))
def test_rules_are_pure(path):
    """rules.py modules import neither discord nor aiosqlite nor the database layer."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not imported_roots(path) & {"discord", "aiosqlite", "sqlite3"}
    assert "bot.db" not in modules
