"""The charging-network model: Site → Operator → Area → Station → Charger → Connector,
assets, roaming profiles and platforms, customers and identification devices.

Pure: pydantic schemas, resource metadata and the rules that guard them. Persistence
is behind the ``NetworkStore`` port in ``service.py``.
"""
