"""Cercle's frame: the Discord client (``app``), its command tree (``tree``) and the
command line (``cli``) — the only code that joins the brain (``bot/``, which never imports
discord.py) to the face (``cogs/``) (docs/architecture.md, "Layout")."""
