"""Version-neutral CSMS use cases: station lifecycle, authorization, sessions, remote control."""
