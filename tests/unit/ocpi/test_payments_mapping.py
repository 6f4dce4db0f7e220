"""Pure mapping of OCPI Payments objects to and from the network model's terminals, the
PTP's terminals URL, and the card-payment capabilities a terminal gives an EVSE."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from csms.network.terminal_schemas import TerminalRead
from csms.network.types import ConnectorFormat, ConnectorStandard, ElectricCurrentType
from ocpi.mapping.locations import location_for
from ocpi.mapping.views import AreaView, ChargerView, ConnectorView, Party
from ocpi.models.base import dump_ocpi, parse_ocpi
from ocpi.payments.client import confirmations_url, terminals_url
from ocpi.payments.mapping import (
    alpha2_for,
    assignment_patch,
    fac_record,
    ocpi_terminal,
    roaming_terminal,
)
from ocpi.payments.models import FinancialAdviceConfirmation, Terminal
from ocpi.session_views import invoice_reference
from tests.support.ocpi230_openapi import validate_object

T0 = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


def _read(**overrides: Any) -> TerminalRead:
    values: dict[str, Any] = {
        "code": "TERM-1", "name": "Lobby", "platform": "PTP-1", "roaming_id": "t-1",
        "roaming_reference": "SN-1", "address": "Dunajska cesta 1" + " long" * 10,
        "city": "Ljubljana", "postal_code": "1000", "country": "SI",
        "latitude": Decimal("46.0569"), "longitude": Decimal("14.5058"),
        "customer_reference": "CPO-1", "invoice_base_url": "https://cpo.example/invoices/",
        "invoice_creator": "CPO", "active": True, "location_ids": ["0101"], "evse_uids": [],
        "created_at": T0, "updated_at": T0}
    return TerminalRead.model_validate(values | overrides)


def test_roaming_terminal_maps_country_and_coordinates() -> None:
    terminal = parse_ocpi(Terminal, {
        "terminal_id": "t-1", "reference": "SN-1", "address": "Street 1", "city": "Vienna",
        "country": "AUT", "coordinates": {"latitude": "51.047599", "longitude": "3.729944"},
        "invoice_creator": "PTP", "location_ids": [], "last_updated": "2018-12-10T17:16:15Z"})
    data = roaming_terminal(terminal)
    assert (data.roaming_id, data.roaming_reference, data.country) == ("t-1", "SN-1", "AT")
    assert (data.latitude, data.longitude) == (Decimal("51.047599"), Decimal("3.729944"))
    assert data.invoice_creator == "PTP" and data.location_ids == []
    assert data.evse_uids is None  # not sent: unknown, not "none"
    assert roaming_terminal(parse_ocpi(Terminal, {"terminal_id": "t", "country": "XYZ",
                                                  "invoice_creator": "OTHER"})).country is None
    assert alpha2_for("svn") == "SI"


def test_ocpi_terminal_is_a_valid_230_terminal() -> None:
    terminal = ocpi_terminal(_read())
    body = dump_ocpi(terminal)
    validate_object("Terminal", body)
    assert body["country"] == "SVN" and len(body["address"]) == 45
    assert body["coordinates"] == {"latitude": "46.056900", "longitude": "14.505800"}
    assert (body["terminal_id"], body["reference"], body["location_ids"], body["evse_uids"]) == (
        "t-1", "SN-1", ["0101"], [])
    assert body["last_updated"] == "2026-11-21T08:00:00Z"
    with pytest.raises(ValueError, match="no terminal id"):
        ocpi_terminal(_read(roaming_id=None))


def test_assignment_patch_sends_both_lists() -> None:
    body = assignment_patch(_read(location_ids=[], evse_uids=["010108"]), T0)
    assert body == {"location_ids": [], "evse_uids": ["010108"],
                    "last_updated": "2026-11-21T08:00:00Z"}
    validate_object("TerminalPatch", body)


def test_fac_record_keeps_both_totals_and_the_object() -> None:
    received = {"id": "f-1", "authorization_reference": "a-1", "currency": "eur",
                "total_costs": {"excl_vat": 4.0, "incl_vat": 4.4}, "eft_data": ["VISA"],
                "capture_status_code": "SUCCESS", "last_updated": "2026-11-21T10:00:00Z"}
    record = fac_record(parse_ocpi(FinancialAdviceConfirmation, received), received)
    assert record["total_excl_vat"] == Decimal("4.0")
    assert record["total_incl_vat"] == Decimal("4.4")
    assert record["currency"] == "EUR" and record["total_costs"] == received["total_costs"]
    assert record["object"] is received and record["capture_status_code"] == "SUCCESS"


@pytest.mark.parametrize("endpoints, terminals, confirmations", [
    ({"payments": "https://ptp.example/ocpi/2.3.0/payments"},
     "https://ptp.example/ocpi/2.3.0/payments/terminals",
     "https://ptp.example/ocpi/2.3.0/payments/financial-advice-confirmations"),
    ({"payments": "https://ptp.example/ocpi/2.3.0/payments/terminals/"},
     "https://ptp.example/ocpi/2.3.0/payments/terminals",
     "https://ptp.example/ocpi/2.3.0/payments/financial-advice-confirmations"),
    ({"payments": "https://p.example/pay/financial-advice-confirmations",
      "terminals": "https://p.example/t"}, "https://p.example/t",
     "https://p.example/pay/financial-advice-confirmations"),
    ({"locations": "https://p.example/loc"}, None, None),
])
def test_terminals_url(endpoints: dict[str, str], terminals: str | None,
                       confirmations: str | None) -> None:
    assert terminals_url(endpoints) == terminals
    assert confirmations_url(endpoints) == confirmations


def _location(payment_terminal: bool) -> Any:
    area = AreaView(code="A", name="Area", address="Street 1", city="Ljubljana",
                    postal_code="1000", state=None, country="SI", latitude=Decimal("46.05"),
                    longitude=Decimal("14.5"), phone="+38640000000", operator_name=None,
                    roaming_id="0101", time_zone="Europe/Ljubljana", last_updated=T0)
    charger = ChargerView(code="C", roaming_enabled=True, roaming_id="01", reservable=False,
                          electric_current_type=ElectricCurrentType.AC_3_PHASE,
                          last_updated=T0, rfid_reader=False, remote_start_stop=True,
                          unlock=False)
    connector = ConnectorView(code="1", roaming_id="010101",
                              standard=ConnectorStandard.TYPE_2, format=ConnectorFormat.SOCKET,
                              wattage_limit_w=22000, last_updated=T0,
                              payment_terminal=payment_terminal)
    return location_for(area, [(charger, [connector])], Party("SI", "TRI"))


def test_a_payment_terminal_gives_the_evse_card_payment_capabilities() -> None:
    paying = _location(True).evses[0].capabilities
    assert [c.value for c in paying] == [
        "CONTACTLESS_CARD_SUPPORT", "CREDIT_CARD_PAYABLE", "DEBIT_CARD_PAYABLE",
        "PED_TERMINAL", "REMOTE_START_STOP_CAPABLE"]
    assert [c.value for c in _location(False).evses[0].capabilities] == [
        "REMOTE_START_STOP_CAPABLE"]


@pytest.mark.parametrize("creator, setting, expected", [
    (None, False, None), (None, True, "pp-1"),  # the platform setting decides
    ("CPO", False, "pp-1"), ("PTP", True, None),  # the terminal says, and wins
    ("SOMEONE", True, "pp-1"),  # an open value we do not know: the setting again
])
def test_invoice_reference_follows_the_terminal_then_the_platform(
        creator: str | None, setting: bool, expected: str | None) -> None:
    bundle = {"id": 7, "authorization_reference": "pp-1", "invoice_creator": creator}
    assert invoice_reference(bundle, setting) == expected
    # A session without an authorization reference is named by its id.
    assert invoice_reference(bundle | {"authorization_reference": None}, setting) == (
        None if expected is None else "7")
