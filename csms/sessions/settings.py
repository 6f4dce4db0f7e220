"""Effective session settings: Site < Operator < Charger, resolved field by field."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, TypeVar

from csms.network.schemas import IdleSessionSettings, SessionRatingSettings
from csms.network.types import PaymentAuthPolicy, TerminationStrategy

T = TypeVar("T")
S = TypeVar("S", SessionRatingSettings, IdleSessionSettings)

DEFAULT_TERMINATION: Final = TerminationStrategy.CHARGING_END
DEFAULT_REACTIVATION_GRACE_S: Final = 900
DEFAULT_PARK_TIME_THRESHOLD_S: Final = 0
DEFAULT_PAYMENT_AUTH_POLICY: Final = PaymentAuthPolicy.NONE
DEFAULT_READY_EXPIRATION_S: Final = 120
DEFAULT_ONGOING_EXPIRATION_S: Final = 48 * 3600
DEFAULT_CLOSED_VERIFICATION_S: Final = 300


@dataclass(frozen=True)
class EffectiveRating:
    """Session rating settings after inheritance; ``None`` means "not configured": no
    step control, no limit, no authorisation amount or no price, per field."""

    energy_step_kwh: Decimal | None
    charge_time_step_s: int | None
    park_time_step_s: int | None
    park_time_threshold_s: int
    reservation_rating: bool
    termination_strategy: TerminationStrategy
    monetary_limit: Decimal | None
    energy_limit_kwh: Decimal | None
    charge_time_limit_s: int | None
    payment_auth_policy: PaymentAuthPolicy
    payment_auth_amount: Decimal | None
    charge_time_price: Decimal | None
    park_time_price: Decimal | None
    energy_price: Decimal | None
    home_roaming_energy_price: Decimal | None
    home_roaming_charge_time_price: Decimal | None
    home_roaming_park_time_price: Decimal | None
    home_roaming_reservation_time_price: Decimal | None
    home_roaming_reservation_fixed_price: Decimal | None
    start_restriction_connector_occupied: bool
    reactivation_grace_period_s: int  # 0 = no limit (the manual's "empty or 0")


@dataclass(frozen=True)
class EffectiveIdle:
    """Idle-session expiration settings after inheritance, in seconds."""

    ready_session_expiration_s: int
    ongoing_session_expiration_s: int
    closed_verification_time_s: int


def _picker(*layers: S | None) -> Callable[[Callable[[S], T | None]], T | None]:
    present = [layer for layer in layers if layer is not None]

    def pick(field: Callable[[S], T | None]) -> T | None:
        for layer in present:
            value = field(layer)
            if value is not None:
                return value
        return None

    return pick


def _or(value: T | None, default: T) -> T:
    return default if value is None else value


def effective_rating(
    site: SessionRatingSettings,
    operator: SessionRatingSettings | None,
    charger: SessionRatingSettings | None,
) -> EffectiveRating:
    """Resolve every rating setting: the charger's value, else the operator's, else the
    site's, else the built-in default (CHARGING_END termination, 900 s reactivation grace,
    no start restriction, no reservation rating, park threshold 0, payment policy NONE)."""
    pick = _picker(charger, operator, site)
    return EffectiveRating(
        energy_step_kwh=pick(lambda s: s.energy_step_kwh),
        charge_time_step_s=pick(lambda s: s.charge_time_step_s),
        park_time_step_s=pick(lambda s: s.park_time_step_s),
        park_time_threshold_s=_or(
            pick(lambda s: s.park_time_threshold_s), DEFAULT_PARK_TIME_THRESHOLD_S
        ),
        reservation_rating=_or(pick(lambda s: s.reservation_rating), False),
        termination_strategy=_or(pick(lambda s: s.termination_strategy), DEFAULT_TERMINATION),
        monetary_limit=pick(lambda s: s.monetary_limit),
        energy_limit_kwh=pick(lambda s: s.energy_limit_kwh),
        charge_time_limit_s=pick(lambda s: s.charge_time_limit_s),
        payment_auth_policy=_or(
            pick(lambda s: s.payment_auth_policy), DEFAULT_PAYMENT_AUTH_POLICY
        ),
        payment_auth_amount=pick(lambda s: s.payment_auth_amount),
        charge_time_price=pick(lambda s: s.charge_time_price),
        park_time_price=pick(lambda s: s.park_time_price),
        energy_price=pick(lambda s: s.energy_price),
        home_roaming_energy_price=pick(lambda s: s.home_roaming_energy_price),
        home_roaming_charge_time_price=pick(lambda s: s.home_roaming_charge_time_price),
        home_roaming_park_time_price=pick(lambda s: s.home_roaming_park_time_price),
        home_roaming_reservation_time_price=pick(
            lambda s: s.home_roaming_reservation_time_price
        ),
        home_roaming_reservation_fixed_price=pick(
            lambda s: s.home_roaming_reservation_fixed_price
        ),
        start_restriction_connector_occupied=_or(
            pick(lambda s: s.start_restriction_connector_occupied), False
        ),
        reactivation_grace_period_s=_or(
            pick(lambda s: s.reactivation_grace_period_s), DEFAULT_REACTIVATION_GRACE_S
        ),
    )


def effective_idle(
    site: IdleSessionSettings, operator: IdleSessionSettings | None
) -> EffectiveIdle:
    """Resolve the idle settings: the operator's value over the site's, else the defaults
    (120 s ready, 172800 s ongoing, 300 s closed verification). The closed verification
    time is taken from the site only (manual: "this setting only applies for the Site")."""
    pick = _picker(operator, site)
    return EffectiveIdle(
        ready_session_expiration_s=_or(
            pick(lambda s: s.ready_session_expiration_s), DEFAULT_READY_EXPIRATION_S
        ),
        ongoing_session_expiration_s=_or(
            pick(lambda s: s.ongoing_session_expiration_s), DEFAULT_ONGOING_EXPIRATION_S
        ),
        closed_verification_time_s=_or(
            site.closed_verification_time_s, DEFAULT_CLOSED_VERIFICATION_S
        ),
    )
