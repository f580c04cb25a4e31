"""Configuration: safe embedded defaults, a production mode that fails fast and passes checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tandem import config

PRODUCTION = {
    "TANDEM_MODE": "production",
    "DATABASE_URL": "sqlite:////tmp/tandem-prod-check.sqlite3",
    "TANDEM_SECRET_KEY": "a-long-production-secret-" + "x" * 40,
    "TANDEM_ALLOWED_HOSTS": "tandem.example.com",
    "TANDEM_EMAIL_URL": "smtp://mail.example.com:587?tls=1",
    "TANDEM_DEFAULT_FROM_EMAIL": "tandem@example.com",
}


def _manage(*args: str, env: dict[str, str], data_dir: Path) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TANDEM_") and k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "tandem.cli", *args],
        capture_output=True,
        text=True,
        env={**clean, "TANDEM_DATA_DIR": str(data_dir), **env},
        timeout=120,
    )


def test_secret_key_is_generated_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv("TANDEM_SECRET_KEY", raising=False)

    first = config.secret_key(tmp_path)

    assert first == config.secret_key(tmp_path) and len(first) > 50
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


@pytest.mark.parametrize("missing", sorted(PRODUCTION.keys() - {"TANDEM_MODE"}))
def test_production_refuses_to_start_naming_the_missing_setting(tmp_path, missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}

    result = _manage("check", env=env, data_dir=tmp_path)

    assert result.returncode == 2
    assert missing in result.stderr


def test_production_settings_pass_check_deploy(tmp_path):
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION, data_dir=tmp_path
    )

    assert result.returncode == 0, result.stderr + result.stdout


def test_email_url_is_parsed():
    settings = config.email_settings("smtp://user:p%40ss@mail.example.com:587?tls=1")

    assert (
        settings["EMAIL_HOST"],
        settings["EMAIL_PORT"],
        settings["EMAIL_HOST_PASSWORD"],
        settings["EMAIL_USE_TLS"],
    ) == ("mail.example.com", 587, "p@ss", True)
    with pytest.raises(config.ConfigurationError, match="TANDEM_EMAIL_URL"):
        config.email_settings("http://nope")


def test_debug_is_off_unless_asked(monkeypatch):
    monkeypatch.delenv("TANDEM_DEBUG", raising=False)
    assert config.env_bool("TANDEM_DEBUG") is False
    monkeypatch.setenv("TANDEM_DEBUG", "maybe")
    with pytest.raises(config.ConfigurationError, match="TANDEM_DEBUG"):
        config.env_bool("TANDEM_DEBUG")


def test_the_seller_address_is_lines_separated_by_semicolons(monkeypatch):
    monkeypatch.setenv("TANDEM_SELLER_ADDRESS", "Bryggen 4; 5003 Bergen;;Norway\nEurope")
    assert config.env_lines("TANDEM_SELLER_ADDRESS") == [
        "Bryggen 4",
        "5003 Bergen",
        "Norway",
        "Europe",
    ]
    monkeypatch.delenv("TANDEM_SELLER_ADDRESS")
    assert config.env_lines("TANDEM_SELLER_ADDRESS") == []
