"""A typed face of the ``ocpp`` package's ``@on`` decorator (it is untyped upstream)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from ocpp.routing import on as _on

F = TypeVar("F", bound=Callable[..., Any])


def on(action: str) -> Callable[[F], F]:
    """Routes the CALL ``action`` to the decorated handler (our router validates)."""
    return cast(Callable[[F], F], _on(action, skip_schema_validation=True))
