"""OCPI 2.2.1 / 2.3.0 CPO interface: credentials, locations, sessions, CDRs, tariffs,
tokens, commands.

Pure core (pydantic + stdlib, no I/O): ``models`` (objects, ``dump_ocpi`` / ``parse_ocpi``),
``errors`` (the one error hierarchy), ``envelope``, ``auth`` (Authorization header codec),
``pagination``, ``routing`` (hub headers, request ids), ``versions`` (our endpoints and the
handshake's negotiation steps), ``mapping`` (network model -> OCPI objects), and
``serialization`` / ``taxes`` (the one place that writes and reads each OCPI version: 2.2.1
objects as they are, 2.3.0 with its prices, tariffs and open enums)."""
