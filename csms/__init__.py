"""The system of record for the charging network, and the OCPP central system."""
