"""SQLAlchemy 2 (async) persistence: tables, engine, unit of work, repositories, migrations."""
