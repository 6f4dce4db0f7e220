"""OCPP 1.6J and 2.0.1 over websockets: frame codec, charge point handlers, server edge."""
