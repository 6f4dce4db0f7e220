"""What the Payments module needs from the rest of the system (the gateway implements it)."""

from __future__ import annotations

from typing import Any, Protocol

from ocpi.payments.models import FinancialAdviceConfirmation, Terminal


class PaymentsPort(Protocol):
    async def receive_terminal(self, platform_code: str, terminal: Terminal
                               ) -> tuple[Terminal, bool]:
        """Keeps a terminal the PTP pushed; (the terminal as we now hold it, created)."""
        ...

    async def terminal(self, platform_code: str, terminal_id: str) -> Terminal | None:
        """The platform's terminal as we hold it (with our assignment)."""
        ...

    async def receive_confirmation(self, platform_code: str,
                                   confirmation: FinancialAdviceConfirmation,
                                   received: dict[str, Any]) -> bool:
        """Stores a financial advice confirmation (``received``: its JSON); True when new."""
        ...

    async def confirmation(self, platform_code: str, confirmation_id: str
                           ) -> dict[str, Any] | None:
        """A stored confirmation of the platform, as it was received."""
        ...
