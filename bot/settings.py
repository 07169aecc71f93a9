"""Settings loaded from the environment and ``.env`` (pydantic-settings).

``Settings`` is built once by the CLI and passed down; nothing instantiates it at import
time (DESIGN.md §1). Secrets are ``SecretStr`` and ``hide_input_in_errors`` keeps them out
of validation messages (DESIGN.md §4).
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_API_BASE = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"


class Settings(BaseSettings):
    """Every setting of a Cercle process, each one an environment variable of the same name.

    Raises ``pydantic.ValidationError`` on a bad value; use :func:`load_settings` for a
    message that names the variable without echoing its value.
    """

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        hide_input_in_errors=True,
        case_sensitive=False,
    )

    discord_token: SecretStr | None = Field(default=None, description="Bot token from the Developer Portal.")
    database_path: Path = Field(default=Path("data/cercle.sqlite3"))
    anonymity_secret: SecretStr | None = Field(
        default=None,
        description="HMAC key for anonymous dedupe keys; if unset, read from (or created in) ANONYMITY_SECRET_FILE.",
    )
    anonymity_secret_file: Path = Field(default=Path("secrets/anonymity.key"))
    discord_api_base: str = Field(default=DEFAULT_API_BASE)
    discord_gateway_url: str = Field(default=DEFAULT_GATEWAY_URL)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    default_timezone: str = "Europe/Paris"
    default_locale: Literal["fr", "en"] = "en"
    dev_guild_id: int | None = Field(default=None, description="Guild that `cercle sync-commands` targets by default.")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("default_timezone")
    @classmethod
    def _valid_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("must be an IANA time zone name such as Europe/Paris") from exc
        return value

    @field_validator("discord_api_base")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("discord_gateway_url")
    @classmethod
    def _ws_url(cls, value: str) -> str:
        if not value.startswith(("ws://", "wss://")):
            raise ValueError("must be a ws:// or wss:// URL")
        return value

    @field_validator("database_path", "anonymity_secret_file")
    @classmethod
    def _file_path(cls, value: Path) -> Path:
        if str(value).strip() in ("", ".") or value.is_dir():
            raise ValueError("must be a file path, e.g. data/cercle.sqlite3")
        return value

    @field_validator("dev_guild_id")
    @classmethod
    def _snowflake(cls, value: int | None) -> int | None:
        if value is not None and value <= 0:
            raise ValueError("must be a server (guild) id: a positive number")
        return value

    @property
    def api_base(self) -> str:
        """The REST base URL without its trailing slash."""
        return self.discord_api_base.rstrip("/")

    def resolve_anonymity_secret(self) -> bytes:
        """Return the HMAC secret as bytes (DESIGN.md §3: never stored in the database).

        Order: ``ANONYMITY_SECRET``; else the file ``ANONYMITY_SECRET_FILE``; else a new
        random 32-byte secret is written to that file with mode 0600. Raises ``OSError``
        when the file can neither be read nor created.
        """
        if self.anonymity_secret is not None and self.anonymity_secret.get_secret_value():
            return self.anonymity_secret.get_secret_value().encode()
        path = self.anonymity_secret_file
        if path.exists():
            return path.read_text(encoding="utf-8").strip().encode()
        path.parent.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(value + "\n")
        return value.encode()


class SettingsError(Exception):
    """A configuration mistake, with a message that names the variables and what they allow."""


def describe_validation_error(exc: ValidationError) -> str:
    """Turn a pydantic error into lines ``VARIABLE: what is allowed`` (values never shown)."""
    lines = []
    for err in exc.errors():
        name = "_".join(str(part) for part in err["loc"]).upper() or "settings"
        message = err["msg"].removeprefix("Value error, ")
        lines.append(f"{name}: {message}")
    return "\n".join(lines)


def load_settings(**overrides: object) -> Settings:
    """Build :class:`Settings` from the environment, ``.env`` and ``overrides``.

    Raises :class:`SettingsError` whose message names each bad variable and the rule it
    breaks, never its value.
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(describe_validation_error(exc)) from None
