"""/club config, /club audit and /help through the fake Discord, in English and French."""

import pytest

from tests.fakediscord import CommandNotAvailable


async def test_help_lists_member_commands_in_english(harness):
    """A plain member sees the members' commands, not the moderators' ones."""
    c = harness.club
    reply = await harness.fake.slash(c.alice, "help", guild=c.guild)
    text = reply.text()
    assert "Cercle" in text and "/help" in text
    assert "/club" not in text


async def test_help_in_french_for_a_french_member(harness):
    """A member whose Discord is in French reads /help in French with French command names."""
    c = harness.club
    reply = await harness.fake.slash(c.bob, "help", guild=c.guild)
    assert "Pour tout le monde" in reply.text()
    assert "/aide" in reply.text()


async def test_help_shows_moderator_commands_to_moderators(harness):
    """An admin with Manage Server also sees the /club commands."""
    c = harness.club
    reply = await harness.fake.slash(c.admin, "help", guild=c.guild)
    assert "/club config set" in reply.text()
    assert "For moderators" in reply.text()


async def test_help_works_in_dm(harness):
    """/help answers in a DM with the bot too."""
    reply = await harness.fake.slash(harness.club.alice, "help")
    assert "/help" in reply.text()


async def test_admin_sets_timezone_and_language(harness):
    """An admin changes the time zone and language; /club config show reflects them in the new language."""
    c = harness.club
    reply = await harness.fake.slash(c.admin, "club config set", guild=c.guild, timezone="America/Montreal", language="fr")
    assert reply.ephemeral
    assert "Saved" in reply.text()  # the admin's own Discord language (en-US) wins
    shown = await harness.fake.slash(c.admin, "club config show", guild=c.guild)
    assert "America/Montreal" in shown.text()
    german = await harness.fake.slash(c.admin, "club config show", guild=c.guild, locale="de")
    assert "Réglages du club" in german.text()  # neither French nor English: the club's language


async def test_member_without_rights_cannot_see_club_commands(harness):
    """Discord hides /club from members without Manage Server (default permission)."""
    c = harness.club
    with pytest.raises(CommandNotAvailable):
        await harness.fake.slash(c.alice, "club config set", guild=c.guild, timezone="UTC")


async def test_member_refused_in_code_even_when_admin_overrides_visibility(harness):
    """If a server admin lets everyone use /club, Cercle still refuses non-moderators and changes nothing."""
    c = harness.club
    harness.fake.allow_command(c.guild, "club")
    reply = await harness.fake.slash(c.alice, "club config set", guild=c.guild, timezone="Asia/Tokyo")
    assert "Only the club's moderators" in reply.text()
    french = await harness.fake.slash(c.bob, "club config set", guild=c.guild, timezone="Asia/Tokyo")
    assert "Seuls les modérateurs" in french.text()
    shown = await harness.fake.slash(c.admin, "club config show", guild=c.guild)
    assert "Asia/Tokyo" not in shown.text()


async def test_moderator_role_grants_access(harness):
    """Once the moderator role is set (and allowed in Integrations), its members can use /club."""
    c = harness.club
    await harness.set_club(moderator_role=c.moderator_role)
    harness.fake.allow_command(c.guild, "club", c.moderator_role)
    reply = await harness.fake.slash(c.moderator, "club config set", guild=c.guild, anonymity_threshold=7)
    assert "Enregistré" in reply.text()


async def test_unknown_timezone_is_refused_with_the_field_named(harness):
    """An unknown time zone gets a message naming the field, in both languages, and nothing changes."""
    c = harness.club
    reply = await harness.fake.slash(c.admin, "club config set", guild=c.guild, timezone="Mars/Olympus")
    assert "time zone" in reply.text() and "Mars/Olympus" in reply.text()
    french = await harness.fake.slash(c.admin, "club config set", guild=c.guild, locale="fr", timezone="Paris")
    assert "fuseau horaire" in french.text()
    shown = await harness.fake.slash(c.admin, "club config show", guild=c.guild)
    assert "Europe/Paris" in shown.text()


async def test_threshold_two_is_refused(harness):
    """An anonymity threshold of 2 is refused: the message names the field and the minimum of 3."""
    c = harness.club
    reply = await harness.fake.slash(c.admin, "club config set", guild=c.guild, anonymity_threshold=2)
    assert "anonymity threshold" in reply.text() and "3" in reply.text()
    french = await harness.fake.slash(c.admin, "club config set", guild=c.guild, locale="fr", anonymity_threshold=2)
    assert "seuil d'anonymat" in french.text()


async def test_channel_the_bot_cannot_post_in_is_refused(harness):
    """A channel where the bot lacks Send Messages is refused and the other settings in the same call are not saved."""
    c = harness.club
    reply = await harness.fake.slash(
        c.admin, "club config set", guild=c.guild, announcements_channel=c.readonly, timezone="Asia/Tokyo"
    )
    assert "cannot post" in reply.text()
    french = await harness.fake.slash(c.admin, "club config set", guild=c.guild, locale="fr", prompts_channel=c.readonly)
    assert "je ne peux pas publier" in french.text()
    shown = await harness.fake.slash(c.admin, "club config show", guild=c.guild)
    assert "Asia/Tokyo" not in shown.text()


async def test_nothing_to_set(harness):
    """/club config set with no option explains that at least one is needed."""
    c = harness.club
    reply = await harness.fake.slash(c.admin, "club config set", guild=c.guild)
    assert "at least one setting" in reply.text()


async def test_timezone_autocomplete(harness):
    """Typing 'mont' suggests America/Montreal; the list stays within 25 choices."""
    c = harness.club
    choices = await harness.fake.autocomplete(c.admin, "club config set", "timezone", guild=c.guild, timezone="montr")
    assert "America/Montreal" in [ch["value"] for ch in choices]
    everything = await harness.fake.autocomplete(c.admin, "club config set", "timezone", guild=c.guild, timezone="a")
    assert 0 < len(everything) <= 25


async def test_audit_lists_moderator_actions(harness):
    """/club audit shows who changed what, newest first, in both languages."""
    c = harness.club
    await harness.set_club(timezone="Europe/Brussels")
    reply = await harness.fake.slash(c.admin, "club audit", guild=c.guild)
    assert "club.config.set" in reply.text() and "Europe/Brussels" in reply.text()
    assert f"<@{c.admin.id}>" in reply.text()
    french = await harness.fake.slash(c.admin, "club audit", guild=c.guild, locale="fr")
    assert "Dernières actions" in french.text()


async def test_audit_empty(harness):
    """A fresh club has an empty audit log, said plainly."""
    c = harness.club
    reply = await harness.fake.slash(c.admin, "club audit", guild=c.guild)
    assert "No moderator action" in reply.text()


async def test_settings_survive_a_restart(harness):
    """A new bot process on the same database shows the same settings."""
    c = harness.club
    await harness.set_club(timezone="Asia/Tokyo", language="fr")
    await harness.restart()
    shown = await harness.fake.slash(c.admin, "club config show", guild=c.guild)
    assert "Asia/Tokyo" in shown.text() and "French" in shown.text()


async def test_gateway_resume_replays_missed_events(harness):
    """After an op 7 reconnect the bot RESUMEs (no new IDENTIFY) and still answers."""
    identifies = harness.fake.gateway.identify_count
    await harness.fake.gateway.request_reconnect()
    for _ in range(200):
        await harness.fake.settle()
        if harness.fake.gateway.resume_count:
            break
    assert harness.fake.gateway.resume_count == 1
    assert harness.fake.gateway.identify_count == identifies
    reply = await harness.fake.slash(harness.club.alice, "help", guild=harness.club.guild)
    assert "/help" in reply.text()


async def test_rate_limited_rest_call_is_retried(harness):
    """A 429 on the settings reply's followup path is waited out by discord.py and the member still gets an answer."""
    c = harness.club
    harness.fake.inject_429("POST", r"^/interactions/\d+/[^/]+/callback$", retry_after=0.05)
    reply = await harness.fake.slash(c.admin, "club config show", guild=c.guild)
    assert harness.fake.hits_429() == 1
    assert "Club settings" in reply.text()


async def test_synced_schema_within_discord_budget(harness):
    """Every top-level command fits in 8,000 characters (longest localisation counted) and has French localisations."""
    from tests.fakediscord import validate

    commands = harness.fake.global_commands
    assert {"help", "club"} <= {c["name"] for c in commands}
    for command in commands:
        assert validate.budget(command) <= 8000, command["name"]
    club = next(c for c in commands if c["name"] == "club")
    assert int(club["default_member_permissions"]) == 1 << 5
    assert club["description_localizations"]["fr"].startswith("Réglages")


async def test_rate_limited_channel_post_is_retried(harness):
    """A 429 on a channel message post (with Via and retry_after) is waited out by discord.py; the post lands once."""
    from bot.ports import OutMessage

    c = harness.club
    harness.fake.inject_429("POST", rf"^/channels/{c.general.id}/messages$", retry_after=0.05)
    message_id = await harness.bot.ctx.port.send_message(c.general.id, OutMessage(content="after the wait"))
    assert harness.fake.hits_429() == 1
    posted = [m for m in harness.fake.messages_in(c.general.id) if m.content == "after the wait"]
    assert [m.id for m in posted] == [message_id]


async def test_unexpected_error_shows_a_reference_and_logs_it(harness, caplog):
    """An unexpected exception gives the member a short reference, in their language, and the log the same reference."""
    import re

    import discord

    bot = harness.bot

    @discord.app_commands.command(name="explode", description="test only")
    async def explode(interaction: discord.Interaction) -> None:
        raise RuntimeError("internal detail that must not reach the member")

    bot.tree.add_command(explode)
    await bot.tree.sync()
    c = harness.club
    reply = await harness.fake.slash(c.bob, "explode", guild=c.guild)
    assert reply.ephemeral and "Référence" in reply.text()
    assert "internal detail" not in reply.text()
    ref = re.search(r"`([0-9a-f]{8})`", reply.text()).group(1)
    assert f"error {ref} in explode" in caplog.text


async def test_option_named_like_a_fake_keyword_goes_through_options(harness):
    """An option whose name clashes with the fake's keywords is sent with options= (here the channel options)."""
    c = harness.club
    reply = await harness.fake.slash(c.admin, "club config set", guild=c.guild, options={"announcements_channel": c.announcements})
    assert "Saved" in reply.text()


async def test_threshold_above_fifty_is_refused(harness):
    """An anonymity threshold of 51 is refused, naming the field and both limits, in English and French; 50 is kept."""
    c = harness.club
    reply = await harness.fake.slash(c.admin, "club config set", guild=c.guild, anonymity_threshold=51)
    assert "anonymity threshold" in reply.text() and "from 3 to 50" in reply.text()
    french = await harness.fake.slash(c.admin, "club config set", guild=c.guild, locale="fr", anonymity_threshold=1000)
    assert "seuil d'anonymat" in french.text() and "de 3 à 50\u202f:" in french.text()
    kept = await harness.fake.slash(c.admin, "club config set", guild=c.guild, anonymity_threshold=50)
    assert "50 answers" in kept.text()
