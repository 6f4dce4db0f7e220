"""Runtime settings, read once by the entry point and passed down explicitly.

Every field is an ``EVGW_``-prefixed environment variable and, for ``evgw serve``,
a command-line flag. Nothing here is instantiated at import time.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class LogFormat(StrEnum):
    AUTO = "auto"  # JSON when stderr is not a TTY, human-readable otherwise
    JSON = "json"
    CONSOLE = "console"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EVGW_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./evgw.db"
    http_host: str = "0.0.0.0"  # noqa: S104 - a gateway serves the network by design
    http_port: int = Field(default=8080, ge=0, le=65535)
    public_url: str | None = None
    admin_token: SecretStr | None = None
    secret_key: SecretStr | None = None
    data_dir: Path = Path("./var")
    log_format: LogFormat = LogFormat.AUTO
    log_level: str = "INFO"
    # OCPP
    tls_cert: Path | None = None
    tls_key: Path | None = None
    https_port: int = Field(default=8443, ge=0, le=65535)
    heartbeat_interval: int = Field(default=300, ge=10, le=86400)
    ocpp_call_timeout: float = Field(default=30.0, gt=0, le=600)
    idle_job_interval: float = Field(default=30.0, gt=0, le=3600)
    # OCPP security profile 3 / SignCertificate: the code of the system trust root that signs
    # chargers' CSRs (unset: SignCertificate is rejected) and the certificates' validity.
    charging_station_root: str | None = None
    charging_station_cert_days: int = Field(default=365, ge=1, le=3650)
    # OICP: the TLS listener Hubject calls (client certificates required); its server
    # certificate falls back to tls_cert/tls_key.
    oicp_port: int = Field(default=9443, ge=0, le=65535)
    oicp_tls_cert: Path | None = None
    oicp_tls_key: Path | None = None

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith(("sqlite:", "sqlite+pysqlite:")):
            return "sqlite+aiosqlite:" + value.split(":", 1)[1]
        if value.startswith(("postgresql:", "postgres:", "postgresql+psycopg2:")):
            return "postgresql+asyncpg:" + value.split(":", 1)[1]
        if not value.startswith(("sqlite+aiosqlite:", "postgresql+asyncpg:")):
            raise ValueError("database URL must be SQLite (sqlite+aiosqlite) or PostgreSQL")
        return value

    @model_validator(mode="after")
    def _tls_pair(self) -> Settings:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("EVGW_TLS_CERT and EVGW_TLS_KEY are set together")
        if (self.oicp_tls_cert is None) != (self.oicp_tls_key is None):
            raise ValueError("EVGW_OICP_TLS_CERT and EVGW_OICP_TLS_KEY are set together")
        return self

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("public URL must start with http:// or https://")
        return value.rstrip("/")

    def advertised_url(self) -> str:
        """Base URL partners and chargers are told to use."""
        if self.public_url:
            return self.public_url
        host = "127.0.0.1" if self.http_host in ("0.0.0.0", "::", "") else self.http_host  # noqa: S104
        return f"http://{host}:{self.http_port}"
