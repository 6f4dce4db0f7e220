"""evgw composition root: settings, app factory, CLI, admin API, database, event bus, outbox."""
