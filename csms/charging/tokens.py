"""The token directory port served from the CSMS repository."""

from __future__ import annotations

from csms.authorization import KnownToken
from csms.charging.ports import CsmsUnitOfWork


class RepositoryTokenDirectory:
    def __init__(self, uow: CsmsUnitOfWork) -> None:
        self._uow = uow

    async def find_token(self, identifier: str, token_type: str | None) -> KnownToken | None:
        async with self._uow() as repo:
            return await repo.find_token(identifier, token_type)
