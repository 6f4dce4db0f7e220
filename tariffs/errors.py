"""Error hierarchy of the tariff package.

Every decoder and every pricing entry point either returns a value or raises a subclass of
:class:`TariffError`; no other exception type escapes for bad input.
"""

from __future__ import annotations


class TariffError(Exception):
    """Base class of every error raised by :mod:`tariffs` for bad input."""


class InvalidJsonError(TariffError):
    """The text is not a JSON document we accept (syntax error, NaN/Infinity, too deep)."""


class InvalidTariffError(TariffError):
    """An OCPI Tariff object does not conform to the model (missing field, bad enum, ...)."""


class InvalidCdrError(TariffError):
    """An OCPI CDR (or its charging periods) cannot be priced as given."""


class NoApplicableTariffError(TariffError):
    """None of the supplied tariffs is valid for the session being priced."""


class InvalidTimeZoneError(TariffError):
    """The time zone name is not a known IANA zone."""


class InvalidMeterTraceError(TariffError):
    """A meter trace (samples of a running session) is inconsistent."""


class InvalidRoamingTariffError(TariffError):
    """A roaming tariff of the operator's catalogue is inconsistent."""


class OverlappingFramesError(InvalidRoamingTariffError):
    """Two validity frames of tariffs sharing one tariff code overlap."""
