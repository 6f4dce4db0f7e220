"""The worked examples of the OCPI 2.2.1 tariff chapter (notes/ocpi.md section 7.4) and the
official example files (parse and serialize back equal).

Scenarios are described as periods (charging with energy, parking, reservation); where the
spec prose gives money at 2 decimals we compare at 2 decimals (ROUND_HALF_UP, see
tariffs.rounding), otherwise at 4.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tariffs.cdr import ConnectorState, MeterSample, build_cdr
from tariffs.ocpi_model import Tariff, dumps, loads, parse_cdr, parse_tariff
from tariffs.pricing import PricingResult, Session, SessionPeriod, price_cdr, price_session
from tariffs.rounding import round_output

EXAMPLES = Path("specs/ocpi/examples-2.2.1/examples")
D = Decimal


@pytest.fixture
def example(shared_dir: Path):  # type: ignore[no-untyped-def]
    def load(name: str) -> Tariff:
        return parse_tariff((shared_dir / EXAMPLES / name).read_text())

    return load


def charge(minutes: str | int, kwh: str | int = 0, **kw: Decimal) -> dict[str, object]:
    return {"kind": "charge", "minutes": D(minutes), "kwh": D(kwh), **kw}


def park(minutes: str | int) -> dict[str, object]:
    return {"kind": "park", "minutes": D(minutes)}


def reserve(minutes: str | int) -> dict[str, object]:
    return {"kind": "reserve", "minutes": D(minutes)}


def session(start: datetime, *segments: dict[str, object]) -> list[SessionPeriod]:
    out = []
    t = start
    for seg in segments:
        minutes = seg["minutes"]
        assert isinstance(minutes, Decimal)
        end = t + timedelta(seconds=float(minutes * 60))
        hours = minutes / 60
        kind = seg["kind"]
        extra = {k: v for k, v in seg.items() if k not in ("kind", "minutes", "kwh")}
        if kind == "charge":
            kwh = seg["kwh"]
            assert isinstance(kwh, Decimal)
            out.append(SessionPeriod(t, end, energy=kwh, time=hours, **extra))  # type: ignore[arg-type]
        elif kind == "park":
            out.append(SessionPeriod(t, end, parking=hours))
        else:
            out.append(SessionPeriod(t, end, reservation_time=hours, is_reservation=True))
        t = end
    return out


def money(result: PricingResult, places: int = 2) -> tuple[Decimal, Decimal]:
    total = result.total_cost
    assert total.incl_vat is not None
    return round_output(total.excl_vat, places), round_output(total.incl_vat, places)


T0 = datetime(2019, 1, 15, 14, 0, tzinfo=UTC)  # before tariff_6's end_date_time


def test_tariff_8_simple_025kwh(example) -> None:  # type: ignore[no-untyped-def]
    r = price_session(session(T0, charge(60, 20)), example("tariff_8_simple_025kwh.json"))
    assert money(r) == (D("5.00"), D("5.50"))


def test_tariff_9_start_fee(example) -> None:  # type: ignore[no-untyped-def]
    r = price_session(session(T0, charge(60, 20)), example("tariff_9_025kwh_start.json"))
    assert money(r) == (D("5.50"), D("6.10"))
    assert r.total_fixed_cost.excl_vat == D("0.5000")


def test_tariff_12_min_price(example) -> None:  # type: ignore[no-untyped-def]
    tariff = example("tariff_12_025kwh_min_price.json")
    assert money(price_session(session(T0, charge(60, 20)), tariff)) == (D("5.00"), D("5.50"))
    small = price_session(session(T0, charge(60, "1.2")), tariff)
    assert money(small) == (D("0.50"), D("0.55"))
    assert small.total_cost_before_limits.excl_vat == D("0.3000")
    assert small.total_energy_cost.excl_vat == D("0.3000")  # breakdown is not adjusted
    assert any("min_price" in line for line in small.explanation)


def test_tariff_10_parking_billed_per_15_min(example) -> None:  # type: ignore[no-untyped-def]
    r = price_session(
        session(T0, charge(60, 20), park(40)), example("tariff_10_025kwh_parking_start.json")
    )
    assert money(r) == (D("7.00"), D("7.90"))
    assert r.billed_parking_time == D("0.7500")
    assert r.total_parking_time == D("0.6667")


def test_tariff_6_max_price(example) -> None:  # type: ignore[no-untyped-def]
    tariff = example("tariff_6_025kwh_start_max_price.json")
    assert money(price_session(session(T0, charge(90, 50)), tariff)) == (D("10.00"), D("11.00"))
    assert money(price_session(session(T0, charge(90, 30)), tariff)) == (D("8.00"), D("8.85"))


def test_tariff_1_simple_2_hour(example) -> None:  # type: ignore[no-untyped-def]
    r = price_session(session(T0, charge(150)), example("tariff_1_simple_2hour.json"))
    assert money(r) == (D("5.00"), D("5.50"))


def test_tariff_13_time_and_parking(example) -> None:  # type: ignore[no-untyped-def]
    r = price_session(
        session(T0, charge(150), park(42)), example("tariff_13_simple_3hour_5parking.json")
    )
    assert money(r) == (D("11.25"), D("12.75"))


def test_tariff_2_alt_text(example) -> None:  # type: ignore[no-untyped-def]
    r = price_session(session(T0, charge(150)), example("tariff_2_alt_text.json"))
    assert money(r) == (D("4.75"), D("5.00"))
    assert r.total_cost.incl_vat == D("4.9970")


def test_tariff_3_energy_step_100_wh(example) -> None:  # type: ignore[no-untyped-def]
    r = price_session(session(T0, charge(60, "20.45")), example("tariff_3_alt_url.json"))
    assert money(r) == (D("5.63"), D("6.24"))  # 5.625 -> 5.63: half-up, not half-even
    assert r.billed_energy == D("20.5000")
    energy = r.total_energy_cost
    assert (round_output(energy.excl_vat, 2), round_output(energy.incl_vat or D(0), 2)) == (
        D("5.13"),
        D("5.64"),
    )


def test_tariff_4_complex_monday(example) -> None:  # type: ignore[no-untyped-def]
    """Mon 09:30 local, 165 min at 16 A, 42 min parking (-> 45): 9.00 / 10.30."""
    start = datetime(2015, 6, 29, 7, 30, tzinfo=UTC)  # 09:30 Europe/Berlin (CEST), a Monday
    periods = session(start, charge(165, 10, max_current=D(16), min_current=D(16)), park(42))
    r = price_session(periods, example("tariff_4_complex.json"), "Europe/Berlin")
    assert money(r) == (D("9.00"), D("10.30"))


def test_tariff_4_complex_saturday(example) -> None:  # type: ignore[no-untyped-def]
    """Sat 13:30 local, 114 min at 43 A, 71 min parking.

    FLAT 2.50 + TIME 1.9 h x 1.25 (not rounded: the session ends parking) + PARKING 71 -> 75
    min x 6.00 = 12.375 excl; incl 2.875 + 2.85 + 8.25 = 13.975.  See the strict xfail below
    for the figure quoted in notes/ocpi.md.
    """
    start = datetime(2015, 7, 4, 11, 30, tzinfo=UTC)  # 13:30 Europe/Berlin, a Saturday
    periods = session(start, charge(114, 30, max_current=D(43), min_current=D(43)), park(71))
    r = price_session(periods, example("tariff_4_complex.json"), "Europe/Berlin")
    assert (r.total_cost.excl_vat, r.total_cost.incl_vat) == (D("12.3750"), D("13.9750"))
    assert r.billed_parking_time == D("1.2500")
    assert r.billed_time == D("1.9000")


@pytest.mark.xfail(
    strict=True,
    reason=(
        "notes/ocpi.md 7.4 quotes 12.28 / 13.861 for the Saturday case. Decomposing 13.861 - "
        "12.28 by the VAT rates (FLAT 15 %, TIME 20 %, PARKING 10 %) requires TIME = 2.28, i.e. "
        "1.9 h at 1.20/h, but tariff_4_complex.json (2.2.1 and 2.3.0 copies alike) prices "
        "weekend TIME at 1.25/h; the 2.2.1 prose (12.50 / 14.13) additionally rounds TIME to "
        "120 min, contradicting the errata step rule. The figure cannot be reproduced from "
        "the example file; we price the file as published (12.375 / 13.975)."
    ),
)
def test_tariff_4_complex_saturday_notes_figure(example) -> None:  # type: ignore[no-untyped-def]
    start = datetime(2015, 7, 4, 11, 30, tzinfo=UTC)
    periods = session(start, charge(114, 30, max_current=D(43), min_current=D(43)), park(71))
    r = price_session(periods, example("tariff_4_complex.json"), "Europe/Berlin")
    assert money(r, 3) == (D("12.280"), D("13.861"))


def test_tariff_15_reservation(example) -> None:  # type: ignore[no-untyped-def]
    r = price_session(
        session(T0, reserve(15), charge(60, 20)),
        example("tariff_15_reservation_5_euro_per_hour.json"),
    )
    assert money(r) == (D("6.75"), D("7.60"))
    assert r.total_reservation_cost.excl_vat == D("1.2500")


def test_tariff_16_reservation_fee_and_step(example) -> None:  # type: ignore[no-untyped-def]
    r = price_session(
        session(T0, reserve(13), charge(60, 20)),
        example("tariff_16_reservation_2_euro_fee_5_euro_per_hour.json"),
    )
    assert money(r) == (D("8.75"), D("10.00"))
    assert r.billed_reservation_time == D("0.2500")
    assert r.total_reservation_cost.excl_vat == D("3.2500")  # 2.00 fee + 15 min x 5.00
    assert r.total_fixed_cost.excl_vat == D("0.5000")


def test_tariff_17_reservation_expire_fee(example) -> None:  # type: ignore[no-untyped-def]
    tariff = example("tariff_17_reservation_with_expire_fee.json")
    used = price_session(session(T0, reserve(22), charge(60, 20)), tariff)
    assert money(used) == (D("6.50"), D("7.30"))
    expired = price_session(session(T0, reserve(60)), tariff)
    assert money(expired) == (D("6.00"), D("7.20"))
    assert expired.total_fixed_cost.excl_vat == D("0.0000")  # no charging, no start fee


def test_tariff_18_reservation_expire_time(example) -> None:  # type: ignore[no-untyped-def]
    tariff = example("tariff_18_reservation_with_expire_time.json")
    used = price_session(session(T0, reserve(22), charge(60, 20)), tariff)
    assert money(used) == (D("7.00"), D("7.90"))
    expired = price_session(session(T0, reserve(90)), tariff)
    assert money(expired) == (D("9.00"), D("10.80"))
    # explicit flag: the same single reservation period, declared not expired
    not_expired = price_session(Session(tuple(session(T0, reserve(90))), False), tariff)
    assert money(not_expired) == (D("4.50"), D("5.40"))


def test_max_power_restriction(example) -> None:  # type: ignore[no-untyped-def]
    periods = session(
        T0,
        charge(10, 1, max_power=D(6), min_power=D(6)),
        charge(50, 40, max_power=D(48), min_power=D(48)),
        charge("7.5", "0.5", max_power=D(4), min_power=D(4)),
    )
    r = price_session(periods, example("tariffrestriction_example_max_power.json"))
    assert round_output(r.total_cost.excl_vat, 2) == D("20.30")


def test_max_power_from_average_power(example) -> None:  # type: ignore[no-untyped-def]
    """Without MIN/MAX_POWER dimensions the average power energy / duration is used."""
    periods = session(T0, charge(10, 1), charge(50, 40), charge("7.5", "0.5"))
    r = price_session(periods, example("tariffrestriction_example_max_power.json"))
    assert round_output(r.total_cost.excl_vat, 2) == D("20.30")


def test_max_duration_restriction(example) -> None:  # type: ignore[no-untyped-def]
    r = price_session(
        session(T0, charge(30, 5), charge(10, "1.2")),
        example("tariffrestriction_example_max_duration.json"),
    )
    assert round_output(r.total_cost.excl_vat, 2) == D("0.30")


def test_max_duration_splits_a_period(example) -> None:  # type: ignore[no-untyped-def]
    """One 40-minute period is cut at 30 min (pro rata: 4.65 kWh free, 1.55 kWh at 0.25)."""
    r = price_session(
        session(T0, charge(40, "6.2")), example("tariffrestriction_example_max_duration.json")
    )
    assert [p.end - p.start for p in r.periods] == [timedelta(minutes=30), timedelta(minutes=10)]
    assert r.total_cost.excl_vat == D("0.3875")


STEP = "tariff_14_step_size.json"


def _at(hh: int, mm: int) -> datetime:
    return datetime(2022, 1, 13, hh, mm, tzinfo=UTC)


def test_tariff_14_switching_element_1(example) -> None:  # type: ignore[no-untyped-def]
    """16:55 charge 10 min + park 2 min: time 5 min x 1.20 + 5 min x 2.40 = 0.30 (not rounded,
    the session ends parking), parking 2 -> 15 min x 1.00 = 0.25; total 0.55.  (The 2.2.1
    tag text said 0.50 and v2.3.0 0.75 under superseded step rules, ocpi/ocpi#546.)"""
    r = price_session(session(_at(16, 55), charge(5), charge(5), park(2)), example(STEP))
    assert r.total_cost.excl_vat == D("0.5500")


def test_tariff_14_switching_element_2(example) -> None:  # type: ignore[no-untyped-def]
    """16:35 charge 35 min: 35 -> 45 min; 25 min x 1.20 + 20 min x 2.40 = 1.30."""
    r = price_session(session(_at(16, 35), charge(25), charge(10)), example(STEP))
    assert r.total_cost.excl_vat == D("1.3000")


def test_tariff_14_switching_to_free_parking(example) -> None:  # type: ignore[no-untyped-def]
    """19:40 charge 12 min x 2.40 = 0.48; park 19:52-20:12, 8 billable min -> 15 x 1.00."""
    r = price_session(session(_at(19, 40), charge(12), park(8), park(12)), example(STEP))
    assert r.total_cost.excl_vat == D("0.7300")


def test_tariff_14_meter_trace_is_cut_at_17(example) -> None:  # type: ignore[no-untyped-def]
    """The same scenario as #1 from a meter trace with one sample interval across 17:00."""
    t = _at(16, 55)
    samples = [
        MeterSample(t, D(0), ConnectorState.CHARGING, D(11)),
        MeterSample(t + timedelta(minutes=10), D(1830), ConnectorState.PARKING, D(0)),
    ]
    built = build_cdr(t, t + timedelta(minutes=12), samples, example(STEP), "UTC")
    starts = [p.start_date_time for p in built.charging_periods]
    assert starts == [t, _at(17, 0), _at(17, 5)]
    assert built.pricing.total_cost.excl_vat == D("0.5500")


def test_official_cdr_example_prices_to_its_totals(shared_dir: Path) -> None:
    cdr = parse_cdr((shared_dir / EXAMPLES / "cdr_example.json").read_text())
    r = price_cdr(cdr)  # the CDR carries its tariff; TIME 1.973 h -> 2 h at 2.00
    assert cdr.total_cost is not None
    assert (r.total_cost.excl_vat, r.total_cost.incl_vat) == (
        cdr.total_cost.excl_vat,
        cdr.total_cost.incl_vat,
    )


def test_official_examples_round_trip(shared_dir: Path, example_file: tuple[str] | None) -> None:
    assert example_file is not None, "no official examples found"
    text = (shared_dir / EXAMPLES / example_file[0]).read_text()
    model = parse_cdr(text) if example_file[0].startswith("cdr") else parse_tariff(text)
    assert loads(dumps(model)) == loads(text)


def test_decimal_precision_survives_round_trip() -> None:
    text = (
        '{"id": "X", "currency": "EUR", "elements": [{"price_components": '
        '[{"type": "ENERGY", "price": 0.123456789012345678901, "step_size": 1}]}]}'
    )
    tariff = parse_tariff(text)
    assert tariff.elements[0].price_components[0].price == D("0.123456789012345678901")
    assert "0.123456789012345678901" in dumps(tariff)
