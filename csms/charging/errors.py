"""Errors of CSMS operations, rendered by the admin API like the network model's errors."""

from __future__ import annotations

from csms.network.errors import Conflict, NetworkError, NotFound


class StationNotConnected(Conflict):
    title = "Station not connected"


class ChargerTimeout(NetworkError):
    status = 504
    title = "Charger did not answer"


class ChargerCallFailed(NetworkError):
    """The charger answered the call with a CALLERROR."""

    status = 502
    title = "Charger refused the call"


class SessionNotFound(NotFound):
    pass


class SessionConflict(Conflict):
    """One active session per connector and per customer (the manual's limitations)."""
