"""OCPI 2.3.0 Payments objects: every official payment_* example parses into our models,
the leniencies we document hold, and what we send validates against the 2.3.0 OpenAPI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from ocpi.errors import InvalidParameters
from ocpi.models.base import dump_ocpi, loads, parse_ocpi
from ocpi.payments.models import (
    CaptureStatusCode,
    FinancialAdviceConfirmation,
    InvoiceCreator,
    Terminal,
    TerminalPatch,
)
from tests.support.ocpi230_openapi import examples_dir, schema_errors, validate_object

MODELS: dict[str, type[BaseModel]] = {
    "payment_financial_advice_confirmation_create.json": FinancialAdviceConfirmation,
    "payment_financial_advice_confirmation_example_failure.json": FinancialAdviceConfirmation,
    "payment_financial_advice_confirmation_example_success.json": FinancialAdviceConfirmation,
    "payment_terminal_activate.json": Terminal,
    "payment_terminal_create.json": Terminal,
    "payment_terminal_create_minimal.json": Terminal,
    "payment_terminal_example_assigned_locations.json": Terminal,
    "payment_terminal_example_assigned_locations_assigned_evses.json": Terminal,
    "payment_terminal_example_newly_created.json": Terminal,
    "payment_terminal_location_assignment.json": TerminalPatch,
    # A PUT body: the terminal id is the URL's (our PUT route fills it in the same way).
    "payment_terminal_put_update.json": Terminal,
}
PUT_URL_ID = "55719888-ed09-4cca-82cc-803bdb77bf26"


def _example(name: str) -> Any:
    return loads((examples_dir() / name).read_text(encoding="utf-8"))


def test_every_payment_example_is_covered() -> None:
    found = {p.name for p in examples_dir().glob("payment_*.json")}
    assert found == set(MODELS)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_official_example_parses(name: str) -> None:
    data = _example(name)
    if name == "payment_terminal_put_update.json":
        data.setdefault("terminal_id", PUT_URL_ID)
    parsed = parse_ocpi(MODELS[name], data)
    dumped = dump_ocpi(parsed)
    # Every field of the example is read (none ignored as unknown) ...
    assert not parsed.model_extra
    # ... and what we hold keeps its values (prices are compared in their own test).
    for key, value in data.items():
        if key != "total_costs":
            assert json.loads(json.dumps(dumped[key], default=str)) == json.loads(
                json.dumps(value, default=str)), key


def test_confirmation_reads_the_221_price_of_the_examples() -> None:
    fac = parse_ocpi(FinancialAdviceConfirmation,
                     _example("payment_financial_advice_confirmation_example_success.json"))
    assert fac.total_costs.before_taxes == Decimal("4.00")
    assert fac.total_costs.after_taxes == Decimal("4.40")
    assert [(t.name, t.amount) for t in fac.total_costs.taxes or []] == [("VAT", Decimal("0.40"))]
    assert fac.capture_status_code is CaptureStatusCode.SUCCESS
    assert fac.eft_data[-1] == "Amount: EUR 4.40"
    # What we hold is a valid 2.3.0 FinancialAdviceConfirmation (the example is not).
    assert schema_errors("FinancialAdviceConfirmation",
                         _example("payment_financial_advice_confirmation_create.json"))
    validate_object("FinancialAdviceConfirmation", json.loads(json.dumps(
        dump_ocpi(fac), default=str)))


def test_confirmation_reads_the_230_price() -> None:
    body = {
        "id": "fac-1", "authorization_reference": "auth-1", "currency": "EUR",
        "total_costs": {"before_taxes": 10, "taxes": [
            {"name": "VAT", "percentage": 22, "amount": 2.2}]},
        "eft_data": ["VISA", "Nr: **** 4242"], "capture_status_code": "PARTIAL_SUCCESS",
        "last_updated": "2026-11-21T10:00:00Z"}
    validate_object("FinancialAdviceConfirmation", body)
    fac = parse_ocpi(FinancialAdviceConfirmation, body)
    assert (fac.total_costs.before_taxes, fac.total_costs.after_taxes) == (
        Decimal(10), Decimal("12.2"))
    assert fac.capture_status_code is CaptureStatusCode.PARTIAL_SUCCESS


def test_failed_capture_without_eft_data_and_open_enum_values() -> None:
    failed = parse_ocpi(FinancialAdviceConfirmation,
                        _example("payment_financial_advice_confirmation_example_failure.json"))
    assert failed.eft_data == [] and failed.capture_status_code is CaptureStatusCode.FAILED
    future = parse_ocpi(FinancialAdviceConfirmation, _example(
        "payment_financial_advice_confirmation_example_failure.json") | {
        "capture_status_code": "REFUNDED"})
    assert future.capture_status_code == "REFUNDED"
    terminal = parse_ocpi(Terminal, {"terminal_id": "t1", "invoice_creator": "EMSP"})
    assert terminal.invoice_creator == "EMSP"
    known = parse_ocpi(Terminal, {"terminal_id": "t1", "invoice_creator": "CPO"})
    assert known.invoice_creator is InvoiceCreator.CPO


@pytest.mark.parametrize("body, field", [
    ({"authorization_reference": "a", "currency": "EUR", "total_costs": {"before_taxes": 1},
      "capture_status_code": "SUCCESS", "last_updated": "2026-11-21T10:00:00Z"}, "id"),
    ({"id": "f", "authorization_reference": "a", "currency": "EUR",
      "total_costs": {"incl_vat": 1}, "capture_status_code": "SUCCESS",
      "last_updated": "2026-11-21T10:00:00Z"}, "total_costs.before_taxes"),
    ({"id": "f", "authorization_reference": "a", "currency": "EUR",
      "total_costs": {"excl_vat": "1"}, "capture_status_code": "SUCCESS",
      "last_updated": "2026-11-21T10:00:00Z"}, "total_costs.before_taxes"),
    ({"id": "f" * 37, "authorization_reference": "a", "currency": "EUR",
      "total_costs": {"before_taxes": 1}, "capture_status_code": "SUCCESS",
      "last_updated": "2026-11-21T10:00:00Z"}, "id"),
])
def test_invalid_confirmations_are_2001(body: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidParameters) as caught:
        parse_ocpi(FinancialAdviceConfirmation, body)
    assert field in {e["field"] for e in caught.value.errors or []}


@pytest.mark.parametrize("total_costs", [
    {"before_taxes": 1e10}, {"before_taxes": -1e12},
    {"before_taxes": 9999999999, "taxes": [{"name": "VAT", "amount": 1}]},
    {"excl_vat": 1, "incl_vat": 1e400}])
def test_confirmation_totals_beyond_what_is_stored_are_2001(total_costs: Any) -> None:
    body = loads(json.dumps({
        "id": "f", "authorization_reference": "a", "currency": "EUR",
        "total_costs": total_costs, "eft_data": ["VISA"], "capture_status_code": "SUCCESS",
        "last_updated": "2026-11-21T10:00:00Z"}).replace("Infinity", "1e400"))
    with pytest.raises(InvalidParameters, match="out of range"):
        parse_ocpi(FinancialAdviceConfirmation, body)
    largest = body | {"total_costs": {"before_taxes": Decimal("9999999999.9999")}}
    assert parse_ocpi(FinancialAdviceConfirmation, largest).total_costs.before_taxes == \
        Decimal("9999999999.9999")


def test_terminal_reads_lenient_coordinates_and_utf8_addresses() -> None:
    terminal = parse_ocpi(Terminal, {
        "terminal_id": "t-1", "address": "Straße 1", "city": "Škofja Loka",
        "coordinates": {"latitude": "46.1", "longitude": "14.30578912"},
        "last_updated": "2026-11-21T10:00:00+01:00"})
    assert terminal.coordinates is not None and terminal.coordinates.latitude == "46.1"
    assert terminal.last_updated == datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    with pytest.raises(InvalidParameters):
        parse_ocpi(Terminal, {"terminal_id": "x" * 37})
    with pytest.raises(InvalidParameters):
        parse_ocpi(Terminal, {"terminal_id": "t", "location_ids": "0101"})
