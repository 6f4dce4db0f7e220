"""RemoteBridge through its ports, with in-memory fakes: what is linked before the charger
is asked, duplicates, a charger slower than Hubject's 10 s, and the reservation end."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from csms.authorization import AuthorizationDecision
from csms.charging.errors import StationNotConnected
from csms.charging.remote import RemoteResult
from csms.operations.access import OperationOutcome
from csms.operations.requests import CancelReservationBody, ReserveNowBody
from oicp.models import (
    Identification,
    decode_remote_reservation_start,
    decode_remote_reservation_stop,
    decode_remote_start,
    decode_remote_stop,
)
from oicp.remote import RemoteBridge
from oicp.remote_ports import (
    ACTIVE,
    ENDED,
    ORIGIN_REMOTE_START,
    PENDING,
    EvsePlace,
    NewLink,
    OicpPlatform,
    SessionLink,
)

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
PLATFORM = OicpPlatform(1, "HUBJECT", "SI*TRI")
EVSE = "SI*TRI*E010108"
EVCO = "DE*ICE*I01000*6"
PLACE = EvsePlace("station-01", "B1C1", "2", "1.6", reservable=True, operative=True)


class Links:
    def __init__(self) -> None:
        self.rows: dict[int, SessionLink] = {}
        self.session_statuses: dict[int, str] = {}
        self.ended_reservation_ids: set[int] = set()

    async def claim(self, link: NewLink) -> tuple[SessionLink, bool]:
        found = await self.find(link.platform_id, link.hubject_session_id)
        if found is not None:
            return found, False
        row = SessionLink(len(self.rows) + 1, link.platform_id, link.hubject_session_id,
                          link.cpo_partner_session_id, link.emp_partner_session_id,
                          link.provider_id, link.evse_id, link.origin, PENDING)
        self.rows[row.id] = row
        return row, True

    async def find(self, platform_id: int, hubject_session_id: str) -> SessionLink | None:
        return next((r for r in self.rows.values() if (r.platform_id, r.hubject_session_id)
                     == (platform_id, hubject_session_id)), None)

    async def get(self, link_id: int) -> SessionLink | None:
        return self.rows.get(link_id)

    def _set(self, link_id: int, **values: Any) -> None:
        self.rows[link_id] = dataclasses.replace(self.rows[link_id], **values)

    async def attach_session(self, link_id: int, charging_session_id: int) -> None:
        self._set(link_id, charging_session_id=charging_session_id)

    async def attach_reservation(self, link_id: int, reservation_id: int) -> None:
        self._set(link_id, reservation_id=reservation_id)

    async def settle(self, link_id: int, status: str, status_code: str) -> None:
        keep = self.rows[link_id].status
        self._set(link_id, status=status if keep == PENDING or status == "FAILED" else keep,
                  status_code=status_code)

    async def end(self, link_id: int) -> bool:
        if self.rows[link_id].status != ACTIVE:
            return False
        self._set(link_id, status=ENDED)
        return True

    async def session_status(self, charging_session_id: int) -> str | None:
        return self.session_statuses.get(charging_session_id)

    async def reservation_station(self, reservation_id: int) -> str | None:
        return "station-01"

    async def ended_reservations(self) -> list[SessionLink]:
        return [r for r in self.rows.values() if r.status == ACTIVE
                and r.reservation_id in self.ended_reservation_ids]


class Evses:
    def __init__(self, place: EvsePlace | None = PLACE) -> None:
        self.place_found = place

    async def place(self, platform: OicpPlatform, evse_id: str) -> EvsePlace | None:
        return self.place_found


class Remote:
    """RemoteSessions: prepares session 42 (READY), then waits for ``answer``."""

    def __init__(self, links: Links) -> None:
        self.links = links
        self.answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.starts: list[dict[str, Any]] = []
        self.closed: list[int] = []
        self.prepared = asyncio.Event()

    async def remote_start(self, station_code: str, *, charger: str | None,
                           connector: str | None, id_token: str, token_type: str | None = None,
                           preauthorized: AuthorizationDecision | None = None,
                           on_prepared: Callable[[int], Awaitable[None]] | None = None,
                           ) -> RemoteResult:
        self.starts.append({"station": station_code, "connector": connector,
                            "id_token": id_token, "token_type": token_type,
                            "reference": preauthorized.authorization_reference
                            if preauthorized else None})
        self.links.session_statuses[42] = "READY"
        assert on_prepared is not None
        await on_prepared(42)
        self.prepared.set()
        status = await self.answer
        return RemoteResult(status, 42, "READY")

    async def remote_stop(self, session_id: int) -> RemoteResult:
        return RemoteResult("Accepted", session_id, "IN_PROGRESS")

    async def force_close(self, session_id: int) -> RemoteResult:
        self.closed.append(session_id)
        self.links.session_statuses[session_id] = "CLOSED"
        return RemoteResult("NotSent", session_id, "CLOSED")


class Reservations:
    def __init__(self) -> None:
        self.answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.cancelled: list[int] = []

    async def reserve(self, code: str, body: ReserveNowBody) -> OperationOutcome:
        status = await self.answer
        return OperationOutcome(status, {"status": status}, {"reservation_id": 7})

    async def cancel(self, code: str, body: CancelReservationBody) -> OperationOutcome:
        self.cancelled.append(body.reservation_id)
        return OperationOutcome("Accepted", {"status": "Accepted"})


def start(session_id: str) -> Any:
    return decode_remote_start({"SessionID": session_id, "ProviderID": "DE*ICE",
                                "EvseID": EVSE, "EMPPartnerSessionID": "emp",
                                "Identification": Identification.of_remote(EVCO).to_json()})


def reserve(session_id: str) -> Any:
    return decode_remote_reservation_start({
        "SessionID": session_id, "ProviderID": "DE*ICE", "EvseID": EVSE, "Duration": 10,
        "Identification": Identification.of_remote(EVCO).to_json()})


@pytest.fixture
def links() -> Links:
    return Links()


def bridge(links: Links, remote: Remote, reservations: Reservations | None = None,
           evses: Evses | None = None, **kwargs: Any) -> RemoteBridge:
    return RemoteBridge(remote, reservations, evses or Evses(), links, lambda: NOW, **kwargs)


async def test_the_link_exists_before_the_charger_is_asked(links: Links) -> None:
    remote = Remote(links)
    subject = bridge(links, remote)
    session_id = str(uuid.uuid4())
    running = asyncio.ensure_future(subject.remote_start(PLATFORM, start(session_id)))
    await remote.prepared.wait()  # the charger has not answered yet
    link = await links.find(PLATFORM.id, session_id)
    assert link is not None and (link.status, link.charging_session_id) == (PENDING, 42)
    remote.answer.set_result("Accepted")
    ack = await running
    assert (ack.result, ack.status_code.code, ack.cpo_partner_session_id) == (
        True, "000", link.cpo_partner_session_id)
    assert remote.starts == [{"station": "station-01", "connector": "2", "id_token": EVCO,
                              "token_type": "ISO15118", "reference": session_id}]
    assert (await links.find(PLATFORM.id, session_id)).status == ACTIVE  # type: ignore[union-attr]


async def test_concurrent_duplicates_start_once_and_share_the_answer(links: Links) -> None:
    remote = Remote(links)
    subject = bridge(links, remote)
    session_id = str(uuid.uuid4())
    first = asyncio.ensure_future(subject.remote_start(PLATFORM, start(session_id)))
    await remote.prepared.wait()
    second = asyncio.ensure_future(subject.remote_start(PLATFORM, start(session_id)))
    remote.answer.set_result("Accepted")
    acks = await asyncio.gather(first, second)
    assert [a.status_code.code for a in acks] == ["000", "000"]
    assert len(remote.starts) == 1
    assert acks[0].cpo_partner_session_id == acks[1].cpo_partner_session_id


async def test_a_charger_slower_than_hubject_is_answered_501_and_undone(links: Links) -> None:
    remote = Remote(links)
    subject = bridge(links, remote, answer_within=0.01)
    session_id = str(uuid.uuid4())
    ack = await subject.remote_start(PLATFORM, start(session_id))
    assert (ack.result, ack.status_code.code) == (False, "501")
    assert remote.closed == [42]  # the prepared session is not left waiting
    remote.answer.set_result("Accepted")  # too late: it must not stand
    await subject.wait()
    link = await links.find(PLATFORM.id, session_id)
    assert link is not None and (link.status, link.status_code) == ("FAILED", "501")
    assert remote.closed == [42]


async def test_a_late_reservation_is_cancelled(links: Links) -> None:
    remote, reservations = Remote(links), Reservations()
    subject = bridge(links, remote, reservations, answer_within=0.01)
    session_id = str(uuid.uuid4())
    ack = await subject.reservation_start(PLATFORM, reserve(session_id))
    assert (ack.result, ack.status_code.code) == (False, "501")
    reservations.answer.set_result("Accepted")
    await subject.wait()
    assert reservations.cancelled == [7]
    link = await links.find(PLATFORM.id, session_id)
    assert link is not None and (link.status, link.reservation_id) == ("FAILED", 7)


async def test_reservation_end_is_reported_once(links: Links) -> None:
    remote, reservations = Remote(links), Reservations()
    ended: list[int] = []

    async def reservation_ended(link_id: int) -> None:
        ended.append(link_id)

    subject = bridge(links, remote, reservations, reservation_ended=reservation_ended)
    session_id = str(uuid.uuid4())
    reservations.answer.set_result("Accepted")
    assert (await subject.reservation_start(PLATFORM, reserve(session_id))).result is True
    link = await links.find(PLATFORM.id, session_id)
    assert link is not None and link.reservation_id == 7
    links.ended_reservation_ids.add(7)  # the charger removed it meanwhile
    stop = decode_remote_reservation_stop({"SessionID": session_id, "ProviderID": "DE*ICE",
                                           "EvseID": EVSE})
    ack, count = await asyncio.gather(subject.reservation_stop(PLATFORM, stop),
                                      subject.close_ended_reservations())
    assert ack.result is True
    assert ended == [link.id] and count in (0, 1)
    assert await subject.close_ended_reservations() == 0


async def test_refusals_before_the_charger(links: Links) -> None:
    remote = Remote(links)
    reserved = dataclasses.replace(PLACE, reserved_for=("DE*ICE*I09999*1",))
    faulted = dataclasses.replace(PLACE, connector_status="Faulted")
    for place, code in ((None, "603"), (reserved, "601"), (faulted, "700")):
        ack = await bridge(links, remote, evses=Evses(place)).remote_start(
            PLATFORM, start(str(uuid.uuid4())))
        assert (ack.result, ack.status_code.code) == (False, code)
    mine = dataclasses.replace(PLACE, reserved_for=(EVCO,))  # reserved for this driver
    remote.answer.set_result("Accepted")
    ack = await bridge(links, remote, evses=Evses(mine)).remote_start(
        PLATFORM, start(str(uuid.uuid4())))
    assert ack.result is True
    assert len(remote.starts) == 1


async def test_offline_station_and_unknown_stop(links: Links) -> None:
    class Offline(Remote):
        async def remote_start(self, *args: Any, **kwargs: Any) -> RemoteResult:
            raise StationNotConnected("station 'station-01' is not connected")

    ack = await bridge(links, Offline(links)).remote_start(PLATFORM, start(str(uuid.uuid4())))
    assert (ack.result, ack.status_code.code) == (False, "501")
    stop = decode_remote_stop({"SessionID": str(uuid.uuid4()), "ProviderID": "DE*ICE",
                               "EvseID": EVSE})
    ack = await bridge(links, Remote(links)).remote_stop(PLATFORM, stop)
    assert (ack.result, ack.status_code.code) == (False, "400")


async def test_a_reservation_taken_over_by_a_session_gets_no_reservation_cdr(
        links: Links) -> None:
    remote, reservations = Remote(links), Reservations()
    ended: list[int] = []

    async def reservation_ended(link_id: int) -> None:
        ended.append(link_id)

    subject = bridge(links, remote, reservations, reservation_ended=reservation_ended)
    session_id = str(uuid.uuid4())
    reservations.answer.set_result("Accepted")
    assert (await subject.reservation_start(PLATFORM, reserve(session_id))).result is True
    link = await links.find(PLATFORM.id, session_id)
    assert link is not None
    await links.attach_session(link.id, 77)  # the driver charges under this SessionID
    links.ended_reservation_ids.add(7)  # ... so the reservation is USED
    assert await subject.close_ended_reservations() == 0
    assert ended == [] and (await links.get(link.id)).status == ACTIVE  # type: ignore[union-attr]


async def _orphan(links: Links, session_id: str, status: str) -> SessionLink:
    """A claim a previous process made and never answered (it stopped in between)."""
    link, _ = await links.claim(NewLink(
        platform_id=PLATFORM.id, hubject_session_id=session_id, cpo_partner_session_id="cpo-1",
        emp_partner_session_id="emp", provider_id="DE*ICE", evse_id=EVSE,
        identification=Identification.of_remote(EVCO).to_json(), origin=ORIGIN_REMOTE_START))
    await links.attach_session(link.id, 42)
    links.session_statuses[42] = "READY"
    links._set(link.id, status=status)
    return link


async def test_a_start_orphaned_by_a_restart_is_undone_not_stuck(links: Links) -> None:
    remote = Remote(links)
    session_id = str(uuid.uuid4())
    link = await _orphan(links, session_id, PENDING)
    ack = await bridge(links, remote).remote_start(PLATFORM, start(session_id))
    assert (ack.result, ack.status_code.code) == (False, "021")
    assert remote.starts == [] and remote.closed == [42]  # the prepared session is closed
    again = await bridge(links, remote).remote_start(PLATFORM, start(session_id))
    assert (again.result, again.status_code.code) == (False, "021")  # now a stored answer
    assert (await links.get(link.id)).status == "FAILED"  # type: ignore[union-attr]


async def test_a_start_the_charger_took_before_the_restart_is_confirmed(links: Links) -> None:
    remote = Remote(links)
    session_id = str(uuid.uuid4())
    link = await _orphan(links, session_id, ACTIVE)
    ack = await bridge(links, remote).remote_start(PLATFORM, start(session_id))
    assert (ack.result, ack.status_code.code, ack.cpo_partner_session_id) == (
        True, "000", "cpo-1")
    assert remote.starts == [] and remote.closed == []
    assert (await links.get(link.id)).status_code == "000"  # type: ignore[union-attr]
