"""Objects on the wire per OCPI version: the one place that knows 2.2.1 from 2.3.0.

Theory of operation. The interface works with version-neutral objects: the 2.2.1 models
of :mod:`ocpi.models` (what the mapping and the tariff engine produce). Whatever we send or
serve goes through the :class:`OcpiSerializer` of the partner's version
(:func:`serializer_for`), and whatever a partner sends us is parsed by it:

* 2.2.1 writes the models as they are and reads them strictly by the 2.2.1 enums.
* 2.3.0 (:class:`Ocpi230`) writes prices as ``{before_taxes, taxes}`` (:mod:`ocpi.taxes`,
  with the VAT of the tariffs that priced the object), tariffs with ``tax_included`` and
  ``preauthorize_amount`` and limits as PriceLimit, and our ``NACS`` connectors as
  ``SAE_J3400`` (2.2.1 has no such type and gets ``TESLA_S``), and Locations with the
  ``help_phone`` the mapping found (``Location.help_desk_phone``, which 2.2.1 never
  writes); it reads with the 2.3.0 models, whose OpenEnum fields accept unknown values.
  Each written object but the Location is validated by its 2.3.0 model, so a shape error
  fails here rather than at the partner.

Which version: for pushes, the version stored for the partner at registration; for what a
partner pulls, the version of the URL it calls (the version details it discovered).
Both serializers are stateless singletons; the functions are pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Protocol

from ocpi.errors import UnsupportedVersion
from ocpi.models import (
    CDR,
    EVSE,
    ClientInfo,
    Connector,
    Credentials,
    Location,
    OcpiModel,
    Session,
    Token,
    command_model,
    dump_ocpi,
    json_value,
    parse_ocpi,
    parse_patch,
    v230,
)
from ocpi.models.commands import CommandType
from ocpi.taxes import RESERVATION, price, price_limit, tax_included, total_price, vat_rates
from tariffs import ocpi_model as engine

__all__ = ["Ocpi221", "Ocpi230", "OcpiSerializer", "serializer_for"]

JsonObject = dict[str, Any]


class OcpiSerializer(Protocol):
    """Writes neutral objects in one OCPI version's shape and reads that version's input."""

    version: str

    def location(self, location: Location) -> JsonObject: ...

    def evse(self, evse: EVSE) -> JsonObject: ...

    def connector(self, connector: Connector) -> JsonObject: ...

    def tariff(self, tariff: engine.Tariff, *,
               preauthorize_amount: Decimal | None = None) -> JsonObject: ...

    def session(self, session: Session, *,
                tariffs: Sequence[engine.Tariff] = ()) -> JsonObject: ...

    def cdr(self, cdr: CDR, *, tariffs: Sequence[engine.Tariff] = ()) -> JsonObject: ...

    def credentials(self, credentials: Credentials) -> JsonObject: ...

    def parse_credentials(self, data: Any) -> Credentials: ...

    def parse_token(self, data: Any) -> Token: ...

    def parse_token_patch(self, data: Any) -> dict[str, Any]: ...

    def parse_command(self, command: CommandType | str, data: Any) -> OcpiModel: ...

    def parse_client_info(self, data: Any) -> ClientInfo: ...


class Ocpi221:
    """OCPI 2.2.1: the neutral models are 2.2.1 objects already."""

    version = "2.2.1"

    def location(self, location: Location) -> JsonObject:
        return dump_ocpi(location)

    def evse(self, evse: EVSE) -> JsonObject:
        return dump_ocpi(evse)

    def connector(self, connector: Connector) -> JsonObject:
        return dump_ocpi(connector)

    def tariff(self, tariff: engine.Tariff, *,
               preauthorize_amount: Decimal | None = None) -> JsonObject:
        # 2.2.1 has no preauthorize_amount: a PTP on 2.2.1 learns it out of band.
        return dump_ocpi(tariff)

    def session(self, session: Session, *, tariffs: Sequence[engine.Tariff] = ()) -> JsonObject:
        return dump_ocpi(session)

    def cdr(self, cdr: CDR, *, tariffs: Sequence[engine.Tariff] = ()) -> JsonObject:
        return dump_ocpi(cdr)

    def credentials(self, credentials: Credentials) -> JsonObject:
        return dump_ocpi(credentials)

    def parse_credentials(self, data: Any) -> Credentials:
        return parse_ocpi(Credentials, data)

    def parse_token(self, data: Any) -> Token:
        return parse_ocpi(Token, data)

    def parse_token_patch(self, data: Any) -> dict[str, Any]:
        return parse_patch(Token, data)

    def parse_command(self, command: CommandType | str, data: Any) -> OcpiModel:
        return parse_ocpi(command_model(command), data)

    def parse_client_info(self, data: Any) -> ClientInfo:
        return parse_ocpi(ClientInfo, data)


# The connector type 2.3.0 added for our NACS connectors (2.2.1 has to say TESLA_S).
_NACS_221 = "TESLA_S"
_NACS_230 = "SAE_J3400"
# CDR cost fields and the rate key (ocpi.taxes.vat_rates) of the components pricing them.
_CDR_PARTS = (
    ("total_fixed_cost", "FLAT"),
    ("total_energy_cost", "ENERGY"),
    ("total_time_cost", "TIME"),
    ("total_parking_cost", "PARKING_TIME"),
    ("total_reservation_cost", RESERVATION),
)
_COMMANDS_230: dict[str, type[OcpiModel]] = {
    CommandType.START_SESSION.value: v230.StartSession,
    CommandType.RESERVE_NOW.value: v230.ReserveNow,
}


def _connector_230(data: JsonObject) -> JsonObject:
    if data.get("standard") == _NACS_221:
        data["standard"] = _NACS_230
    return data


def _evse_230(data: JsonObject) -> JsonObject:
    for connector in data.get("connectors", []):
        _connector_230(connector)
    return data


class Ocpi230:
    """OCPI 2.3.0 (core + Payments)."""

    version = "2.3.0"

    def location(self, location: Location) -> JsonObject:
        data = dump_ocpi(location)
        for evse in data.get("evses", []):
            _evse_230(evse)
        if location.help_desk_phone is not None:
            data["help_phone"] = location.help_desk_phone
        # Not re-validated by the 2.3.0 model (Locations are the bulk of a pull): they are
        # the validated 2.2.1 object plus the connector rename and a normalized phone, and
        # the unit tests check the result against the 2.3.0 OpenAPI.
        return data

    def evse(self, evse: EVSE) -> JsonObject:
        return _evse_230(dump_ocpi(evse))

    def connector(self, connector: Connector) -> JsonObject:
        return _connector_230(dump_ocpi(connector))

    @staticmethod
    def tariff_model(tariff: engine.Tariff, *,
                     preauthorize_amount: Decimal | None = None) -> v230.Tariff:
        """The 2.3.0 Tariff of a neutral one.  Our component prices exclude VAT (see
        :func:`ocpi.taxes.tax_included`)."""
        data: JsonObject = json_value(tariff, exact=True)
        data["tax_included"] = tax_included(tariff)
        if tariff.min_price is not None:
            data["min_price"] = price_limit(tariff.min_price)
        if tariff.max_price is not None:
            data["max_price"] = price_limit(tariff.max_price)
        if preauthorize_amount is not None:
            data["preauthorize_amount"] = preauthorize_amount
        return v230.Tariff.model_validate(data)

    def tariff(self, tariff: engine.Tariff, *,
               preauthorize_amount: Decimal | None = None) -> JsonObject:
        return dump_ocpi(self.tariff_model(tariff, preauthorize_amount=preauthorize_amount))

    def session(self, session: Session, *, tariffs: Sequence[engine.Tariff] = ()) -> JsonObject:
        data: JsonObject = json_value(session, exact=True)
        if session.total_cost is not None:
            # A session carries no per-dimension costs: one tax line per rate only when the
            # tariffs use one rate, else one lump (ocpi.taxes).
            rates = vat_rates(tariffs)
            everything = frozenset(r for values in rates.values() for r in values)
            data["total_cost"] = price(session.total_cost, everything)
        return dump_ocpi(v230.Session.model_validate(data))

    def cdr(self, cdr: CDR, *, tariffs: Sequence[engine.Tariff] = ()) -> JsonObject:
        copies = list(cdr.tariffs or [])
        rates = vat_rates([*tariffs, *copies])
        data: JsonObject = json_value(cdr, exact=True)
        parts: dict[str, engine.Price | None] = {}
        for name, key in _CDR_PARTS:
            value: engine.Price | None = getattr(cdr, name)
            parts[key] = value
            if value is not None:
                data[name] = price(value, rates.get(key, frozenset()))
        data["total_cost"] = total_price(cdr.total_cost, parts, rates)
        if copies:
            data["tariffs"] = [self.tariff_model(t) for t in copies]
        _connector_230_location(data["cdr_location"])
        return dump_ocpi(v230.CDR.model_validate(data))

    def credentials(self, credentials: Credentials) -> JsonObject:
        return dump_ocpi(credentials)

    def parse_credentials(self, data: Any) -> Credentials:
        return parse_ocpi(v230.Credentials, data)

    def parse_token(self, data: Any) -> Token:
        return parse_ocpi(v230.Token, data)

    def parse_token_patch(self, data: Any) -> dict[str, Any]:
        return parse_patch(v230.Token, data)

    def parse_command(self, command: CommandType | str, data: Any) -> OcpiModel:
        model = command_model(command)  # ValueError / KeyError for unknown commands
        return parse_ocpi(_COMMANDS_230.get(CommandType(command).value, model), data)

    def parse_client_info(self, data: Any) -> ClientInfo:
        return parse_ocpi(v230.ClientInfo, data)


def _connector_230_location(data: JsonObject) -> None:
    if data.get("connector_standard") == _NACS_221:
        data["connector_standard"] = _NACS_230


_SERIALIZERS: dict[str, OcpiSerializer] = {"2.2.1": Ocpi221(), "2.3.0": Ocpi230()}
SUPPORTED = tuple(_SERIALIZERS)


def serializer_for(version: str | None) -> OcpiSerializer:
    """The serializer of an OCPI version; ``None`` (a partner not registered yet) is 2.2.1.

    Raises :class:`~ocpi.errors.UnsupportedVersion` (3002) for any other version.
    """
    found = _SERIALIZERS.get(version or "2.2.1")
    if found is None:
        raise UnsupportedVersion(f"OCPI {version} is not supported")
    return found
