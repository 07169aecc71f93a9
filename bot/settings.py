"""Settings loaded from the environment and ``.env`` (pydantic-settings).

``Settings`` is built once by the CLI and passed down; nothing instantiates it at import
time (docs/architecture.md). Secrets are ``SecretStr`` and ``hide_input_in_errors`` keeps
them out of validation messages.

Paths: ``DATA_DIR`` is one absolute data directory; a relative ``DATABASE_PATH`` or
``ANONYMITY_SECRET_FILE`` is resolved against it, never against the working directory, so
running ``cercle`` from another folder cannot silently create a second database and secret
(design decision, docs/operations.md).
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv.parser import parse_stream
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_API_BASE = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"
ENV_FILE = ".env"
MIN_SECRET_BYTES = 32
"""Shortest anonymity secret accepted: 256 bits, the HMAC-SHA256 key size (design decision)."""


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/cercle``, else ``~/.local/share/cercle`` (XDG Base Directory spec).

    Raises ``RuntimeError`` when neither ``XDG_DATA_HOME`` nor a home directory is known.
    """
    xdg = os.environ.get("XDG_DATA_HOME", "").strip()
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "cercle"
    home = Path.home()
    if not home.is_absolute() or home == Path("/"):
        raise RuntimeError("no home directory to put the data directory in")
    return home / ".local" / "share" / "cercle"


class Settings(BaseSettings):
    """Every setting of a Cercle process, each one an environment variable of the same name.

    Raises ``pydantic.ValidationError`` on a bad value; use :func:`load_settings` for a
    message that names the variable without echoing its value.
    """

    model_config = SettingsConfigDict(
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        extra="ignore",
        hide_input_in_errors=True,
        case_sensitive=False,
    )

    discord_token: SecretStr | None = Field(default=None, description="Bot token from the Developer Portal.")
    data_dir: Path = Field(default_factory=default_data_dir, description="Absolute folder for relative paths below.")
    database_path: Path = Field(default=Path("cercle.sqlite3"))
    anonymity_secret: SecretStr | None = Field(
        default=None,
        description="HMAC key for anonymous dedupe keys; if unset, read from (or created in) ANONYMITY_SECRET_FILE.",
    )
    anonymity_secret_file: Path = Field(default=Path("anonymity.key"))
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

    @field_validator("data_dir")
    @classmethod
    def _absolute_dir(cls, value: Path) -> Path:
        if "\0" in str(value):
            raise ValueError("contains a NUL character; retype the path")
        if not value.is_absolute():
            raise ValueError("must be an absolute folder path, e.g. /var/lib/cercle")
        return value

    @field_validator("database_path", "anonymity_secret_file")
    @classmethod
    def _file_path(cls, value: Path) -> Path:
        if "\0" in str(value):
            raise ValueError("contains a NUL character; retype the path")
        if str(value).strip() in ("", "."):
            raise ValueError("must be a file path, e.g. cercle.sqlite3")
        return value

    @field_validator("anonymity_secret")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        text = value.get_secret_value().strip()
        if not text:
            raise ValueError("is set but empty: remove the line to use ANONYMITY_SECRET_FILE, or set a secret")
        if len(text.encode()) < MIN_SECRET_BYTES:
            raise ValueError(
                f"must be at least {MIN_SECRET_BYTES} bytes long; make one with "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return SecretStr(text)

    @model_validator(mode="after")
    def _resolve_paths(self) -> Settings:
        """Resolve relative file paths against ``data_dir`` (never the working directory)."""
        for name in ("database_path", "anonymity_secret_file"):
            path = getattr(self, name).expanduser()
            if not path.is_absolute():
                path = self.data_dir / path
            if path.is_dir():
                raise ValueError(f"{name.upper()} names a folder ({path}); give a file path such as cercle.sqlite3")
            object.__setattr__(self, name, path)
        return self

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


class SettingsError(Exception):
    """A configuration mistake, with a message that names the variables and what they allow."""


def describe_validation_error(exc: ValidationError) -> str:
    """Turn a pydantic error into lines ``VARIABLE: what is allowed`` (values never shown)."""
    lines = []
    for err in exc.errors():
        name = "_".join(str(part) for part in err["loc"]).upper()
        message = err["msg"].removeprefix("Value error, ")
        lines.append(f"{name}: {message}" if name else message)
    return "\n".join(lines)


_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_env_file(path: Path) -> None:
    """Refuse a ``.env`` that python-dotenv would read only in part.

    python-dotenv skips a line it cannot parse with a warning, reads a line without ``=``
    as a name without a value, and a file that is not UTF-8 (or UTF-16, whose NUL bytes
    pass as UTF-8) fails deep inside pydantic-settings or reads as nothing: each would
    silently drop settings. A leading byte-order mark is allowed. Raises
    :class:`SettingsError` naming the file (absolute) and the line. A missing file is fine.
    """
    where = path.absolute()
    try:
        if not path.exists():
            return
    except PermissionError:
        raise SettingsError(
            f"{where}: Cercle may not look into {where.parent} (permission denied), so it cannot tell whether "
            "settings are there; run cercle from a folder its user can read, such as DATA_DIR"
        ) from None
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SettingsError(f"{where}: cannot be read ({exc.strerror or exc}); fix its permissions or remove it") from None
    if b"\0" in raw:
        line = raw[: raw.index(b"\0")].count(b"\n") + 1
        raise SettingsError(f"{where}: line {line} holds a NUL byte (saved as UTF-16?); save the file as UTF-8") from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SettingsError(f"{where}: line {line} is not valid UTF-8; save the file as UTF-8") from None
    if "\ufeff" in text:
        line = text[: text.index("\ufeff")].count("\n") + 1
        raise SettingsError(f"{where}: line {line} cannot be read: it holds a stray byte-order mark; save the file as UTF-8")
    bad = [
        binding.original.line
        for binding in parse_stream(io.StringIO(text))
        if binding.error
        or (binding.key is not None and (binding.value is None or not _ENV_NAME.match(binding.key)))
    ]
    if bad:
        lines = ", ".join(str(n) for n in bad)
        raise SettingsError(
            f"{where}: line{'s' if len(bad) > 1 else ''} {lines} cannot be read; each line must be NAME=value "
            "(quote values with spaces or #), a comment starting with #, or empty"
        )


def load_settings(**overrides: Any) -> Settings:
    """Build :class:`Settings` from the environment, ``.env`` and ``overrides``.

    ``.env`` is read from the working directory, unless ``_env_file`` is given (``None``:
    none). Raises :class:`SettingsError` whose message names each bad variable (or the
    ``.env`` line) and the rule it breaks, never its value.
    """
    env_file = overrides.get("_env_file", ENV_FILE)
    if isinstance(env_file, str | Path):
        check_env_file(Path(env_file))
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(describe_validation_error(exc)) from None
