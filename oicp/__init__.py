"""OICP 2.3 CPO interface towards Hubject (mutual TLS).

The pure core lives here and imports only pydantic, the standard library and the CSMS
network types:

* :mod:`oicp.models` -- pydantic models of the OICP 2.3 CPO messages (PascalCase aliases,
  Hubject's alternative spellings accepted, explicit nulls accepted) and the ``decode_*``
  helpers that raise :class:`oicp.errors.OicpDecodeError`;
* :mod:`oicp.ids` -- EvseID / OperatorID construction and validation, path id decoding;
* :mod:`oicp.status_codes` -- Hubject's StatusCode list and acknowledgement helpers;
* :mod:`oicp.views` and :mod:`oicp.mapping` -- network snapshots to EvseDataRecord and
  EvseStatusRecord.
"""
