"""Settings read from the environment, with safe defaults for the embedded mode.

Embedded mode (the default) keeps everything in one data folder: a SQLite database in WAL
mode and a secret key generated on first run. Production mode (``TANDEM_MODE=production``)
refuses to start when a required setting is missing, naming it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

REQUIRED_IN_PRODUCTION = (
    "DATABASE_URL",
    "TANDEM_SECRET_KEY",
    "TANDEM_ALLOWED_HOSTS",
    "TANDEM_EMAIL_URL",
    "TANDEM_DEFAULT_FROM_EMAIL",
)


class ConfigurationError(RuntimeError):
    """A required setting is missing or malformed; the message names it."""


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name} must be true or false, not {value!r}")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


def env_lines(name: str) -> list[str]:
    """Lines separated by ``;`` (or real newlines): an address holds commas, and one environment
    variable rarely holds a newline comfortably."""
    text = (env(name) or "").replace("\n", ";")
    return [line.strip() for line in text.split(";") if line.strip()]


def is_production() -> bool:
    mode = env("TANDEM_MODE", "embedded")
    if mode not in {"embedded", "production"}:
        raise ConfigurationError(f"TANDEM_MODE must be 'embedded' or 'production', not {mode!r}")
    return mode == "production"


def check_production_settings() -> None:
    missing = [name for name in REQUIRED_IN_PRODUCTION if env(name) is None]
    # A provider's tracking webhooks suppress addresses: they must not be open to anyone.
    if (env("TANDEM_EMAIL_URL") or "").startswith("anymail:") and env(
        "ANYMAIL_WEBHOOK_SECRET"
    ) is None:
        missing.append("ANYMAIL_WEBHOOK_SECRET")
    if missing:
        raise ConfigurationError(
            "Tandem is in production mode and these settings are missing: " + ", ".join(missing)
        )


def data_dir() -> Path:
    """The data folder, private to the user Tandem runs as (0700), and a umask that keeps the
    files Tandem writes into it (database, exports, secret key) private too (0600)."""
    path = Path(env("TANDEM_DATA_DIR", str(Path.cwd() / "data")) or "data").resolve()
    os.umask(0o077)
    if not path.exists():
        path.mkdir(mode=0o700, parents=True)
    else:
        _tighten(path, 0o700)
    return path


def _tighten(path: Path, mode: int) -> None:
    """Take group and others' rights off a file or folder of ours that has them; a shared
    folder (``/tmp``, sticky) or one owned by someone else is left as it is."""
    info = path.stat()
    if info.st_uid == os.getuid() and not info.st_mode & 0o1000 and info.st_mode & 0o077:
        path.chmod(mode)


def private_file(path: Path) -> None:
    """Create ``path`` empty and readable by its owner only (0600), or tighten it if it exists:
    SQLite gives its -wal and -shm files the mode of the database file."""
    if str(path) in {"", ":memory:"} or str(path).startswith("file:"):
        return
    if path.exists():
        _tighten(path, 0o600)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def origins(base_url: str | None, extra: list[str]) -> list[str]:
    """CSRF trusted origins: the public address's ``scheme://host[:port]`` and any others."""
    from urllib.parse import urlsplit

    found = list(extra)
    if base_url:
        parts = urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ConfigurationError(
                f"TANDEM_BASE_URL must be an http(s) address such as https://tandem.example.com, "
                f"not {base_url!r}"
            )
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in found:
            found.insert(0, origin)
    return found


def secret_key(folder: Path) -> str:
    """The secret key from the environment, else one generated once and kept in the data folder."""
    configured = env("TANDEM_SECRET_KEY")
    if configured:
        return configured
    key_file = folder / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def anymail_settings(environ: dict[str, str] | None = None) -> dict[str, str]:
    """Django-anymail's ``ANYMAIL`` dict from every ``ANYMAIL_*`` environment variable, the
    prefix taken off: ``ANYMAIL_POSTMARK_SERVER_TOKEN`` → ``POSTMARK_SERVER_TOKEN``,
    ``ANYMAIL_WEBHOOK_SECRET`` → ``WEBHOOK_SECRET`` (``user:password`` of the webhooks' basic
    auth). Any provider's settings are named the way anymail's documentation names them."""
    source = os.environ if environ is None else environ
    return {
        name.removeprefix("ANYMAIL_"): value
        for name, value in source.items()
        if name.startswith("ANYMAIL_") and value != ""
    }


def _anymail_backend(url: str) -> str:
    """``anymail://postmark`` → ``anymail.backends.postmark.EmailBackend``, if anymail has it."""
    from importlib.util import find_spec

    provider = url.removeprefix("anymail:").strip("/").lower()
    if not provider.replace("_", "").isalnum() or find_spec(f"anymail.backends.{provider}") is None:
        raise ConfigurationError(
            f"TANDEM_EMAIL_URL names no provider django-anymail knows: {url!r} "
            "(e.g. anymail://postmark, anymail://mailgun, anymail://amazon_ses)"
        )
    return f"anymail.backends.{provider}.EmailBackend"


def email_settings(url: str | None) -> dict[str, object]:
    """Email settings from one URL.

    ``smtp://user:pass@host:port?tls=1``, ``smtps://…``, ``anymail://PROVIDER`` (the provider's
    API through django-anymail, its keys in ``ANYMAIL_*`` variables), ``console:`` or
    ``memory:``.
    """
    from urllib.parse import parse_qs, unquote, urlparse

    if url is None or url.startswith("console:"):
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if url.startswith("memory:"):
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if url.startswith("anymail:"):
        return {"EMAIL_BACKEND": _anymail_backend(url)}
    parsed = urlparse(url)
    if parsed.scheme not in {"smtp", "smtps"}:
        raise ConfigurationError(
            "TANDEM_EMAIL_URL must start with smtp://, smtps://, anymail:// or console:, "
            f"not {url!r}"
        )
    query = parse_qs(parsed.query)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parsed.hostname or "localhost",
        "EMAIL_PORT": parsed.port or (465 if parsed.scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(parsed.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
        "EMAIL_USE_SSL": parsed.scheme == "smtps",
        "EMAIL_USE_TLS": query.get("tls", ["0"])[0] in {"1", "true"},
        "EMAIL_TIMEOUT": 10,
    }
