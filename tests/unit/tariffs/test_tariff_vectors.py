"""Every tariff/CDR vector of tandemdrive/ocpi-tariffs and Hamza-nabil/ocpi-tariffs-py (v2.2.1).

Expected values are the totals the vector CDRs carry (tandemdrive: computed in UTC, compared
at 4 decimals) or the ``output_price__*.json`` files (Hamza-nabil, money at 2 decimals).

Documented deviations (no xfail needed, each asserted explicitly):

* ``025kwh_min_price/cdr2_less_than_2kWh``: the vector's total_cost 0.30/0.33 was produced by
  a calculator that ignored ``min_price`` (tandemdrive@a9e82de never reads it).  The OCPI
  text for this very tariff (tariff_12) says: "if less than 2 kWh is charged, 0.50 euro (excl.
  VAT) or 0.55 euro (incl. VAT) will be billed".  We follow the spec: the vector's figure is
  checked against our total *before* min/max adjustment, and the final total is 0.50/0.55.
* Hamza-nabil infers the time zone from ``cdr_location.country`` (all vectors: NLD ->
  Europe/Amsterdam); its ``step_size`` CDR is the tandemdrive one shifted to +01:00 and its
  ``codeberg_issue_228`` expectation (1.84/2.22) only holds in Amsterdam time, so Hamza cases
  are priced in Europe/Amsterdam.  ``codeberg_issue_228`` has periods starting before the CDR
  start_date_time; total_time runs from the first period (1.0919 h), as expected.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tariffs.ocpi_model import (
    dumps,
    lint_tariff,
    loads,
    parse_cdr,
    parse_tariff,
    unexpected_fields,
)
from tariffs.pricing import PricingResult, price_cdr
from tariffs.rounding import round_output

TANDEM = Path("specs/ocpi/tariff-vectors/tandemdrive/test_data")
HAMZA = Path("specs/ocpi/tariff-vectors/hamza-nabil/test_data/v2_2_1")
MONEY = (
    "total_cost",
    "total_fixed_cost",
    "total_energy_cost",
    "total_time_cost",
    "total_parking_cost",
    "total_reservation_cost",
)
QUANTITIES = ("total_energy", "total_time", "total_parking_time")
MIN_PRICE_DISPUTED = ("025kwh_min_price", "cdr2_less_than_2kWh.json")


def _got(result: PricingResult) -> dict[str, Any]:
    return result.cdr_totals()


def _compare(expected: dict[str, Any], got: dict[str, Any], places: int = 4) -> list[str]:
    """Every total field present in ``expected`` must match ``got`` at ``places`` decimals."""
    errors = []
    for name in MONEY:
        if name in expected:
            for side in ("excl_vat", "incl_vat"):
                if side not in expected[name]:
                    continue
                want = round_output(Decimal(expected[name][side]), places)
                have = round_output(got[name][side], places)
                if want != have:
                    errors.append(f"{name}.{side}: expected {want}, got {have}")
    for name in QUANTITIES:
        if name in expected:
            want = round_output(Decimal(expected[name]))
            if want != got[name]:
                errors.append(f"{name}: expected {want}, got {got[name]}")
    return errors


def _check_case(base: Path, case: str, cdr_name: str, tz: str) -> None:
    cdr_text = (base / case / cdr_name).read_text()
    expected = loads(cdr_text)
    cdr = parse_cdr(cdr_text)
    tariff_file = base / case / "tariff.json"
    tariffs = [parse_tariff(tariff_file.read_text())] if tariff_file.exists() else None
    result = price_cdr(cdr, tariffs, tz)
    got = _got(result)
    assert any(k in expected for k in MONEY), "vector has no expected totals"
    if (case, cdr_name) == MIN_PRICE_DISPUTED:
        before = result.total_cost_before_limits
        assert round_output(before.excl_vat) == round_output(
            Decimal(expected["total_cost"]["excl_vat"])
        )
        assert round_output(before.incl_vat or Decimal(0)) == round_output(
            Decimal(expected["total_cost"]["incl_vat"])
        )
        assert result.total_cost.excl_vat == Decimal("0.5000")
        assert result.total_cost.incl_vat == Decimal("0.5500")
        expected = {k: v for k, v in expected.items() if k != "total_cost"}
    errors = _compare(expected, got)
    assert not errors, "\n".join(errors + result.explanation)


def test_tandemdrive_vector(shared_dir: Path, tandem_cdr: tuple[str, str] | None) -> None:
    assert tandem_cdr is not None, "no tandemdrive vectors found"
    _check_case(shared_dir / TANDEM, *tandem_cdr, tz="UTC")


def _strip_comments(text: str) -> str:
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(("#", "//"))]
    return re.sub(r",(\s*[}\]])", r"\1", "\n".join(lines))


def test_hamza_vector(shared_dir: Path, hamza_cdr: tuple[str, str] | None) -> None:
    assert hamza_cdr is not None, "no Hamza-nabil vectors found"
    case, cdr_name = hamza_cdr
    base = shared_dir / HAMZA
    output = base / case / f"output_price__{Path(cdr_name).stem}.json"
    if not output.exists():
        _check_case(base, case, cdr_name, tz="Europe/Amsterdam")
        return
    expected = loads(_strip_comments(output.read_text()))["cdr_price"]
    cdr = parse_cdr((base / case / cdr_name).read_text())
    result = price_cdr(cdr, None, "Europe/Amsterdam")
    got = _got(result)
    # The output files print money at currency precision (2 decimals).
    errors = _compare({k: v for k, v in expected.items() if k in MONEY}, got, places=2)
    errors += _compare({k: v for k, v in expected.items() if k in QUANTITIES}, got)
    assert not errors, "\n".join(errors + result.explanation)


def test_hamza_codeberg_228_differs_from_partner_total(shared_dir: Path) -> None:
    """The partner's own CDR total (1.83/2.21) is wrong; we reproduce 1.84/2.22 at 2 dp."""
    cdr = parse_cdr((shared_dir / HAMZA / "codeberg_issue_228" / "cdr.json").read_text())
    result = price_cdr(cdr, None, "Europe/Amsterdam")
    assert round_output(result.total_cost.excl_vat, 2) == Decimal("1.84")
    assert cdr.total_cost is not None
    assert round_output(result.total_cost.excl_vat, 2) != cdr.total_cost.excl_vat
    # In UTC the hourly prices differ (0.23/0.21 instead of 0.22/0.24): the zone matters.
    assert price_cdr(cdr, None, "UTC").total_cost.excl_vat == Decimal("1.8809")


def test_vector_tariff_parses_and_round_trips(
    shared_dir: Path, vector_tariff: tuple[str, str] | None
) -> None:
    assert vector_tariff is not None, "no vector tariffs found"
    source, case = vector_tariff
    base = shared_dir / (TANDEM if source == "tandemdrive" else HAMZA)
    text = (base / case / "tariff.json").read_text()
    tariff = parse_tariff(text)
    assert loads(dumps(tariff)) == loads(text)
    warnings = lint_tariff(tariff)
    if case == "misspelled_field":
        paths = unexpected_fields(tariff)
        assert paths == [
            "$.elements.0.restrictions.dayOfWeek",
            "$.elements.1.restrictions.dayOfWeek",
        ]
        assert "country_code.should_be_alpha2" in warnings
        assert "currency.invalid_case" in warnings
    elif case == "grace_period_parking_time":
        assert "required_field.country_code" in warnings
    elif case == "put_example":
        assert warnings == ["required_field.last_updated"]
    else:
        assert warnings == [], warnings


def test_misspelled_restriction_is_ignored_for_pricing(shared_dir: Path) -> None:
    """``dayOfWeek`` is not ``day_of_week``: both elements are unrestricted, the first wins."""
    tariff = parse_tariff((shared_dir / HAMZA / "misspelled_field" / "tariff.json").read_text())
    cdr = parse_cdr((shared_dir / TANDEM / "simple_025kwh" / "cdr1.json").read_text())
    result = price_cdr(cdr, tariff, "UTC")  # 2022-01-13 is a Thursday; a weekend day would too
    assert result.total_energy_cost.excl_vat == Decimal("15.8000")  # 20 kWh x 0.79
    assert result.currency == "gbp"


@pytest.mark.parametrize("case", ["simple_025kwh", "step_size", "grace_period_parking_time"])
def test_vector_cdr_carried_tariffs_equal_explicit(shared_dir: Path, case: str) -> None:
    """Pricing with an explicit tariff list or a mapping by id gives the same totals."""
    base = shared_dir / TANDEM / case
    tariff = parse_tariff((base / "tariff.json").read_text())
    cdr_file = next(iter(sorted(base.glob("cdr*.json"))))
    cdr = parse_cdr(cdr_file.read_text())
    a = price_cdr(cdr, [tariff], "UTC").cdr_totals()
    b = price_cdr(cdr, {tariff.id: tariff}, "UTC").cdr_totals()
    assert a == b
