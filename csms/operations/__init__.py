"""OCPP remote operations, configuration templates, local authorization lists,
reservations and smart-charging profiles (issue 4).

Pure cores (URL rules, parameter names, payload builders per version, profile schedules,
template ordering, reservation rules) sit next to version-neutral services that reach the
charger through the ``ChargerControl`` port and persistence through ``OperationsRepository``.
"""
