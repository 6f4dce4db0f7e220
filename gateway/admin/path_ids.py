"""Numeric ids in admin paths (sessions, roaming tariffs, outbox messages).

One rule for all of them: ASCII digits only (``str.isdigit`` also accepts ``'²'``, which
``int`` refuses) and within a 64-bit database integer (a larger number is refused by the
driver, which would surface as a 500). Anything else is simply not found.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

ID_LIMIT = 2 ** 63  # ids are 64-bit integers in the database


def path_id(request: web.Request, name: str, not_found: Callable[[str], Exception]) -> int:
    raw = request.match_info[name]
    if not (raw.isascii() and raw.isdigit()) or int(raw) >= ID_LIMIT:
        raise not_found(f"no such id: {raw[:40]!r}")
    return int(raw)
