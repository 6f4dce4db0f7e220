"""Error types of the OICP core."""

from __future__ import annotations

__all__ = ["InvalidIdError", "OicpDecodeError", "OicpError", "OicpMappingError"]


class OicpError(Exception):
    """Base class of every error raised by the OICP core."""


class OicpDecodeError(OicpError, ValueError):
    """A message body is not valid JSON or does not match the OICP model.

    ``message`` names the model; ``errors`` carries pydantic's error list (or is empty for
    JSON syntax errors).
    """

    def __init__(self, message: str, errors: list[dict[str, object]] | None = None) -> None:
        super().__init__(message)
        self.errors: list[dict[str, object]] = errors or []


class InvalidIdError(OicpError, ValueError):
    """An EvseID, OperatorID or other OICP identifier does not match Hubject's pattern."""


class OicpMappingError(OicpError, ValueError):
    """The network data cannot be expressed in OICP (e.g. no OICP plug for a connector)."""
