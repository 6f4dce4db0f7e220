"""Settings from the environment, the secret key file and stored-secret encryption."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import structlog
from pydantic import ValidationError

from gateway.config import LogFormat, Settings
from gateway.logging import configure_logging
from gateway.secrets import (
    SecretBox,
    SecretDecryptionError,
    load_or_create_secret_key,
    token_digest,
    token_matches,
)


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVGW_HTTP_PORT", "9000")
    monkeypatch.setenv("EVGW_DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("EVGW_PUBLIC_URL", "https://gw.example.com/")
    settings = Settings()
    assert settings.http_port == 9000
    assert settings.database_url == "postgresql+asyncpg://u@h/db"
    assert settings.advertised_url() == "https://gw.example.com"
    assert Settings(http_port=1234).http_port == 1234  # flags override the environment


def test_settings_defaults_and_refusals() -> None:
    settings = Settings()
    assert settings.database_url == "sqlite+aiosqlite:///./evgw.db"
    assert (settings.http_host, settings.http_port) == ("0.0.0.0", 8080)
    assert settings.advertised_url() == "http://127.0.0.1:8080"
    with pytest.raises(ValidationError):
        Settings(database_url="mysql://x")
    with pytest.raises(ValidationError):
        Settings(public_url="ftp://x")


def test_secret_key_generated_once_with_owner_only_mode(tmp_path: Path) -> None:
    first = load_or_create_secret_key(None, tmp_path / "data")
    path = tmp_path / "data" / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret_key(None, tmp_path / "data") == first
    assert load_or_create_secret_key("configured", tmp_path / "data") == b"configured"


def test_secret_box_round_trip_and_wrong_key() -> None:
    box = SecretBox(b"key-one")
    sealed = box.encrypt("partner-token")
    assert "partner-token" not in sealed
    assert box.decrypt(sealed) == "partner-token"
    with pytest.raises(SecretDecryptionError):
        SecretBox(b"key-two").decrypt(sealed)


def test_token_digest_comparison() -> None:
    digest = token_digest("abc")
    assert token_matches("abc", digest) and not token_matches("abd", digest)


def test_json_logs_carry_context_and_hide_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LogFormat.JSON)
    structlog.contextvars.bind_contextvars(request_id="r-1")
    try:
        structlog.get_logger("t").info("token_issued", token="s3cret", station_id="st-1")
    finally:
        structlog.contextvars.clear_contextvars()
        structlog.reset_defaults()
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["event"] == "token_issued" and line["request_id"] == "r-1"
    assert line["token"] == "***" and line["station_id"] == "st-1"
