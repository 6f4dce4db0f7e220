"""Effective session settings: Charger over Operator over Site, field by field."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from csms.network.schemas import (
    IdleSessionSettings,
    SessionRatingSettings,
    default_site_idle,
    default_site_rating,
)
from csms.network.types import PaymentAuthPolicy, TerminationStrategy
from csms.sessions.settings import EffectiveIdle, EffectiveRating, effective_idle, effective_rating


def test_effective_rating_covers_every_setting() -> None:
    fields = {f.name for f in dataclasses.fields(EffectiveRating)}
    assert fields == set(SessionRatingSettings.model_fields)


def test_defaults_when_nothing_is_set() -> None:
    eff = effective_rating(SessionRatingSettings(), None, None)
    assert eff.termination_strategy is TerminationStrategy.CHARGING_END
    assert eff.reactivation_grace_period_s == 900
    assert eff.start_restriction_connector_occupied is False
    assert eff.reservation_rating is False
    assert eff.park_time_threshold_s == 0
    assert eff.payment_auth_policy is PaymentAuthPolicy.NONE
    for name in ("monetary_limit", "energy_limit_kwh", "charge_time_limit_s", "energy_price",
                 "charge_time_price", "park_time_price", "home_roaming_energy_price",
                 "home_roaming_reservation_fixed_price", "energy_step_kwh",
                 "payment_auth_amount"):
        assert getattr(eff, name) is None
    assert effective_rating(default_site_rating(), None, None) == eff


def test_charger_over_operator_over_site_field_by_field() -> None:
    site = SessionRatingSettings(
        energy_price=Decimal("0.30"), charge_time_price=Decimal("1.00"),
        park_time_price=Decimal("2.00"), monetary_limit=Decimal(50),
        termination_strategy=TerminationStrategy.CHARGING_END, reactivation_grace_period_s=600,
        park_time_threshold_s=1800,
    )
    operator = SessionRatingSettings(
        energy_price=Decimal("0.40"), charge_time_price=Decimal("1.50"),
        termination_strategy=TerminationStrategy.PARKING_END, energy_limit_kwh=Decimal(40),
    )
    charger = SessionRatingSettings(energy_price=Decimal("0.55"), reactivation_grace_period_s=0)
    eff = effective_rating(site, operator, charger)
    assert eff.energy_price == Decimal("0.55")  # charger
    assert eff.charge_time_price == Decimal("1.50")  # operator
    assert eff.park_time_price == Decimal("2.00")  # site
    assert eff.monetary_limit == Decimal(50)  # site
    assert eff.energy_limit_kwh == Decimal(40)  # operator
    assert eff.termination_strategy is TerminationStrategy.PARKING_END  # operator
    assert eff.reactivation_grace_period_s == 0  # charger's explicit 0 = no limit
    assert eff.park_time_threshold_s == 1800
    assert eff.charge_time_limit_s is None


def test_charger_without_operator() -> None:
    site = SessionRatingSettings(energy_price=Decimal("0.30"), reservation_rating=True)
    charger = SessionRatingSettings(reservation_rating=False)
    eff = effective_rating(site, None, charger)
    assert eff.reservation_rating is False
    assert eff.energy_price == Decimal("0.30")


def test_false_is_a_value_not_inheritance() -> None:
    site = SessionRatingSettings(start_restriction_connector_occupied=True)
    operator = SessionRatingSettings(start_restriction_connector_occupied=False)
    assert effective_rating(site, operator, None).start_restriction_connector_occupied is False


def test_effective_idle_defaults() -> None:
    assert effective_idle(IdleSessionSettings(), None) == EffectiveIdle(120, 172_800, 300)
    assert effective_idle(default_site_idle(), None) == EffectiveIdle(120, 172_800, 300)


def test_effective_idle_operator_over_site_but_verification_from_site_only() -> None:
    site = IdleSessionSettings(
        ready_session_expiration_s=60, ongoing_session_expiration_s=3600,
        closed_verification_time_s=200,
    )
    operator = IdleSessionSettings(ready_session_expiration_s=90, closed_verification_time_s=999)
    assert effective_idle(site, operator) == EffectiveIdle(90, 3600, 200)
    assert effective_idle(IdleSessionSettings(), operator) == EffectiveIdle(90, 172_800, 300)
