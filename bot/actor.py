"""Who acts on a service, and the one place a use-case says who may call it
(docs/architecture.md, "Who acts").

Every public coroutine of a feature service is a *use-case* decorated with
:func:`use_case`, and takes an :class:`Actor` as its first argument. The decorator
authorises before the body runs, so a cog cannot forget the check and a scheduled job
cannot act for a member: ``"moderator"`` use-cases need Manage Server or the club's
moderator role (:func:`bot.club.rules.is_moderator`), ``"member"`` use-cases anyone
Discord lets interact (the body checks what is theirs: their vote, their audience),
``"system"`` use-cases only :meth:`Actor.scheduler` (jobs and start-up work).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Concatenate, Literal, ParamSpec, Protocol, TypeVar

from bot.errors import CercleError

Who = Literal["moderator", "member", "system"]
"""Who may call a use-case: see the module docstring."""

USE_CASE_ATTRIBUTE = "__cercle_use_case__"
"""Attribute :func:`use_case` sets on the wrapper (its :data:`Who`); the refusal test reads it."""


@dataclass(frozen=True)
class Actor:
    """Who acts: the Discord member (``user_id``, a snowflake), where (``guild_id``;
    ``None`` in a DM), what makes a moderator (``manage_guild``: the member's resolved
    Manage Server permission in the channel; ``role_ids``), and the member's Discord
    ``locale`` (``"fr"``/``"en"``, ``None`` when unknown: the club's language is used).

    ``system`` marks Cercle itself (scheduled jobs, start-up): build it with
    :meth:`scheduler`, never from an interaction.
    """

    user_id: int
    guild_id: int | None
    manage_guild: bool = False
    role_ids: tuple[int, ...] = ()
    locale: str | None = None
    system: bool = False
    month_first: bool = False
    """Numeric dates this member types read month first (Discord locale en-US); day first otherwise."""

    @classmethod
    def scheduler(cls, guild_id: int | None = None) -> Actor:
        """Cercle acting on its own (a job, a resumed fan-out), for ``guild_id`` if one."""
        return cls(user_id=0, guild_id=guild_id, system=True)

    def reads(self, club_locale: str) -> str:
        """The language to read this actor's typed text in (times, durations) and to answer
        them in: theirs, else the club's — a French ``18h`` is a clock time even in an
        English club."""
        return self.locale or club_locale

    def guild(self) -> int:
        """The guild the actor acts in; ``CercleError('error.guild_only')`` in a DM."""
        if self.guild_id is None:
            raise CercleError("error.guild_only")
        return self.guild_id


class Authorising(Protocol):
    """What a service offers :func:`use_case`: one ``authorise`` that raises
    :class:`~bot.errors.Forbidden` (or ``CercleError('error.guild_only')``)."""

    async def authorise(self, actor: Actor, who: Who) -> None:
        """Return if ``actor`` may call a ``who`` use-case, raise otherwise."""
        ...


SelfT = TypeVar("SelfT", bound=Authorising)
P = ParamSpec("P")
R = TypeVar("R")


def use_case(
    who: Who,
) -> Callable[
    [Callable[Concatenate[SelfT, Actor, P], Coroutine[Any, Any, R]]], Callable[Concatenate[SelfT, Actor, P], Coroutine[Any, Any, R]]
]:
    """Mark a service coroutine as a use-case callable by ``who`` and authorise its
    ``actor`` (the first argument after ``self``) before the body runs.

    Raises ``TypeError`` when the first argument is not an :class:`Actor` (a call site
    left from before the contract), else whatever ``self.authorise`` raises.
    """

    def decorate(
        fn: Callable[Concatenate[SelfT, Actor, P], Coroutine[Any, Any, R]],
    ) -> Callable[Concatenate[SelfT, Actor, P], Coroutine[Any, Any, R]]:
        @functools.wraps(fn)
        async def wrapper(self: SelfT, actor: Actor, /, *args: P.args, **kwargs: P.kwargs) -> R:
            if not isinstance(actor, Actor):
                raise TypeError(f"{fn.__qualname__} needs an Actor first, not {type(actor).__name__}")
            await self.authorise(actor, who)
            return await fn(self, actor, *args, **kwargs)

        setattr(wrapper, USE_CASE_ATTRIBUTE, who)
        return wrapper

    return decorate
