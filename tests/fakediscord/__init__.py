"""A Discord API server on loopback for end-to-end tests (see ``server.FakeDiscord``)."""

from tests.fakediscord.model import Channel, Guild, Message, Overwrite, P, Role, User
from tests.fakediscord.server import BOT_PERMISSIONS, CommandNotAvailable, FakeDiscord, Reply

__all__ = ["BOT_PERMISSIONS", "Channel", "CommandNotAvailable", "FakeDiscord", "Guild", "Message", "Overwrite", "P", "Reply", "Role", "User"]
