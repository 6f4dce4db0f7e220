"""Roaming tariffs as the CSMS keeps them: catalogue, assignments, resolution, session CDRs.

The pure pricing engine is ``tariffs``; this package connects it to the network model and
to sessions through ports."""
