"""The OICP 2.3 endpoints Hubject calls on us (served only on the OICP TLS listener)."""
