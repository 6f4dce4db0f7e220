"""CDR building helpers (estimate, monetary limit, bad traces) and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tariffs.cdr import (
    ConnectorState,
    MeterSample,
    Reservation,
    build_cdr,
    estimate_cost,
    limit_reached,
)
from tariffs.cli import main, price_cdr_files
from tariffs.errors import InvalidMeterTraceError, InvalidTariffError, TariffError
from tariffs.ocpi_model import Price, parse_tariff

D = Decimal
T = datetime(2024, 5, 6, 8, 0, tzinfo=UTC)
TANDEM = Path("specs/ocpi/tariff-vectors/tandemdrive/test_data")
TARIFF = parse_tariff(
    '{"id": "E", "currency": "EUR", "elements": [{"price_components": ['
    '{"type": "FLAT", "price": 1, "step_size": 1},'
    '{"type": "ENERGY", "price": 0.30, "vat": 20, "step_size": 1},'
    '{"type": "PARKING_TIME", "price": 6, "vat": 20, "step_size": 60}]}]}'
)


def trace() -> list[MeterSample]:
    return [
        MeterSample(T, D(0), ConnectorState.CHARGING, D(11)),
        MeterSample(T + timedelta(minutes=30), D(5500), ConnectorState.CHARGING, D(11)),
        MeterSample(T + timedelta(hours=1), D(11000), ConnectorState.PARKING, D(0)),
    ]


def test_estimate_and_limit() -> None:
    mid = estimate_cost(T, T + timedelta(minutes=30), trace(), TARIFF)
    assert mid.total_cost.excl_vat == D("2.6500")  # 1 + 5.5 kWh x 0.30 (samples so far)
    early = estimate_cost(T, T + timedelta(minutes=15), trace(), TARIFF)
    assert early.total_cost.excl_vat == D("1.0000")  # no energy reported yet
    final = build_cdr(T, T + timedelta(hours=1, minutes=10), trace(), TARIFF).pricing
    assert final.total_cost.excl_vat == D("5.3000")  # 1 + 3.30 + 10 min x 6/h
    assert limit_reached(final.total_cost, D("6.00"))  # incl VAT 6.16
    assert not limit_reached(final.total_cost, D("6.20"))
    assert not limit_reached(D(100), None)
    assert limit_reached(D(5), D(5))
    assert not limit_reached(Price(excl_vat=D(4)), D(5))


def test_reservation_in_built_cdr() -> None:
    res = Reservation(T - timedelta(minutes=20), T)
    built = build_cdr(T, T + timedelta(hours=1), trace(), TARIFF, reservation=res)
    assert built.charging_periods[0].dimensions[0].type.value == "RESERVATION_TIME"
    expired = build_cdr(T, T, [], TARIFF, reservation=Reservation(T, T + timedelta(hours=1), True))
    assert expired.pricing.total_cost.excl_vat == D("0.0000")


def test_bad_traces_raise() -> None:
    with pytest.raises(InvalidMeterTraceError, match="went backwards"):
        build_cdr(
            T,
            T + timedelta(hours=1),
            [*trace(), MeterSample(T + timedelta(hours=2), D(5), ConnectorState.PARKING)],
            TARIFF,
        )
    with pytest.raises(InvalidMeterTraceError, match="timezone-aware"):
        build_cdr(T.replace(tzinfo=None), T, [], TARIFF)
    with pytest.raises(InvalidMeterTraceError, match="before its start"):
        build_cdr(T, T - timedelta(seconds=1), [], TARIFF)


def test_price_cdr_files_on_vector(shared_dir: Path) -> None:
    base = shared_dir / TANDEM / "step_size"
    out = price_cdr_files(
        (base / "tariff.json").read_text(), (base / "cdr1.json").read_text(), None
    )
    assert out["total_cost"] == {"excl_vat": D("0.5502"), "incl_vat": D("0.5502")}
    assert set(out) == {
        "total_cost",
        "total_fixed_cost",
        "total_energy_cost",
        "total_time_cost",
        "total_parking_cost",
        "total_reservation_cost",
        "total_energy",
        "total_time",
        "total_parking_time",
    }
    listed = "[" + (base / "tariff.json").read_text() + "]"
    assert price_cdr_files(listed, (base / "cdr1.json").read_text(), "UTC") == out


def test_cli_main(shared_dir: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    base = shared_dir / TANDEM / "simple_3hour_5parking"
    assert main(["price", str(base / "tariff.json"), str(base / "cdr1.json"), "--tz", "UTC"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["total_cost"] == {"excl_vat": 11.25, "incl_vat": 12.75}
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "x"}')
    assert main([str(bad), str(base / "cdr1.json")]) == 2
    assert "invalid tariff" in capsys.readouterr().err
    assert main([str(base / "tariff.json"), str(base / "cdr1.json"), "--tz", "Mars/Base"]) == 2
    assert "unknown time zone" in capsys.readouterr().err
    assert main([str(tmp_path / "missing.json"), str(base / "cdr1.json")]) == 2
    assert "cannot read input" in capsys.readouterr().err
    assert main([]) == 2


def test_price_cdr_files_rejects_garbage() -> None:
    with pytest.raises(InvalidTariffError):
        price_cdr_files("[]", "{}", None)
    with pytest.raises(TariffError):
        price_cdr_files('{"id": "x", "currency": "EUR", "elements": []}', "{}", None)
