"""A reconnect supersedes the connect actions of the previous connection."""

from __future__ import annotations

from typing import Any

from csms.charging.records import StationInfo
from csms.operations.on_connect import ConnectActions

STATION = StationInfo(id=7, code="station-07", connection_identifier="station-07",
                      ocpp_protocol="1.6", connection_policy="ws", password_hash=None,
                      ocpp_leniency=False)


class _RecordingActions(ConnectActions):
    """Counts the runs that got past the pause instead of talking to a charger."""

    def __init__(self) -> None:
        super().__init__(access=None, uow=None, templates=None, profiles=None,  # type: ignore[arg-type]
                         delay=0.05)
        self.runs: list[int] = []

    async def _run(self, station: StationInfo) -> None:
        self.runs.append(station.id)


async def test_reconnect_cancels_the_previous_connections_actions() -> None:
    actions = _RecordingActions()
    actions.spawn(STATION)
    actions.spawn(STATION)  # the charger reconnected before the pause was over
    await actions.wait_idle()
    assert actions.runs == [STATION.id]


async def test_other_stations_keep_their_actions() -> None:
    actions = _RecordingActions()
    other: Any = StationInfo(id=8, code="station-08", connection_identifier="station-08",
                             ocpp_protocol="1.6", connection_policy="ws", password_hash=None,
                             ocpp_leniency=False)
    actions.spawn(STATION)
    actions.spawn(other)
    await actions.wait_idle()
    assert sorted(actions.runs) == [7, 8]
