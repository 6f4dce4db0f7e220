"""OCPI 2.2.1 / 2.3.0 CPO interface: credentials, locations, sessions, CDRs, tariffs,
tokens, commands.

Pure core (pydantic + stdlib, no I/O): ``models`` (objects, ``dump_ocpi`` / ``parse_ocpi``),
``errors`` (the one error hierarchy), ``envelope``, ``auth`` (Authorization header codec),
``pagination``, ``routing`` (hub headers, request ids), ``versions`` (our endpoints and the
handshake's negotiation steps) and ``mapping`` (network model -> OCPI objects)."""
