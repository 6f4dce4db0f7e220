"""Pure cores of the operations: transfer URLs, parameter names, charging schedules and
the composite schedule, template order and batches, local list updates, reservations."""

from __future__ import annotations

import contextlib
import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csms.charging.records import ChargerInfo, ConnectorInfo
from csms.operations.errors import InvalidOperation, NotInThisVersion, ReservationConflict
from csms.operations.local_list import differential_update, eligible, full_update
from csms.operations.parameters import PARAMETERS, resolve
from csms.operations.profiles import (
    ChargingProfileSpec,
    composite_schedule,
    ocpp_profile,
)
from csms.operations.records import ReservationRecord, TokenSnapshot
from csms.operations.reservation_rules import check_reservation
from csms.operations.templates import ConfigurationTemplateSpec, applicable, batches
from csms.operations.urls import TransferUrl, parse_transfer_url, redact_url

T0 = datetime(2026, 11, 21, tzinfo=UTC)


# --- URLs ---------------------------------------------------------------------------------

# url -> (scheme, host, port, path, user, has_password) of the parsed TransferUrl
MANUAL_URLS: dict[str, tuple[str, str, int | None, str, str | None, bool]] = {
    "ftp://user:password@host.example.com:2121/path/file.bin":
        ("ftp", "host.example.com", 2121, "/path/file.bin", "user", True),
    "ftp://user@host.example.com/path": ("ftp", "host.example.com", None, "/path", "user", False),
    "ftp://host.example.com:21/path": ("ftp", "host.example.com", 21, "/path", None, False),
    "ftp://miikejones:testpassword@192.168.5.1:30050":
        ("ftp", "192.168.5.1", 30050, "/", "miikejones", True),
    "ftps://h.example.com/x": ("ftps", "h.example.com", None, "/x", None, False),
    "http://hostname:8080/path": ("http", "hostname", 8080, "/path", None, False),
    "https://hostname/path?token=1": ("https", "hostname", None, "/path", None, False),
    "http://[::1]/x": ("http", "::1", None, "/x", None, False),
}


@pytest.mark.parametrize("url", list(MANUAL_URLS))
def test_manual_url_formats_are_accepted(url: str) -> None:
    scheme, host, port, path, user, has_password = MANUAL_URLS[url]
    assert parse_transfer_url(url) == TransferUrl(
        scheme=scheme, host=host, port=port, path=path, user=user, has_password=has_password
    )


@pytest.mark.parametrize("url", [
    "", "sftp://host/x", "ftp://", "ftp://:pw@host/x", "http://u:p@host/x",
    "ftp://host:0/x", "ftp://host:70000/x", "ftp://host name/x", "ftp://host/x#frag",
    "ftp://host/x?q=1", "ftp://-host-/x", "ftp://" + "a" * 600 + ".com/", "mailto:x@y.z",
    "ftp://host/\x00x"])
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidOperation):
        parse_transfer_url(url)


@given(st.text(max_size=80))
def test_url_validation_parses_or_raises_its_own_error(raw: str) -> None:
    with contextlib.suppress(InvalidOperation):
        parse_transfer_url(raw)


def test_passwords_are_redacted() -> None:
    assert redact_url("ftp://u:secret@h.example.com:21/p") == "ftp://u:***@h.example.com:21/p"
    assert redact_url("ftp://u@h/p") == "ftp://u@h/p"
    assert "secret" not in redact_url("ftp://u:secret@h/p")


# --- parameters ---------------------------------------------------------------------------

def test_readable_names_map_per_version() -> None:
    assert resolve("sampled_data_interval", "1.6").key_16 == "MeterValueSampleInterval"
    resolved = resolve("sampled_data_interval", "2.0.1")
    assert (resolved.component, resolved.variable) == ("SampledDataCtrlr", "TxUpdatedInterval")
    resolved = resolve("authorize_remote_start", "2.0.1")
    assert (resolved.component, resolved.variable) == ("AuthCtrlr", "AuthorizeRemoteStart")
    assert resolve("authorize_remote_start", "1.6").key_16 == "AuthorizeRemoteTxRequests"


def test_raw_names_and_wrong_version() -> None:
    assert resolve("VendorKey", "1.6").key_16 == "VendorKey"
    raw = resolve("SampledDataCtrlr.TxEndedInterval", "2.0.1")
    assert (raw.component, raw.variable, raw.instance) == (
        "SampledDataCtrlr", "TxEndedInterval", None)
    assert resolve("OCPPCommCtrlr.MessageAttempts[TransactionEvent]", "2.0.1").instance == \
        "TransactionEvent"
    with pytest.raises(NotInThisVersion):
        resolve("VendorKey", "2.0.1")
    with pytest.raises(NotInThisVersion):
        resolve("AuthCtrlr.Enabled", "1.6")
    with pytest.raises(InvalidOperation):
        resolve("not a name", "1.6")


def test_every_manual_group_is_covered() -> None:
    assert {p.group for p in PARAMETERS} == {"general", "transactional", "metering",
                                             "authorization", "plug_and_charge"}
    assert len({p.name for p in PARAMETERS}) == len(PARAMETERS)


# --- charging profiles --------------------------------------------------------------------

def _daily(**changes: Any) -> ChargingProfileSpec:
    body: dict[str, Any] = {
        "code": "P", "name": "P", "stack_level": 1, "type": "recurring", "recurrency": "daily",
        "purpose": "charger_total_limit", "schedule_start": "2026-11-21T00:00:00Z",
        "unit": "W", "periods": [{"start": 0, "limit": "5000"},
                                 {"start": 6, "start_unit": "hours", "limit": "10000"},
                                 {"start": 18, "start_unit": "hours", "limit": "5000"}]}
    body.update(changes)
    return ChargingProfileSpec.model_validate(body)


def test_manual_example_becomes_a_recurring_daily_schedule() -> None:
    spec = _daily(duration_s=86400, valid_to="2027-01-01T00:00:00Z")
    profile = ocpp_profile(spec, 7, "1.6")
    assert profile == {
        "chargingProfileId": 7, "stackLevel": 1,
        "chargingProfilePurpose": "ChargePointMaxProfile", "chargingProfileKind": "Recurring",
        "recurrencyKind": "Daily", "validTo": "2027-01-01T00:00:00Z",
        "chargingSchedule": {"startSchedule": "2026-11-21T00:00:00Z", "duration": 86400,
                             "chargingRateUnit": "W", "chargingSchedulePeriod": [
                                 {"startPeriod": 0, "limit": 5000},
                                 {"startPeriod": 21600, "limit": 10000},
                                 {"startPeriod": 64800, "limit": 5000}]}}
    v201 = ocpp_profile(_daily(purpose="session_default_limit"), 7, "2.0.1")
    assert v201["chargingProfilePurpose"] == "TxDefaultProfile"
    assert v201["chargingSchedule"][0]["id"] == 7


def test_one_time_profile_is_absolute() -> None:
    spec = _daily(type="one_time", recurrency=None, duration_s=7200,
                  periods=[{"start": 0, "limit": "16.5"}], unit="A")
    profile = ocpp_profile(spec, 1, "1.6")
    assert profile["chargingProfileKind"] == "Absolute" and "recurrencyKind" not in profile
    assert profile["chargingSchedule"]["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 16.5}]


def test_composite_of_the_daily_profile_wraps_midnight() -> None:
    # 17:00 → 07:00 the next day: 10 kW, 5 kW from 18:00, 10 kW again from 06:00
    periods = composite_schedule([_daily()], T0 + timedelta(hours=17), 14 * 3600)
    assert [(p.start_s, p.limit) for p in periods] == [
        (0, Decimal(10000)), (3600, Decimal(5000)), (13 * 3600, Decimal(10000))]


def test_composite_takes_highest_stack_level_and_lowest_purpose_limit() -> None:
    base = _daily()
    override = _daily(code="O", stack_level=5, periods=[{"start": 0, "limit": "7000"}])
    session = _daily(code="S", purpose="session_default_limit",
                     periods=[{"start": 0, "limit": "6000"},
                              {"start": 12, "start_unit": "hours", "limit": "9000"}])
    periods = composite_schedule([base, override, session], T0, 86400)
    assert [(p.start_s, p.limit) for p in periods] == [
        (0, Decimal(6000)), (12 * 3600, Decimal(7000))]


@given(st.lists(st.integers(min_value=1, max_value=23), unique=True, max_size=5),
       st.integers(min_value=0, max_value=47), st.integers(min_value=3600, max_value=172800))
def test_composite_periods_increase_and_stay_in_the_window(hours: list[int], offset: int,
                                                          duration: int) -> None:
    periods = [{"start": 0, "limit": "1000"}] + [
        {"start": h, "start_unit": "hours", "limit": str(1000 + 100 * h)} for h in sorted(hours)]
    spec = _daily(periods=periods)
    result = composite_schedule([spec], T0 + timedelta(hours=offset), duration)
    starts = [p.start_s for p in result]
    assert starts[0] == 0 and starts == sorted(set(starts))
    assert all(s < duration for s in starts)
    assert all(a.limit != b.limit for a, b in itertools.pairwise(result))


# --- templates ----------------------------------------------------------------------------

def _template(code: str, priority: int, settings: int, batch: int = 2,
              **extra: Any) -> ConfigurationTemplateSpec:
    return ConfigurationTemplateSpec.model_validate({
        "code": code, "name": code, "priority": priority, "batch_size": batch,
        "settings": [{"parameter": f"p{i}", "value": "1"} for i in range(settings)], **extra})


def test_templates_order_filter_and_batches() -> None:
    chosen = applicable([
        _template("A", 1, 3), _template("B", 9, 1), _template("C", 5, 1, ocpp_protocol="1.6"),
        _template("D", 7, 1, valid_from="2027-01-01T00:00:00Z"),
        _template("E", 3, 1, operator="OP-2"), _template("F", 3, 1, operator="OP-1")],
        protocol="2.0.1", operator="OP-1", now=T0)
    assert [t.code for t in chosen] == ["B", "F", "A"]
    assert [(b.template, b.number, len(b.settings)) for b in batches(chosen)] == [
        ("B", 1, 1), ("F", 2, 1), ("A", 3, 2), ("A", 4, 1)]


# --- local lists --------------------------------------------------------------------------

def test_differential_sends_changes_and_deletions() -> None:
    before = {"A": TokenSnapshot("A", "RFID", "Accepted"),
              "B": TokenSnapshot("B", "RFID", "Accepted")}
    after = {"A": TokenSnapshot("A", "RFID", "Blocked"), "C": TokenSnapshot("C", "RFID",
                                                                           "Accepted")}
    entries = differential_update(before, after)
    assert [(e.id_token, e.status) for e in entries] == [("A", "Blocked"), ("C", "Accepted"),
                                                         ("B", None)]
    assert differential_update(after, after) == []
    assert [e.id_token for e in full_update(after)] == ["A", "C"]


def test_tokens_too_long_for_16_are_left_out() -> None:
    tokens = [TokenSnapshot("X" * 21, "RFID", "Accepted"), TokenSnapshot("Y", "RFID", "Accepted")]
    assert list(eligible(tokens, "1.6")) == ["Y"]
    assert len(eligible(tokens, "2.0.1")) == 2


# --- reservations -------------------------------------------------------------------------

def _charger(connectors: int) -> ChargerInfo:
    return ChargerInfo(1, "C", 1, None, tuple(
        ConnectorInfo(10 + i, str(i), 1, i, 22000, None) for i in range(1, connectors + 1)))


def _active(connector_id: int | None, whole: bool) -> ReservationRecord:
    return ReservationRecord(5, 1, 1, connector_id, whole, "T", None, "ACCEPTED",
                             T0 + timedelta(hours=1), T0, T0)


def test_reservation_rules() -> None:
    charger = _charger(2)
    later = T0 + timedelta(minutes=30)
    kwargs: dict[str, Any] = {"reservable": True, "expires_at": later, "now": T0}
    assert check_reservation(charger, charger.connectors[0], simultaneous=False, active=[],
                             **kwargs) is True
    assert check_reservation(charger, charger.connectors[0], simultaneous=True, active=[
        _active(12, False)], **kwargs) is False
    with pytest.raises(ReservationConflict):
        check_reservation(charger, charger.connectors[0], simultaneous=True,
                          active=[_active(11, False)], **kwargs)
    with pytest.raises(ReservationConflict):
        check_reservation(charger, charger.connectors[0], simultaneous=True,
                          active=[_active(12, True)], **kwargs)
    with pytest.raises(ReservationConflict):
        check_reservation(charger, None, simultaneous=True, active=[],
                          **{**kwargs, "reservable": False})
    with pytest.raises(InvalidOperation):
        check_reservation(charger, None, simultaneous=True, active=[],
                          **{**kwargs, "expires_at": T0})
