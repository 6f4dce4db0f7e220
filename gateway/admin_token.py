"""The admin API's bearer token.

Configured (``EVGW_ADMIN_TOKEN``) or generated at first start; either way only its
SHA-256 digest is kept (the generated one in the database, shown once). Comparison is
constant-time. Rotation from the CLI takes effect in a running server at once.
"""

from __future__ import annotations

from gateway.db.system_store import SystemStore
from gateway.secrets import new_token, token_digest, token_matches

ADMIN_TOKEN_KEY = "admin_token_sha256"  # noqa: S105 - a settings key, not a secret


async def ensure_admin_token(store: SystemStore, configured: str | None) -> str | None:
    """Returns a newly generated token (to print once), or None when one already exists."""
    if configured:
        return None
    if await store.get(ADMIN_TOKEN_KEY) is not None:
        return None
    token = new_token()
    await store.put(ADMIN_TOKEN_KEY, token_digest(token))
    return token


async def rotate_admin_token(store: SystemStore) -> str:
    token = new_token()
    await store.put(ADMIN_TOKEN_KEY, token_digest(token))
    return token


class AdminTokenVerifier:
    """Checks a presented admin token. The stored digest is read on every check (a primary-key
    lookup; admin traffic is light) so a rotation from the CLI takes effect at once."""

    def __init__(self, store: SystemStore, configured: str | None) -> None:
        self._store = store
        self._configured_digest = token_digest(configured) if configured else None

    async def verify(self, presented: str) -> bool:
        if self._configured_digest is not None:
            return token_matches(presented, self._configured_digest)
        stored = await self._store.get(ADMIN_TOKEN_KEY)
        return stored is not None and token_matches(presented, stored)
