"""Charging-session domain rules, pure and I/O free.

One job per module: the status lifecycle (``lifecycle``), energy reading interpretation and
validation (``energy``), duration scopes (``durations``), effective session settings
(``settings``), limits and simple pricing (``limits``), idle-session detection (``idle``) and
session reactivation (``reactivation``). Money and energy are ``Decimal``; times are
timezone-aware datetimes.
"""
