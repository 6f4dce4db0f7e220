"""How much the OICP sending side reads and writes: a reconciliation reads the network once,
and not at all while nothing changed (yet DST and tariff validity still count as changes);
a station event reads only that station's EVSEs; what was pushed is written in bulk.

A spy around the real store (SQLite or PostgreSQL, seeded network) records the reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import update

from csms.network.types import ConnectorFormat, ConnectorStandard, ElectricCurrentType
from gateway.db import tables
from gateway.db.oicp_push_store import BATCH, SqlOicpStore
from oicp.evse_sync import PreparedRecord
from oicp.mapping import evse_data_record
from oicp.outbound import OicpOutbound
from oicp.views import OicpAreaView, OicpChargerView, OicpConnectorView, OicpPlatformView
from tests.e2e.test_oicp_outbound import PLATFORM, _create_platform, data_calls, flush, hubject

STATION_01 = {"SI*TRI*E010107", "SI*TRI*E010108"}


class Spy:
    """The real store; ``calls`` lists the network and pushed-state reads made."""

    def __init__(self, store: SqlOicpStore) -> None:
        self._store = store
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._store, name)
        if name not in ("exported", "pushed"):
            return found

        async def recorded(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args, kwargs))
            return await found(*args, **kwargs)

        return recorded

    def network_reads(self) -> int:
        """Reads of the whole network (``exported`` without a station)."""
        return sum(1 for name, args, kwargs in self.calls if name == "exported"
                   and len(args) < 2 and kwargs.get("station") is None)


def _spied(gateway: Any) -> tuple[OicpOutbound, Spy]:
    deps = gateway.deps
    spy = Spy(SqlOicpStore(deps.sessions, deps.outbox, deps.clock.now))
    return OicpOutbound(spy, deps.clock.now), spy  # type: ignore[arg-type]


def _queued(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


async def test_an_unchanged_network_is_not_read_again(gateway: Any) -> None:
    await _create_platform(gateway)
    outbound, spy = _spied(gateway)
    first = await outbound.reconcile(PLATFORM)
    assert _queued(first) == {"evse_data_full_load": 3, "evse_status_full_load": 3}
    assert spy.network_reads() == 1  # data, statuses and pricing from one read
    assert _queued(await outbound.reconcile(PLATFORM)) == {}
    assert spy.network_reads() == 1  # nothing changed: not read
    status, body = await gateway.admin("PATCH", "/connectors/B1C1/1",
                                       json={"wattage_limit_w": 150000})
    assert status == 200, body
    assert _queued(await outbound.reconcile(PLATFORM)) == {"evse_updated": 1}
    assert spy.network_reads() == 2
    assert _queued(await outbound.reconcile(PLATFORM)) == {}
    assert spy.network_reads() == 2
    # A status change stamps the connector: the network is read, nothing is pushed.
    async with gateway.deps.sessions() as session, session.begin():
        await session.execute(update(tables.connectors).values(
            status="Charging", updated_at=datetime.now(UTC)))
    assert _queued(await outbound.reconcile(PLATFORM)) == {}
    assert spy.network_reads() == 3
    # At least hourly the network is read anyway; the weekly fullLoad still comes.
    gateway.clock.advance(3600)
    assert _queued(await outbound.reconcile(PLATFORM)) == {}
    assert spy.network_reads() == 4
    gateway.clock.advance(7 * 86400)
    week = await outbound.reconcile(PLATFORM)
    assert _queued(week) == {"evse_data_full_load": 3, "evse_status_full_load": 3}
    assert spy.network_reads() == 5


async def test_the_daily_status_full_load_comes_without_a_change(gateway: Any) -> None:
    await _create_platform(gateway)
    outbound, _ = _spied(gateway)
    await outbound.reconcile(PLATFORM)
    gateway.clock.advance(1800)
    assert _queued(await outbound.reconcile(PLATFORM)) == {}
    gateway.clock.advance(86400 - 1800)
    assert _queued(await outbound.reconcile(PLATFORM)) == {"evse_status_full_load": 3}


async def test_a_dst_change_updates_every_record(gateway: Any) -> None:
    async with hubject(gateway) as fake:
        outbound = gateway.deps.oicp_outbound
        gateway.clock.set(datetime(2026, 10, 25, 0, 30, tzinfo=UTC))  # CEST until 01:00 UTC
        assert (await outbound.reconcile(PLATFORM))["evse_data_full_load"] == 3
        gateway.clock.advance(45 * 60)  # CET now; the network unchanged, read 45 min ago
        assert _queued(await outbound.reconcile(PLATFORM)) == {"evse_updated": 3}
        await flush(gateway)
        assert [action for action, _ in data_calls(fake)] == ["fullLoad", "update"]
        zones = [{r["Address"]["TimeZone"] for r in call.body["OperatorEvseData"][
            "EvseDataRecord"]} for call in fake.calls_of("evse_data")]
        assert zones == [{"UTC+02:00"}, {"UTC+01:00"}]
        fake.assert_clean()


async def test_a_tariff_coming_into_force_is_pushed(gateway: Any) -> None:
    await _create_platform(gateway)
    outbound, _ = _spied(gateway)
    start = gateway.clock.now() + timedelta(minutes=10)
    status, body = await gateway.admin("POST", "/roaming/tariffs", json={
        "code": "AC", "name": "AC roaming", "valid_from": start.isoformat(),
        "details": [{"energy": {"price": "0.30"}}]})
    assert status == 201, body
    for path in ("operator/OP-1", f"platform/{PLATFORM}"):
        status, body = await gateway.admin("PUT", f"/roaming/tariff-assignments/{path}",
                                           json={"tariffs": ["AC"]})
        assert status == 200, body
    assert (await outbound.reconcile(PLATFORM))["pricing"] == 0  # not in force yet
    assert (await outbound.reconcile(PLATFORM))["pricing"] == 0
    gateway.clock.advance(15 * 60)
    assert (await outbound.reconcile(PLATFORM))["pricing"] == 2


async def test_a_status_event_reads_only_its_stations_evses(gateway: Any) -> None:
    async with hubject(gateway):
        outbound, spy = _spied(gateway)
        await outbound.reconcile(PLATFORM)  # every EVSE of the platform is known
        async with gateway.charger("station-01"):
            await flush(gateway)
            # The connector's status changes behind the event bus: our sending side
            # alone will push it.
            async with gateway.deps.sessions() as session, session.begin():
                await session.execute(update(tables.connectors).where(
                    tables.connectors.c.roaming_id == "010107").values(status="Available"))
            spy.calls.clear()
            assert await outbound.station_changed("station-01") == 1
            assert await outbound.station_changed("station-01") == 0  # pushed once
        [platform] = await SqlOicpStore(gateway.deps.sessions, gateway.deps.outbox,
                                        gateway.clock.now).platforms(PLATFORM)
        assert [name for name, _, _ in spy.calls] == ["exported", "pushed"] * 2
        for name, args, kwargs in spy.calls:
            if name == "exported":
                assert args[1:] == ("station-01",)
            else:  # what was pushed for this station's EVSEs, without the records' JSON
                assert (args[0], set(args[1]), kwargs) == (platform.id, STATION_01,
                                                           {"records": False})


PLATFORM_VIEW = OicpPlatformView(operator_id="SI*TRI", operator_name="Tridens",
                                 hotline_phone="+38640000000")
AREA = OicpAreaView(code="A", name="Ljubljana", address="Slovenska cesta 1", city="Ljubljana",
                    postal_code="1000", country="SI", latitude=Decimal("46.0569"),
                    longitude=Decimal("14.5058"), time_zone="Europe/Ljubljana")
CHARGER = OicpChargerView(code="C", roaming_enabled=True, roaming_id="C1",
                          electric_current_type=ElectricCurrentType.AC_3_PHASE)


def _prepared(number: int, watts: int = 22000) -> PreparedRecord:
    connector = OicpConnectorView(code="1", roaming_id=f"{number:05d}",
                                  standard=ConnectorStandard.TYPE_2,
                                  format=ConnectorFormat.SOCKET, wattage_limit_w=watts)
    return PreparedRecord.of(evse_data_record(PLATFORM_VIEW, AREA, CHARGER, connector,
                                              at=datetime(2026, 11, 21, tzinfo=UTC)))


async def test_pushed_records_are_written_and_read_in_batches(gateway: Any) -> None:
    await _create_platform(gateway)
    store = SqlOicpStore(gateway.deps.sessions, gateway.deps.outbox, gateway.clock.now)
    [platform] = await store.platforms(PLATFORM)
    total = 2 * BATCH + 7
    ids = [f"SI*TRI*E{n:05d}" for n in range(total)]
    # Statuses first (inserted), then a data fullLoad of all but the first five.
    await store.queue_evse_status(platform, [], {k: "Available" for k in ids[:-10]})
    pushed = await store.pushed(platform.id)
    assert sorted(pushed) == ids[:-10]
    assert {(p.status, p.digest) for p in pushed.values()} == {("Available", None)}
    records = {r.evse_id: r for r in (_prepared(n) for n in range(5, total))}
    assert sorted(records) == ids[5:]
    await store.queue_evse_data(platform, [], records, (), full_load=True)
    pushed = await store.pushed(platform.id)
    assert sorted(pushed) == ids[5:]  # a fullLoad forgets every other EvseID
    assert all(pushed[k].digest == r.digest and pushed[k].record == r.document()
               for k, r in records.items())
    assert [k for k in ids[5:] if pushed[k].status != "Available"] == ids[-10:]  # kept
    summary = await store.pushed_summary(platform.id)
    assert (summary.evses, summary.data_records, summary.statuses) == (
        total - 5, total - 5, total - 15)
    # A read of given EvseIDs (more than one batch), without the records' JSON.
    some = await store.pushed(platform.id, ids[: BATCH + 3], records=False)
    assert sorted(some) == ids[5: BATCH + 3]
    assert {p.record for p in some.values()} == {None}
    # A delta: one record updated (status kept), one removed; the status rows updated.
    changed = _prepared(9, watts=11000)
    await store.queue_evse_data(platform, [], {changed.evse_id: changed}, [ids[6]],
                                full_load=False)
    await store.queue_evse_status(platform, [], {ids[9]: "Occupied", ids[-1]: "Occupied"})
    after = await store.pushed(platform.id, [ids[6], ids[9], ids[-1]])
    assert sorted(after) == [ids[9], ids[-1]]
    assert (after[ids[9]].digest, after[ids[9]].status) == (changed.digest, "Occupied")
    assert (after[ids[-1]].digest, after[ids[-1]].status) == (
        records[ids[-1]].digest, "Occupied")
