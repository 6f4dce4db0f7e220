"""Roaming tariff catalogue: validation, OCPI conversion, resolution, home-roaming fallback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tariffs.errors import InvalidRoamingTariffError, OverlappingFramesError
from tariffs.ocpi_model import ReservationRestrictionType, dumps, parse_tariff
from tariffs.pricing import SessionPeriod, price_session
from tariffs.roaming import (
    ChargerRef,
    MetricPrice,
    Recurrence,
    RoamingTariff,
    SessionRatingSettings,
    TariffAssignments,
    TariffDetail,
    TariffStatus,
    parse_roaming_tariff,
    rating_settings_tariff,
    resolve_roaming_tariffs,
    tariff_for_session,
    to_ocpi_tariff,
    validate_catalogue,
)

D = Decimal
JAN = datetime(2025, 1, 1, tzinfo=UTC)


def rt(
    code: str = "RT1",
    frm: datetime | None = None,
    to: datetime | None = None,
    details: list[TariffDetail] | None = None,
    status: TariffStatus = TariffStatus.ACTIVE,
) -> RoamingTariff:
    return RoamingTariff(
        code=code,
        name=f"{code} {frm}",
        status=status,
        valid_from=frm,
        valid_to=to,
        currency="EUR",
        details=details or [TariffDetail(energy=MetricPrice(price=D("0.30")))],
        last_updated=JAN,
    )


def test_overlapping_validity_of_one_code_rejected() -> None:
    a = rt(frm=JAN, to=JAN + timedelta(days=10))
    b = rt(frm=JAN + timedelta(days=9), to=JAN + timedelta(days=20))
    with pytest.raises(OverlappingFramesError, match="overlaps"):
        validate_catalogue([a, b])
    with pytest.raises(OverlappingFramesError):
        validate_catalogue([rt(frm=JAN), rt(frm=JAN + timedelta(days=400))])  # open end


def test_adjacent_frames_and_other_codes_accepted() -> None:
    stop = datetime(2025, 1, 1, 3, 0, tzinfo=UTC)
    before, after, other = rt(to=stop), rt(frm=stop), rt(code="OTHER", frm=JAN)
    assert before.code == after.code and before.valid_to == after.valid_from  # adjacent frames
    assert other.code != before.code and other.valid_from < stop  # overlaps, but another code
    # validate_catalogue raises OverlappingFramesError on overlap and returns None otherwise
    assert validate_catalogue([before, after, other]) is None


def test_from_must_precede_to() -> None:
    with pytest.raises(InvalidRoamingTariffError, match="valid_from must be before valid_to"):
        parse_roaming_tariff(
            {
                "code": "X",
                "name": "x",
                "currency": "EUR",
                "valid_from": JAN,
                "valid_to": JAN,
                "details": [{}],
            }
        )
    with pytest.raises(InvalidRoamingTariffError, match="start must be before"):
        parse_roaming_tariff(
            {
                "code": "X",
                "name": "x",
                "currency": "EUR",
                "details": [
                    {
                        "recurrence": "ONE_TIME",
                        "start": "2025-01-02T10:00",
                        "stop": "2025-01-02T09:00",
                    }
                ],
            }
        )


def test_priority_becomes_element_order_and_prices_apply() -> None:
    low = TariffDetail(priority=1, energy=MetricPrice(price=D("0.30"), vat=D(21)))
    high = TariffDetail(
        priority=5,
        recurrence=Recurrence.DAILY,
        start=datetime(2025, 1, 1, 18, 0),
        stop=datetime(2025, 1, 1, 22, 0),
        energy=MetricPrice(price=D("0.50"), vat=D(21)),
        flat=MetricPrice(price=D(1)),
    )
    tariff = to_ocpi_tariff(rt(details=[low, high]), country_code="NL", party_id="EVG")
    assert parse_tariff(dumps(tariff)) == tariff
    first, second = tariff.elements
    assert first.restrictions is not None
    assert (first.restrictions.start_time, first.restrictions.end_time) == ("18:00", "22:00")
    assert second.restrictions is None
    comps = {c.type.value: c for c in first.price_components}
    assert comps["ENERGY"].price == D("0.50") and comps["ENERGY"].vat == D(21)
    assert comps["TIME"].price == 0  # empty price means 0 and does not fall through
    evening = datetime(2025, 3, 3, 18, 30, tzinfo=UTC)
    r = price_session(
        [SessionPeriod(evening, evening + timedelta(hours=1), energy=D(10))], tariff, "UTC"
    )
    assert r.total_energy_cost.excl_vat == D("5.0000")
    assert r.total_fixed_cost.excl_vat == D("1.0000")
    noon = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
    r = price_session([SessionPeriod(noon, noon + timedelta(hours=1), energy=D(10))], tariff, "UTC")
    assert r.total_cost.excl_vat == D("3.0000")
    assert r.total_cost.incl_vat == D("3.6300")


def test_one_time_and_weekly_frames() -> None:
    one = TariffDetail(
        recurrence=Recurrence.ONE_TIME,
        start=datetime(2025, 1, 1, 3, 0),
        stop=datetime(2025, 1, 3, 2, 59, 59),
        energy=MetricPrice(price=D(1)),
    )
    tariff = to_ocpi_tariff(rt(details=[one]), country_code="NL", party_id="EVG")
    restr = [
        e.restrictions.model_dump(exclude_none=True)
        for e in tariff.elements
        if e.restrictions is not None
    ]
    assert restr == [
        {"start_date": "2025-01-01", "end_date": "2025-01-02", "start_time": "03:00"},
        {"start_date": "2025-01-02", "end_date": "2025-01-03"},
        {"start_date": "2025-01-03", "end_date": "2025-01-04", "end_time": "03:00"},
    ]
    weekend = TariffDetail(
        recurrence=Recurrence.WEEKLY,
        start=datetime(2025, 1, 3, 18, 0),
        stop=datetime(2025, 1, 6, 6, 0),
    )  # Friday 18:00 -> Monday 06:00
    tariff = to_ocpi_tariff(rt(details=[weekend]), country_code="NL", party_id="EVG")
    days = [
        (e.restrictions.day_of_week, e.restrictions.start_time, e.restrictions.end_time)
        for e in tariff.elements
        if e.restrictions is not None
    ]
    assert [([d.value for d in ds or []], a, b) for ds, a, b in days] == [
        (["FRIDAY"], "18:00", None),
        (["SATURDAY", "SUNDAY"], None, None),
        (["MONDAY"], None, "06:00"),
    ]


def test_reservation_elements_emitted_when_priced() -> None:
    detail = TariffDetail(
        reservation_time=MetricPrice(price=D(2)), reservation_flat=MetricPrice(price=D(1))
    )
    tariff = to_ocpi_tariff(rt(details=[detail]), country_code="NL", party_id="EVG")
    assert [e.restrictions.reservation if e.restrictions else None for e in tariff.elements] == [
        None,
        ReservationRestrictionType.RESERVATION,
    ]
    t = datetime(2025, 2, 1, tzinfo=UTC)
    r = price_session(
        [
            SessionPeriod(
                t, t + timedelta(minutes=30), reservation_time=D("0.5"), is_reservation=True
            )
        ],
        tariff,
    )
    assert r.total_reservation_cost.excl_vat == D("2.0000")


CHARGER = ChargerRef("CH1", operator_id="OP1", site_id="S1")


def test_resolution_needs_infrastructure_and_platform() -> None:
    cat = [rt("A"), rt("B"), rt("C")]
    both = TariffAssignments(by_site={"S1": ["A", "B"]}, by_platform={"P1": ["B", "C"]})
    assert [t.code for t in resolve_roaming_tariffs(cat, both, "P1", CHARGER, JAN)] == ["B"]
    assert resolve_roaming_tariffs(cat, both, "P2", CHARGER, JAN) == []
    only_platform = TariffAssignments(by_platform={"P1": ["A"]})
    assert resolve_roaming_tariffs(cat, only_platform, "P1", CHARGER, JAN) == []


def test_lowest_infrastructure_level_wins() -> None:
    cat = [rt("SITE"), rt("OPER"), rt("CHRG")]
    platform = {"P1": ["SITE", "OPER", "CHRG"]}
    a = TariffAssignments(
        by_site={"S1": ["SITE"]},
        by_operator={"OP1": ["OPER"]},
        by_charger={"CH1": ["CHRG"]},
        by_platform=platform,
    )
    assert [t.code for t in resolve_roaming_tariffs(cat, a, "P1", CHARGER, JAN)] == ["CHRG"]
    a = TariffAssignments(
        by_site={"S1": ["SITE"]}, by_operator={"OP1": ["OPER"]}, by_platform=platform
    )
    assert [t.code for t in resolve_roaming_tariffs(cat, a, "P1", CHARGER, JAN)] == ["OPER"]
    # the charger level wins even when its tariff is not on the platform: no fallback upwards
    a = TariffAssignments(by_site={"S1": ["SITE"]}, by_charger={"CH1": ["X"]}, by_platform=platform)
    assert resolve_roaming_tariffs(cat, a, "P1", CHARGER, JAN) == []


def test_status_and_validity_filter() -> None:
    cat = [rt("A", status=TariffStatus.INACTIVE), rt("B", frm=JAN + timedelta(days=1))]
    a = TariffAssignments(by_site={"S1": ["A", "B"]}, by_platform={"P1": ["A", "B"]})
    assert resolve_roaming_tariffs(cat, a, "P1", CHARGER, JAN) == []
    assert [
        t.code for t in resolve_roaming_tariffs(cat, a, "P1", CHARGER, JAN + timedelta(days=2))
    ] == ["B"]


def test_home_roaming_fallback() -> None:
    settings = SessionRatingSettings.effective(
        SessionRatingSettings(
            home_roaming_energy_price=D("0.40"), home_roaming_park_time_price=D(1)
        ),
        SessionRatingSettings(home_roaming_energy_price=D("0.35")),
    )
    tariff = tariff_for_session(
        [],
        TariffAssignments(),
        "P1",
        CHARGER,
        JAN,
        country_code="NL",
        party_id="EVG",
        fallback=settings,
        fallback_currency="EUR",
    )
    assert tariff is not None
    t = datetime(2025, 2, 1, tzinfo=UTC)
    r = price_session(
        [
            SessionPeriod(t, t + timedelta(hours=1), energy=D(10), time=D(1)),
            SessionPeriod(t + timedelta(hours=1), t + timedelta(hours=2), parking=D(1)),
        ],
        tariff,
    )
    assert r.total_cost.excl_vat == D("4.5000")
    assert (
        tariff_for_session(
            [], TariffAssignments(), "P1", CHARGER, JAN, country_code="NL", party_id="EVG"
        )
        is None
    )
    simple = rating_settings_tariff(
        SessionRatingSettings(energy_price=D(1)),
        tariff_id="S",
        currency="EUR",
        country_code="NL",
        party_id="EVG",
        home_roaming=False,
    )
    assert simple.elements[0].price_components[0].price == D(1)
