"""Objects per OCPI version (ocpi.serialization, ocpi.taxes), version details, endpoint
requirements by partner type, and 2.3.0 input with open enums.

Everything written for 2.3.0 is validated against the 2.3.0 OpenAPI
(tests/support/ocpi230_openapi.py); everything written for 2.2.1 against 2.2.1's, so
each test also proves the 2.2.1 shape did not change."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from csms.network.types import ConnectorFormat, ConnectorStandard, ElectricCurrentType
from ocpi.envelope import envelope
from ocpi.errors import InvalidParameters, NoMatchingEndpoints, UnsupportedVersion
from ocpi.mapping import (
    AreaView,
    ChargerView,
    ConnectorView,
    Party,
    SessionView,
    TokenRef,
    cdr_for,
    cdr_location_for,
    location_for,
    removed_location,
    session_for,
)
from ocpi.models import (
    AuthMethod,
    Endpoint,
    InterfaceRole,
    SessionStatus,
    TokenType,
    VersionDetails,
    dump_ocpi,
    v230,
)
from ocpi.models import Price as Price221
from ocpi.models import Tariff as OcpiTariff
from ocpi.serialization import Ocpi221, Ocpi230, serializer_for
from ocpi.taxes import price, price_limit, tax_included, total_price, vat_rates
from ocpi.versions import our_version_details, our_versions, required_endpoints
from tariffs.cdr import ConnectorState, MeterSample, build_cdr
from tariffs.ocpi_model import Tariff as EngineTariff
from tariffs.roaming import MetricPrice, RoamingTariff, TariffDetail, to_ocpi_tariff
from tests.support import ocpi230_openapi as oa230
from tests.unit.ocpi import ocpi_openapi as oa221

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PARTY = Party("SI", "TRI")
V221, V230 = Ocpi221(), Ocpi230()


def roaming_tariff(**details: MetricPrice) -> RoamingTariff:
    return RoamingTariff(code="PTP-AC", name="Card payment AC", currency="EUR",
                         max_payment_authorization_amount=Decimal("50"),
                         details=[TariffDetail(**details)], last_updated=T0)


def ocpi_tariff(tariff: RoamingTariff) -> EngineTariff:
    return to_ocpi_tariff(tariff, country_code="SI", party_id="TRI")


MIXED = roaming_tariff(flat=MetricPrice(price=Decimal("1.00"), vat=Decimal("20")),
                       energy=MetricPrice(price=Decimal("0.30"), vat=Decimal("10")))
SINGLE = roaming_tariff(energy=MetricPrice(price=Decimal("0.40"), vat=Decimal("22")),
                        charge_time=MetricPrice(price=Decimal("1.20"), vat=Decimal("22")))


# --------------------------------------------------------------------------- prices


def test_price_with_one_rate_names_vat_and_its_percentage() -> None:
    converted = price(Price221(excl_vat=Decimal("10.00"), incl_vat=Decimal("12.20")),
                      {Decimal("22")})
    assert dump_ocpi(converted) == {"before_taxes": 10, "taxes": [
        {"name": "VAT", "percentage": 22, "amount": 2.2}]}
    assert converted.after_taxes == Decimal("12.20")


@pytest.mark.parametrize(
    ("value", "rates", "expected"),
    [
        # VAT unknown: no taxes at all
        (Price221(excl_vat=Decimal("3")), {Decimal("22")}, {"before_taxes": 3}),
        # no component has a VAT, nothing taxed
        (Price221(excl_vat=Decimal("3"), incl_vat=Decimal("3")), {None}, {"before_taxes": 3}),
        # a zero tax at a known rate is still named
        (Price221(excl_vat=Decimal("0"), incl_vat=Decimal("0")), {Decimal("20")},
         {"before_taxes": 0, "taxes": [{"name": "VAT", "percentage": 20, "amount": 0}]}),
        # several rates for one dimension: one lump, no (wrong) percentage
        (Price221(excl_vat=Decimal("2"), incl_vat=Decimal("2.3")),
         {Decimal("10"), Decimal("20")},
         {"before_taxes": 2, "taxes": [{"name": "VAT", "amount": 0.3}]}),
        (Price221(excl_vat=Decimal("2"), incl_vat=Decimal("2.2")), {None, Decimal("10")},
         {"before_taxes": 2, "taxes": [{"name": "VAT", "amount": 0.2}]}),
    ],
)
def test_price_edge_cases(value: Price221, rates: set[Decimal | None],
                          expected: dict[str, Any]) -> None:
    converted = dump_ocpi(price(value, rates))
    assert converted == expected
    assert not oa230.schema_errors("Price", converted)


def test_total_price_splits_per_rate_only_when_the_parts_add_up() -> None:
    rates = {"FLAT": frozenset({Decimal("20")}), "ENERGY": frozenset({Decimal("10")})}
    parts = {"FLAT": Price221(excl_vat=Decimal("1"), incl_vat=Decimal("1.2")),
             "ENERGY": Price221(excl_vat=Decimal("3"), incl_vat=Decimal("3.3"))}
    split = total_price(Price221(excl_vat=Decimal("4"), incl_vat=Decimal("4.5")), parts, rates)
    assert dump_ocpi(split)["taxes"] == [
        {"name": "VAT", "percentage": 10, "amount": 0.3},
        {"name": "VAT", "percentage": 20, "amount": 0.2}]
    # a max_price cap made the total differ from its parts: one lump
    capped = total_price(Price221(excl_vat=Decimal("3.5"), incl_vat=Decimal("3.9")), parts,
                         rates)
    assert dump_ocpi(capped)["taxes"] == [{"name": "VAT", "amount": 0.4}]


def test_vat_rates_and_tax_included_of_roaming_tariffs() -> None:
    rates = vat_rates([ocpi_tariff(MIXED)])
    assert rates["FLAT"] == {Decimal("20")} and rates["ENERGY"] == {Decimal("10")}
    assert "TIME" not in rates  # empty metric: price 0 (without VAT) taxes nothing
    assert tax_included(ocpi_tariff(MIXED)) is v230.TaxIncluded.NO
    no_vat = roaming_tariff(energy=MetricPrice(price=Decimal("0.30")))
    assert tax_included(ocpi_tariff(no_vat)) is v230.TaxIncluded.N_A
    assert dump_ocpi(price_limit(Price221(excl_vat=Decimal("0.5"), incl_vat=Decimal("0.55")))) \
        == {"before_taxes": 0.5, "after_taxes": 0.55}


# --------------------------------------------------------------------------- tariffs


def test_tariff_230_has_tax_included_preauthorize_amount_and_price_limits() -> None:
    tariff = ocpi_tariff(SINGLE).model_copy(update={
        "min_price": Price221(excl_vat=Decimal("0.50"), incl_vat=Decimal("0.61")),
        "max_price": Price221(excl_vat=Decimal("40"))})
    body = V230.tariff(tariff, preauthorize_amount=Decimal("50"))
    oa230.validate_object("Tariff", body)
    assert body["tax_included"] == "NO"
    assert body["preauthorize_amount"] == 50
    assert body["min_price"] == {"before_taxes": 0.5, "after_taxes": 0.61}
    assert body["max_price"] == {"before_taxes": 40}
    assert body["elements"][0]["price_components"][1] == {
        "type": "ENERGY", "price": 0.4, "vat": 22, "step_size": 1}
    old = V221.tariff(tariff, preauthorize_amount=Decimal("50"))
    oa221.validate_object("Tariff", old)
    assert "tax_included" not in old and "preauthorize_amount" not in old
    assert old["min_price"] == {"excl_vat": 0.5, "incl_vat": 0.61}
    # without a pre-authorization amount the field is omitted, not null
    assert "preauthorize_amount" not in V230.tariff(tariff)


# --------------------------------------------------------------------------- locations

AREA = AreaView(code="a", name="Ljubljana", address="Slovenska cesta 1", city="Ljubljana",
                postal_code="1000", state=None, country="SI", latitude=Decimal("46.05101"),
                longitude=Decimal("14.50592"), phone="+386 1 123 4567", operator_name="Op",
                roaming_id="0101", time_zone="Europe/Ljubljana", last_updated=T0)
CHARGER = ChargerView(code="ch", roaming_enabled=True, roaming_id="01", reservable=False,
                      electric_current_type=ElectricCurrentType.DC, last_updated=T0,
                      ocpp_status="Available")


def connector(code: str, standard: ConnectorStandard) -> ConnectorView:
    return ConnectorView(code=code, roaming_id=code, standard=standard,
                         format=ConnectorFormat.CABLE, wattage_limit_w=150_000,
                         last_updated=T0)


def test_location_230_names_nacs_sae_j3400() -> None:
    location = location_for(AREA, [(CHARGER, [connector("0101", ConnectorStandard.CCS2),
                                              connector("0102", ConnectorStandard.NACS)])],
                            PARTY)
    new, old = V230.location(location), V221.location(location)
    oa230.validate_object("Location", new)
    oa221.validate_object("Location", old)
    standards = [[c["standard"] for c in e["connectors"]] for e in new["evses"]]
    assert standards == [["IEC_62196_T2_COMBO"], ["SAE_J3400"]]
    assert [e["connectors"][0]["standard"] for e in old["evses"]] == [
        "IEC_62196_T2_COMBO", "TESLA_S"]
    evse = location.evses[1]  # type: ignore[index]
    assert V230.evse(evse)["connectors"][0]["standard"] == "SAE_J3400"
    assert V230.connector(evse.connectors[0])["standard"] == "SAE_J3400"
    assert V221.connector(evse.connectors[0]) == dump_ocpi(evse.connectors[0])


@pytest.mark.parametrize(("phone", "operator_phone", "expected"), [
    ("+386 1 123 4567", "+386 40 000 000", "+38611234567"),  # the area's support contact
    (None, "00386 (40) 000-000", "+38640000000"),  # else the operator's
    ("01 123 4567", "+386 40 000 000", "+38640000000"),  # a national number is skipped
    ("+386 1234 5678 9012 3456", "+386 40 000 000", "+38640000000"),  # > 15 digits
    ("01 123 4567", None, None),  # nothing international: no help_phone
])
def test_location_230_help_phone_from_area_else_operator(
        phone: str | None, operator_phone: str | None, expected: str | None) -> None:
    area = replace(AREA, phone=phone, operator_phone=operator_phone)
    location = location_for(area, [(CHARGER, [connector("0101", ConnectorStandard.CCS2)])],
                            PARTY)
    new, old = V230.location(location), V221.location(location)
    oa230.validate_object("Location", new)
    oa221.validate_object("Location", old)
    assert new.get("help_phone") == expected
    # 2.2.1 has no help_phone: its Location is the one of an area without any phone.
    assert "help_phone" not in old
    assert old == dump_ocpi(location) == {k: v for k, v in new.items() if k != "help_phone"}
    # A copy (cascade, REMOVED marking, the pull cache) still carries the phone.
    gone = removed_location(location, T0 + timedelta(hours=1))
    assert V230.location(gone).get("help_phone") == expected
    assert "help_phone" not in V221.location(gone)


# --------------------------------------------------------------------------- sessions, CDRs

TOKEN = TokenRef(country_code="AT", party_id="PTP", uid="PAY-0001", type=TokenType.AD_HOC_USER,
                 contract_id="PAY-0001")


def priced_cdr(tariff: RoamingTariff) -> tuple[Any, Any]:
    """(2.2.1 CDR, 2.2.1 Session) of a 10 kWh, 1 hour session priced by ``tariff``."""
    engine = ocpi_tariff(tariff)
    end = T0 + timedelta(hours=1)
    built = build_cdr(T0, end, [MeterSample(T0, Decimal(0), ConnectorState.CHARGING),
                                MeterSample(end, Decimal(10_000), ConnectorState.CHARGING)],
                      [engine], "Europe/Ljubljana")
    location = location_for(AREA, [(CHARGER, [connector("0101", ConnectorStandard.NACS)])],
                            PARTY)
    evse = location.evses[0]  # type: ignore[index]
    total = built.pricing.total_cost
    view = SessionView(id="77", start=T0, end=end, kwh=Decimal(10), token=TOKEN,
                       auth_method=AuthMethod.COMMAND, location_id="0101", evse_uid="0101",
                       connector_id="0101", currency="EUR", status=SessionStatus.COMPLETED,
                       last_updated=end, authorization_reference="pp-100100-1948213567",
                       total_cost=Price221(excl_vat=total.excl_vat, incl_vat=total.incl_vat))
    cdr = cdr_for(built.to_cdr(currency="EUR"), view,
                  cdr_location_for(location, evse, evse.connectors[0]), PARTY,
                  invoice_reference_id="pp-100100-1948213567")
    return cdr, session_for(view, PARTY)


def test_cdr_230_prices_and_taxes_per_rate() -> None:
    cdr, _ = priced_cdr(MIXED)
    body = V230.cdr(cdr, tariffs=[ocpi_tariff(MIXED)])
    oa230.validate_object("CDR", body)
    assert body["total_fixed_cost"] == {"before_taxes": 1, "taxes": [
        {"name": "VAT", "percentage": 20, "amount": 0.2}]}
    assert body["total_energy_cost"] == {"before_taxes": 3, "taxes": [
        {"name": "VAT", "percentage": 10, "amount": 0.3}]}
    assert body["total_cost"] == {"before_taxes": 4, "taxes": [
        {"name": "VAT", "percentage": 10, "amount": 0.3},
        {"name": "VAT", "percentage": 20, "amount": 0.2}]}
    assert body["cdr_location"]["connector_standard"] == "SAE_J3400"
    assert body["invoice_reference_id"] == "pp-100100-1948213567"
    old = V221.cdr(cdr, tariffs=[ocpi_tariff(MIXED)])
    oa221.validate_object("CDR", old)
    assert old == dump_ocpi(cdr)  # 2.2.1 is the neutral object as it is
    assert old["total_cost"] == {"excl_vat": 4, "incl_vat": 4.5}
    # every 2.3.0 price adds up to the 2.2.1 incl_vat
    for name in ("total_cost", "total_fixed_cost", "total_energy_cost", "total_time_cost"):
        if name in old:
            converted = v230.Price.model_validate(body[name])
            assert converted.after_taxes == Decimal(str(old[name]["incl_vat"]))


def test_cdr_230_copies_of_tariffs_become_230_tariffs() -> None:
    cdr, _ = priced_cdr(SINGLE)
    copy = OcpiTariff.model_validate(ocpi_tariff(SINGLE).model_dump())
    body = V230.cdr(cdr.model_copy(update={"tariffs": [copy]}))  # rates from the copies
    oa230.validate_object("CDR", body)
    assert [t["id"] for t in body["tariffs"]] == ["PTP-AC"]
    assert body["tariffs"][0]["tax_included"] == "NO"
    assert body["total_cost"]["taxes"][0]["percentage"] == 22


def test_session_230_total_cost() -> None:
    _, session = priced_cdr(SINGLE)
    body = V230.session(session, tariffs=[ocpi_tariff(SINGLE)])
    oa230.validate_object("Session", body)
    assert body["total_cost"]["taxes"] == [{"name": "VAT", "percentage": 22,
                                            "amount": float(session.total_cost.incl_vat
                                                            - session.total_cost.excl_vat)}]
    # several rates, no per-dimension costs on a session: one lump
    _, mixed = priced_cdr(MIXED)
    lump = V230.session(mixed, tariffs=[ocpi_tariff(MIXED)])
    assert lump["total_cost"] == {"before_taxes": 4, "taxes": [{"name": "VAT", "amount": 0.5}]}
    old = V221.session(session)
    oa221.validate_object("Session", old)
    assert old == dump_ocpi(session)
    # no tariffs known (nothing priced yet): before taxes and a lump of the difference
    assert "percentage" not in V230.session(session)["total_cost"]["taxes"][0]


# --------------------------------------------------------------------------- credentials, input


def credentials(role: str, **extra: Any) -> dict[str, Any]:
    return {"token": "tok-123", "url": "https://ptp.example.com/ocpi/versions",
            "roles": [{"role": role, "party_id": "PTP", "country_code": "AT",
                       "business_details": {"name": "Pay Terminals"}}], **extra}


@pytest.mark.parametrize("role", ["PTP", "OTHER", "PAYMENT_TERMINAL_PROVIDER"])
def test_230_credentials_accept_what_ptps_send(role: str) -> None:
    parsed = V230.parse_credentials(credentials(role, hub_party_id="ATHUB"))
    assert str(parsed.roles[0].role) == role
    assert isinstance(parsed, v230.Credentials) and parsed.hub_party_id == "ATHUB"
    assert V230.credentials(parsed)["hub_party_id"] == "ATHUB"


def test_221_credentials_accept_ptp_but_not_unknown_roles() -> None:
    assert V221.parse_credentials(credentials("PTP")).roles[0].role == "PTP"
    with pytest.raises(InvalidParameters):
        V221.parse_credentials(credentials("PAYMENT_TERMINAL_PROVIDER"))


TOKEN_JSON = {"country_code": "AT", "party_id": "PTP", "uid": "PAY-1", "contract_id": "PAY-1",
              "issuer": "Pay Terminals", "valid": True, "whitelist": "NEVER",
              "last_updated": "2026-03-02T09:00:00Z"}


@pytest.mark.parametrize("token_type", ["EMAID", "AD_HOC_USER", "SOME_FUTURE_TYPE"])
def test_230_open_enums_accepted_on_input(token_type: str) -> None:
    token = V230.parse_token({**TOKEN_JSON, "type": token_type})
    assert str(token.type) == token_type
    command = V230.parse_command("START_SESSION", {
        "response_url": "https://ptp.example.com/ocpi/2.3.0/commands/START_SESSION/1",
        "token": {**TOKEN_JSON, "type": token_type}, "location_id": "0101",
        "authorization_reference": "pp-1"})
    assert isinstance(command, v230.StartSession)
    assert V230.parse_token_patch({"type": token_type, "last_updated": "2026-03-02T09:00:00Z"})
    location = v230.Location.model_validate({
        **dump_ocpi(location_for(AREA, [(CHARGER, [connector("0101", ConnectorStandard.CCS2)])],
                                 PARTY)),
        "facilities": ["SPACEPORT"], "parking_type": "ROOFTOP"})
    assert location.facilities == ["SPACEPORT"]


def test_221_enums_stay_closed() -> None:
    with pytest.raises(InvalidParameters):
        V221.parse_token({**TOKEN_JSON, "type": "SOME_FUTURE_TYPE"})
    assert V221.parse_token({**TOKEN_JSON, "type": "AD_HOC_USER"}).type is \
        TokenType.AD_HOC_USER


def test_serializer_choice() -> None:
    assert serializer_for("2.3.0").version == "2.3.0"
    assert serializer_for("2.2.1").version == "2.2.1"
    assert serializer_for(None).version == "2.2.1"  # not registered yet
    with pytest.raises(UnsupportedVersion) as info:
        serializer_for("2.1.1")
    assert info.value.status_code == 3002


# --------------------------------------------------------------------------- versions

BASE = "https://gw.example.com/ocpi"


def test_version_details_230_advertise_payments_receiver() -> None:
    assert [v.version for v in our_versions(BASE)] == ["2.2.1", "2.3.0"]
    details = dump_ocpi(our_version_details(BASE, version="2.3.0"))
    oa230.validate_response(envelope(details), "VersionDetails")
    endpoints = {(e["identifier"], e["role"]): e["url"] for e in details["endpoints"]}
    assert endpoints[("payments", "RECEIVER")] == f"{BASE}/2.3.0/payments"
    assert endpoints[("locations", "SENDER")] == f"{BASE}/2.3.0/locations"
    old = dump_ocpi(our_version_details(BASE, version="2.2.1"))
    assert all(e["identifier"] != "payments" for e in old["endpoints"])
    assert all("/2.2.1/" in e["url"] for e in old["endpoints"])


def details(version: str, *endpoints: tuple[str, InterfaceRole]) -> VersionDetails:
    return VersionDetails(version=version, endpoints=[
        Endpoint(identifier=m, role=r, url=f"https://ptp.example.com/{m}/{r.value.lower()}")
        for m, r in endpoints])


def test_ptp_endpoint_requirements() -> None:
    full = details("2.3.0", ("credentials", InterfaceRole.SENDER),
                   ("cdrs", InterfaceRole.RECEIVER), ("sessions", InterfaceRole.RECEIVER),
                   ("tariffs", InterfaceRole.RECEIVER), ("commands", InterfaceRole.SENDER),
                   ("tokens", InterfaceRole.SENDER), ("payments", InterfaceRole.SENDER))
    found = required_endpoints(full, partner_type="PTP")
    assert set(found) == {"credentials", "cdrs", "sessions", "tariffs", "payments"}
    # an eMSP's needs are unchanged: payments is not its business, tokens are
    assert set(required_endpoints(full)) == {"credentials", "cdrs", "sessions", "tariffs",
                                             "tokens"}
    without_payments = details("2.3.0", ("credentials", InterfaceRole.SENDER),
                               ("cdrs", InterfaceRole.RECEIVER))
    with pytest.raises(NoMatchingEndpoints) as info:
        required_endpoints(without_payments, partner_type="PTP")
    assert info.value.errors == [{"field": "payments SENDER", "error": "missing"}]
    without_cdrs = details("2.3.0", ("credentials", InterfaceRole.SENDER),
                           ("payments", InterfaceRole.SENDER))
    with pytest.raises(NoMatchingEndpoints, match="cdrs RECEIVER"):
        required_endpoints(without_cdrs, partner_type="PTP")
    # a payments endpoint advertised as RECEIVER is taken when no SENDER one exists
    receiver = details("2.3.0", ("credentials", InterfaceRole.SENDER),
                       ("cdrs", InterfaceRole.RECEIVER), ("payments", InterfaceRole.RECEIVER))
    assert required_endpoints(receiver, partner_type="ptp")["payments"].endswith("/receiver")
    # 2.2.1 has no Payments module: a PTP there registers without it
    assert set(required_endpoints(details("2.2.1", ("credentials", InterfaceRole.SENDER),
                                          ("cdrs", InterfaceRole.RECEIVER)),
                                  partner_type="PTP")) == {"credentials", "cdrs"}
