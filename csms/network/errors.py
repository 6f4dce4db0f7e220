"""Typed errors of the network model. The admin API renders each once (problem+json)."""

from __future__ import annotations


class NetworkError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class NotFound(NetworkError):
    status = 404
    title = "Not found"


class Conflict(NetworkError):
    """The change collides with existing data (duplicate code, roaming id, identifier …)."""

    status = 409
    title = "Conflict"


class StillReferenced(Conflict):
    """Deleting an object that other objects still reference."""

    title = "Still referenced"

    def __init__(self, detail: str, references: dict[str, list[str]]) -> None:
        super().__init__(detail)
        self.references = references


class RuleViolation(NetworkError):
    """A rule of the network model (unknown reference, protocol mismatch, cycle …)."""

    status = 422
    title = "Rule violated"
