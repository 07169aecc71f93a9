"""docs/architecture.md, "Who acts": every service use-case takes an Actor and authorises
it inside the service. Every moderator use-case of every service refuses a plain member,
every system use-case refuses a moderator, and neither changes a row when it refuses."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.actor import USE_CASE_ATTRIBUTE, Actor
from bot.errors import Forbidden
from bot.services import Services, build_services
from tests.actors import member, moderator

GUILD = 4242
ROLE = 77  # the club's moderator role
OTHER_ROLE = 78

NOT_USE_CASES = {
    ("club", "get"): "settings read by services for an actor they have already authorised",
    ("club", "audit"): "the audit log written by services after an authorised action",
    ("club", "require_moderator"): "the check itself",
}
"""Public coroutines of the services that are plumbing between services, not use-cases."""

FEATURES = ("club", "polls", "feedback", "meetings", "prompts")


def _coroutines(service: object) -> Iterator[tuple[str, Callable[..., Any]]]:
    for name, attribute in inspect.getmembers(type(service)):
        # authorise is the check @use_case calls (FeatureService.authorise, ClubService.authorise)
        if not name.startswith("_") and name != "authorise" and inspect.iscoroutinefunction(attribute):
            yield name, attribute


def use_cases(services: Services, who: str) -> list[tuple[str, str, Callable[..., Any]]]:
    """``(feature, name, unbound method)`` of every ``who`` use-case."""
    found = []
    for feature in FEATURES:
        service = getattr(services, feature)
        for name, method in _coroutines(service):
            if getattr(method, USE_CASE_ATTRIBUTE, None) == who:
                found.append((feature, name, method))
    return found


@pytest.fixture
async def services(ctx):
    built = build_services(ctx)
    await ctx.club.update(moderator(GUILD), moderator_role_id=ROLE)
    return built


async def _snapshot(db) -> dict[str, int]:
    tables = [r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {t: await db.fetchval(f'SELECT COUNT(*) FROM "{t}"') for t in tables}


async def test_every_public_coroutine_of_a_service_is_a_use_case(services):
    """A public coroutine without @use_case would be callable for anyone."""
    missing = [
        f"{feature}.{name}"
        for feature in FEATURES
        for name, method in _coroutines(getattr(services, feature))
        if getattr(method, USE_CASE_ATTRIBUTE, None) is None and (feature, name) not in NOT_USE_CASES
    ]
    assert missing == []


async def test_every_feature_has_moderator_use_cases(services):
    """The refusal test below covers each feature (it would pass vacuously on none)."""
    covered = {feature for feature, _, _ in use_cases(services, "moderator")}
    assert covered == set(FEATURES)


async def test_every_moderator_use_case_refuses_a_plain_member(services, ctx):
    """A member without Manage Server and without the moderator role is refused, in the
    guild and in a DM, before anything is read or written."""
    before = await _snapshot(ctx.db)
    cases = use_cases(services, "moderator")
    for actor in (member(GUILD, 9, role_ids=(OTHER_ROLE,)), member(None, 9)):
        for feature, name, method in cases:
            with pytest.raises(Exception) as refused:
                await method(getattr(services, feature), actor)
            error = refused.value
            assert getattr(error, "key", None) in {"error.not_moderator", "error.guild_only"}, f"{feature}.{name}: {error!r}"
            if actor.guild_id is not None:
                assert isinstance(error, Forbidden), f"{feature}.{name}"
    assert await _snapshot(ctx.db) == before


async def test_every_system_use_case_refuses_a_moderator(services, ctx):
    """Scheduled work cannot be triggered by anyone but Cercle, moderators included."""
    before = await _snapshot(ctx.db)
    for feature, name, method in use_cases(services, "system"):
        with pytest.raises(Forbidden) as refused:
            await method(getattr(services, feature), moderator(GUILD, 5))
        assert refused.value.key == "error.not_allowed", f"{feature}.{name}"
    assert await _snapshot(ctx.db) == before


async def test_the_moderator_role_and_manage_server_are_moderators(services):
    """What the refusals are measured against: both ways of being a moderator pass."""
    for actor in (moderator(GUILD, 5), member(GUILD, 6, role_ids=(ROLE,)), Actor.scheduler(GUILD)):
        assert await services.club.authorise(actor, "moderator") is None
    assert await services.club.authorise(Actor.scheduler(GUILD), "system") is None


async def test_a_use_case_called_without_an_actor_is_a_type_error(services):
    """A call site left from before the contract fails loudly, not as some member."""
    with pytest.raises(TypeError, match="needs an Actor"):
        await services.club.recent_audit(GUILD)
