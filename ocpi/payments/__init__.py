"""OCPI 2.3.0 Payments module, CPO side (``230p:pay``): we are the Receiver of Terminals and
FinancialAdviceConfirmations and call the PTP's Sender interface.

URLs (agreed for this gateway; the spec has a single module id ``payments`` for two
sub-resources): ours are ``{base}/2.3.0/payments/terminals`` and
``{base}/2.3.0/payments/financial-advice-confirmations``; a PTP's are read from its
version details (:func:`ocpi.payments.client.terminals_url`).

* :mod:`ocpi.payments.models` — Terminal, FinancialAdviceConfirmation (lenient reading,
  each leniency documented there).
* :mod:`ocpi.payments.mapping` — pure mapping to and from the network model's terminals.
* :mod:`ocpi.payments.routes` — our Receiver interface (aiohttp).
* :mod:`ocpi.payments.client` — the PTP's Sender interface we call (paginated pull).
"""
