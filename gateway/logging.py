"""structlog configuration: JSON lines in production, readable output on a terminal.

Context (``request_id``, ``station_id`` ...) is bound through contextvars so every
line a request produces carries it.
"""

from __future__ import annotations

import logging
import sys

import structlog

from gateway.config import LogFormat

_SECRET_KEYS = frozenset({"token", "password", "private_key", "secret", "authorization"})


def _redact_secrets(
    _logger: object, _method: str, event_dict: structlog.types.EventDict
) -> structlog.types.EventDict:
    """Last line of defence: a field named like a secret never reaches the log."""
    for key in list(event_dict):
        if key.lower() in _SECRET_KEYS:
            event_dict[key] = "***"
    return event_dict


def _stderr_logger(*_args: object) -> structlog.PrintLogger:
    # Resolve sys.stderr at each use, not once: it may be replaced (daemonisers, tests).
    return structlog.PrintLogger(file=sys.stderr)


def configure_logging(fmt: LogFormat, level: str = "INFO") -> None:
    use_json = fmt is LogFormat.JSON or (fmt is LogFormat.AUTO and not sys.stderr.isatty())
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if use_json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact_secrets,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
        ),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )
