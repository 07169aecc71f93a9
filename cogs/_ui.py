"""Rendering of the discord-free message descriptions (``bot.ports``) with discord.py.

Text that Discord cannot show whole is shortened with "…" here (labels 80, select
options 100, embed title 256, description 4096, field 256/1024); the full text stays in
the database.
"""

from __future__ import annotations

import io
from typing import Any

import discord

from bot import ports
from bot.text import plain_label, shorten

_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
    "link": discord.ButtonStyle.link,
}


def to_embed(spec: ports.Embed) -> discord.Embed:
    """A discord.Embed within Discord's limits."""
    embed = discord.Embed(
        title=shorten(spec.title, 256) if spec.title else None,
        description=shorten(spec.description, 4096) if spec.description else None,
        color=spec.color,
        url=spec.url,
        timestamp=spec.timestamp,
    )
    for field in spec.fields[:25]:
        embed.add_field(name=shorten(field.name, 256) or "\u200b", value=shorten(field.value, 1024) or "\u200b", inline=field.inline)
    if spec.footer:
        embed.set_footer(text=shorten(spec.footer, 2048))
    if spec.image:
        embed.set_image(url=f"attachment://{spec.image}")
    return embed


def to_view(components: tuple[ports.Button | ports.Select, ...]) -> discord.ui.View | None:
    """A finished (not stored) View whose custom_ids the registered DynamicItems handle.

    Rows: a component's ``row`` when given, else five buttons per row, a select alone.
    """
    if not components:
        return None
    view = discord.ui.View(timeout=None)
    row, in_row = 0, 0
    for comp in components:
        if isinstance(comp, ports.Select):
            if in_row:
                row, in_row = row + 1, 0
            item: discord.ui.Item[Any] = discord.ui.Select(
                custom_id=comp.custom_id,
                placeholder=shorten(comp.placeholder, 150) if comp.placeholder else None,
                min_values=comp.min_values,
                max_values=comp.max_values,
                options=[
                    discord.SelectOption(
                        label=plain_label(o.label, 100),
                        value=o.value,
                        description=plain_label(o.description, 100) if o.description else None,
                        default=o.default,
                    )
                    for o in comp.options[:25]
                ],
                row=comp.row if comp.row is not None else row,
            )
            row, in_row = row + 1, 0
        else:
            if comp.row is None and in_row == 5:
                row, in_row = row + 1, 0
            item = discord.ui.Button(
                style=_STYLES[comp.style],
                label=plain_label(comp.label, 80) if comp.label else None,
                custom_id=None if comp.style == "link" else comp.custom_id,
                url=comp.url,
                emoji=comp.emoji,
                disabled=comp.disabled,
                row=comp.row if comp.row is not None else row,
            )
            in_row += 1
        view.add_item(item)
    view.stop()  # rendering only: the DynamicItems registered on the bot answer clicks
    return view


def to_files(files: tuple[ports.File, ...]) -> list[discord.File]:
    """discord.File objects (fresh buffers: a File can be sent once)."""
    return [discord.File(io.BytesIO(f.data), filename=f.filename, description=f.description) for f in files]


def send_kwargs(message: ports.OutMessage) -> dict[str, Any]:
    """Keyword arguments for ``Messageable.send`` / ``respond``.

    Mentions are off except the opted-in ``ping_role_ids`` (the bot's configured pings).
    """
    kwargs: dict[str, Any] = {}
    if message.content:
        kwargs["content"] = shorten(message.content, 2000)
    if message.embeds:
        kwargs["embeds"] = [to_embed(e) for e in message.embeds[:10]]
    view = to_view(message.components)
    if view is not None:
        kwargs["view"] = view
    if message.files:
        kwargs["files"] = to_files(message.files)
    kwargs["allowed_mentions"] = (
        discord.AllowedMentions(everyone=False, users=False, roles=[discord.Object(r) for r in message.ping_role_ids])
        if message.ping_role_ids
        else discord.AllowedMentions.none()
    )
    return kwargs


def edit_kwargs(message: ports.OutMessage) -> dict[str, Any]:
    """Keyword arguments for ``Message.edit``: replaces content, embeds and components;
    files replace attachments only when the description carries files."""
    kwargs = send_kwargs(message)
    kwargs.setdefault("content", None)
    kwargs.setdefault("embeds", [])
    kwargs.setdefault("view", None)
    files = kwargs.pop("files", None)
    if files is not None:
        kwargs["attachments"] = files
    return kwargs


def response_kwargs(message: ports.OutMessage) -> dict[str, Any]:
    """Keyword arguments for an interaction response / followup (no ``allowed_mentions``
    pings either)."""
    kwargs = send_kwargs(message)
    return kwargs
