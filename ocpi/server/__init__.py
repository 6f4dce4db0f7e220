"""The OCPI 2.2.1 CPO interface as an aiohttp sub-application (the I/O edge)."""
