"""Persistence the tariff catalogue needs (implemented in gateway/db/tariff_store.py)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol


@dataclass(frozen=True)
class StoredTariff:
    id: int
    code: str
    name: str
    status: str
    valid_from: datetime | None
    valid_to: datetime | None
    currency: str
    max_payment_authorization_amount: Decimal | None
    details: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime


class TariffRepository(Protocol):
    async def tariffs(self, code: str | None = None, status: str | None = None
                      ) -> list[StoredTariff]: ...
    async def tariff(self, tariff_id: int) -> StoredTariff | None: ...
    async def insert_tariff(self, values: dict[str, Any]) -> int: ...
    async def update_tariff(self, tariff_id: int, values: dict[str, Any]) -> None: ...
    async def delete_tariff(self, tariff_id: int) -> None: ...
    async def target_id(self, level: str, code: str) -> int | None: ...
    async def assignments(self, level: str | None = None, target_id: int | None = None,
                          tariff_code: str | None = None) -> list[tuple[str, int, str]]: ...
    async def set_assignments(self, level: str, target_id: int, codes: list[str]) -> None: ...
    async def site_currency(self) -> str | None: ...
    async def charger_scope(self, charger_code: str) -> tuple[int, int | None, int] | None:
        """(charger id, operator id or None, site id) of a charger."""
        ...


TariffUnitOfWork = Callable[[], AbstractAsyncContextManager[TariffRepository]]
