"""Every table module imported once, so the metadata Alembic and the tests see is complete."""

from __future__ import annotations

from gateway.db import (
    ocpi_tables,
    oicp_tables,
    outbox_tables,
    pki_tables,
    tables,
    terminal_tables,
)

metadata = tables.metadata

__all__ = [
    "metadata", "ocpi_tables", "oicp_tables", "outbox_tables", "pki_tables", "tables",
    "terminal_tables"]
