"""Use cases of the network model: create, read, list, update, delete, with the manual's rules.

Theory of operation: every write is validated as a whole object by the resource's create
model (a PATCH is merged onto the stored object first), then checked against the rules
that need other objects (references exist, codes and roaming ids unique in their scope,
protocol constraints, reference cycles), then written in one unit of work. Rules that
only warn (moving an object that is exposed in roaming) come back as warnings beside the
result. Persistence is the ``NetworkRepository`` port; the gateway implements it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from pydantic import BaseModel

from csms.network.errors import Conflict, NotFound, RuleViolation, StillReferenced
from csms.network.resources import BY_KIND, ResourceSpec
from csms.network.types import OcppProtocol

Key = tuple[str, ...]


class NetworkRepository(Protocol):
    async def get(self, spec: ResourceSpec, key: Key) -> dict[str, Any] | None: ...

    async def page(
        self, spec: ResourceSpec, filters: dict[str, str], limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]: ...

    async def find(self, spec: ResourceSpec, **equals: object) -> list[Key]: ...

    async def insert(self, spec: ResourceSpec, obj: BaseModel) -> None: ...

    async def update(self, spec: ResourceSpec, key: Key, obj: BaseModel) -> None: ...

    async def delete(self, spec: ResourceSpec, key: Key) -> None: ...

    async def referrers(self, spec: ResourceSpec, key: Key) -> dict[str, list[str]]: ...


UnitOfWork = Callable[[], AbstractAsyncContextManager[NetworkRepository]]


def describe(spec: ResourceSpec, key: Key) -> str:
    return f"{spec.singular} {'/'.join(key)!r}"


class NetworkService:
    def __init__(self, unit_of_work: UnitOfWork) -> None:
        self._uow = unit_of_work

    # --- reads ---------------------------------------------------------------------------

    async def get(self, kind: str, key: Key) -> BaseModel:
        spec = BY_KIND[kind]
        async with self._uow() as repo:
            row = await repo.get(spec, key)
        if row is None:
            raise NotFound(f"{describe(spec, key)} does not exist")
        return spec.read.model_validate(row)

    async def page(
        self, kind: str, filters: dict[str, str], limit: int, offset: int
    ) -> tuple[list[BaseModel], int]:
        spec = BY_KIND[kind]
        unknown = set(filters) - set(spec.filters)
        if unknown:
            raise RuleViolation(
                f"unknown filter(s) {sorted(unknown)}; "
                f"{spec.path} filters by {sorted(spec.filters)}",
                field=sorted(unknown)[0],
            )
        async with self._uow() as repo:
            rows, total = await repo.page(spec, filters, limit, offset)
        return [spec.read.model_validate(row) for row in rows], total

    # --- writes --------------------------------------------------------------------------

    async def create(self, kind: str, body: object) -> tuple[BaseModel, list[str]]:
        spec = BY_KIND[kind]
        async with self._uow() as repo:
            obj = spec.create.model_validate(body)
            obj = await self._fill_defaults(repo, spec, obj)
            key = self._key_of(spec, obj)
            if await repo.get(spec, key) is not None:
                raise Conflict(f"{describe(spec, key)} already exists", field="code")
            await self._check(repo, spec, obj, current=None)
            warnings = await self._warnings(repo, spec, obj, current=None)
            await repo.insert(spec, obj)
            row = await repo.get(spec, key)
        assert row is not None
        return spec.read.model_validate(row), warnings

    async def update(self, kind: str, key: Key, patch: object) -> tuple[BaseModel, list[str]]:
        spec = BY_KIND[kind]
        changes = spec.patch.model_validate(patch).model_dump(exclude_unset=True)
        async with self._uow() as repo:
            row = await repo.get(spec, key)
            if row is None:
                raise NotFound(f"{describe(spec, key)} does not exist")
            current = spec.create.model_validate(
                {name: row[name] for name in spec.create.model_fields}
            )
            if spec.scope and spec.scope in changes and changes[spec.scope] != row[spec.scope]:
                raise RuleViolation(
                    f"a {spec.singular} cannot move to another {spec.scope}; create a new one",
                    field=spec.scope,
                )
            merged = current.model_dump(exclude_unset=False) | changes
            obj = spec.create.model_validate(merged)
            obj = await self._fill_defaults(repo, spec, obj)
            await self._check(repo, spec, obj, current=current)
            warnings = await self._warnings(repo, spec, obj, current=current)
            await repo.update(spec, key, obj)
            updated = await repo.get(spec, key)
        assert updated is not None
        return spec.read.model_validate(updated), warnings

    async def delete(self, kind: str, key: Key) -> None:
        spec = BY_KIND[kind]
        async with self._uow() as repo:
            if await repo.get(spec, key) is None:
                raise NotFound(f"{describe(spec, key)} does not exist")
            references = await repo.referrers(spec, key)
            if references:
                named = "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(references.items()))
                raise StillReferenced(
                    f"{describe(spec, key)} is still referenced ({named})", references
                )
            await repo.delete(spec, key)

    # --- rules ---------------------------------------------------------------------------

    @staticmethod
    def _key_of(spec: ResourceSpec, obj: BaseModel) -> Key:
        return tuple(str(getattr(obj, name)) for name in spec.key_fields)

    async def _fill_defaults(
        self, repo: NetworkRepository, spec: ResourceSpec, obj: BaseModel
    ) -> BaseModel:
        if spec.kind == "areas" and getattr(obj, "site", None) is None:
            sites, total = await repo.page(BY_KIND["sites"], {}, 2, 0)
            if total != 1:
                raise RuleViolation(
                    "site is required when there is not exactly one site"
                    if total else "create a site before its areas",
                    field="site",
                )
            obj = obj.model_copy(update={"site": sites[0]["code"]})
        return obj

    async def _check(
        self,
        repo: NetworkRepository,
        spec: ResourceSpec,
        obj: BaseModel,
        current: BaseModel | None,
    ) -> None:
        own_key = self._key_of(spec, obj)
        for ref in spec.references:
            code = getattr(obj, ref.field)
            if code is not None and await repo.get(BY_KIND[ref.target], (code,)) is None:
                raise RuleViolation(
                    f"{BY_KIND[ref.target].singular} {code!r} does not exist", field=ref.field
                )
        roaming_id = getattr(obj, "roaming_id", None)
        if spec.roaming_id_unique and roaming_id is not None:
            await self._unique(repo, spec, own_key, "roaming_id", roaming_id=roaming_id)
        for name in spec.unique_fields:
            await self._unique(repo, spec, own_key, name, **{name: getattr(obj, name)})
        rule = _RULES.get(spec.kind)
        if rule is not None:
            await rule(self, repo, spec, obj, current)

    async def _unique(
        self, repo: NetworkRepository, spec: ResourceSpec, own_key: Key, field: str,
        **equals: object,
    ) -> None:
        clashes = [k for k in await repo.find(spec, **equals) if k != own_key]
        if clashes:
            shown = ", ".join(f"{name}={value}" for name, value in equals.items())
            raise Conflict(
                f"{shown} is already used by {describe(spec, clashes[0])}", field=field
            )

    async def _rules_area(
        self, repo: NetworkRepository, spec: ResourceSpec, obj: Any, current: Any
    ) -> None:
        # Walk up the parent chain: an area may not become its own ancestor.
        seen = {obj.code}
        parent = obj.parent
        while parent is not None:
            if parent in seen:
                raise RuleViolation(
                    f"parent {obj.parent!r} would make a cycle in the area hierarchy",
                    field="parent",
                )
            seen.add(parent)
            row = await repo.get(spec, (parent,))
            parent = row["parent"] if row else None

    async def _rules_station(
        self, repo: NetworkRepository, spec: ResourceSpec, obj: Any, current: Any
    ) -> None:
        if obj.ocpp_protocol is OcppProtocol.OCPP16 and current is not None:
            chargers = await repo.find(BY_KIND["chargers"], station=obj.code)
            if len(chargers) > 1:
                raise RuleViolation(
                    f"an OCPP 1.6 station has one charger; {obj.code!r} has {len(chargers)}",
                    field="ocpp_protocol",
                )

    async def _rules_charger(
        self, repo: NetworkRepository, spec: ResourceSpec, obj: Any, current: Any
    ) -> None:
        station = await repo.get(BY_KIND["stations"], (obj.station,))
        assert station is not None  # reference checked before
        others = [k for k in await repo.find(spec, station=obj.station) if k != (obj.code,)]
        if station["ocpp_protocol"] == OcppProtocol.OCPP16 and others:
            raise RuleViolation(
                f"OCPP 1.6 station {obj.station!r} already has charger {others[0][0]!r}; "
                "a 1.6 station has exactly one charger",
                field="station",
            )
        await self._unique(
            repo, spec, (obj.code,), "evse_id", station=obj.station, evse_id=obj.evse_id
        )

    async def _rules_connector(
        self, repo: NetworkRepository, spec: ResourceSpec, obj: Any, current: Any
    ) -> None:
        await self._unique(
            repo, spec, (obj.charger, obj.code), "ocpp_connector_id",
            charger=obj.charger, ocpp_connector_id=obj.ocpp_connector_id,
        )

    async def _rules_roaming_profile(
        self, repo: NetworkRepository, spec: ResourceSpec, obj: Any, current: Any
    ) -> None:
        await self._unique(
            repo, spec, (obj.code,), "roaming_identifier", protocol=obj.protocol,
            country_code=obj.country_code, roaming_identifier=obj.roaming_identifier,
        )

    async def _rules_roaming_platform(
        self, repo: NetworkRepository, spec: ResourceSpec, obj: Any, current: Any
    ) -> None:
        profile = await repo.get(BY_KIND["roaming_profiles"], (obj.roaming_profile,))
        assert profile is not None
        if profile["protocol"] != obj.protocol:
            raise RuleViolation(
                f"platform protocol {obj.protocol} differs from roaming profile "
                f"{obj.roaming_profile!r} protocol {profile['protocol']}",
                field="protocol",
            )
        await self._unique(
            repo, spec, (obj.code,), "roaming_identifier", roaming_profile=obj.roaming_profile,
            country=obj.country, roaming_identifier=obj.roaming_identifier,
        )

    async def _rules_id_token(
        self, repo: NetworkRepository, spec: ResourceSpec, obj: Any, current: Any
    ) -> None:
        await self._unique(
            repo, spec, (obj.code,), "identifier", type=obj.type, identifier=obj.identifier
        )

    # --- warnings ------------------------------------------------------------------------

    async def _warnings(
        self, repo: NetworkRepository, spec: ResourceSpec, obj: Any, current: Any
    ) -> list[str]:
        warnings: list[str] = []
        if spec.kind == "areas":
            if (
                current is not None
                and current.operator != obj.operator
                and (current.roaming_id or obj.roaming_id)
            ):
                warnings.append(
                    f"area {obj.code!r} is exposed in roaming: moving it to another operator "
                    "may corrupt session history and roaming data; consider closing it and "
                    "opening a new area"
                )
            if obj.roaming_id and not obj.support_contact.phone:
                operator = (
                    await repo.get(BY_KIND["operators"], (obj.operator,)) if obj.operator else None
                )
                if not (operator and operator.get("phone")):
                    warnings.append(
                        f"area {obj.code!r} has a roaming id but no phone number on the area or "
                        "its operator: it is not exposed in roaming until one is set"
                    )
        if spec.kind == "stations" and current is not None and current.area != obj.area:
            exposed = await self._station_exposed(repo, current)
            if exposed:
                warnings.append(
                    f"station {obj.code!r} is exposed in roaming: moving it to another area "
                    "may corrupt session history and roaming data; consider closing it and "
                    "opening a new station"
                )
        return warnings

    async def _station_exposed(self, repo: NetworkRepository, station: Any) -> bool:
        area = await repo.get(BY_KIND["areas"], (station.area,))
        if area is None or not area.get("roaming_id"):
            return False
        chargers = BY_KIND["chargers"]
        return bool(await repo.find(chargers, station=station.code, roaming_enabled=True))


_RULES = {
    "areas": NetworkService._rules_area,
    "stations": NetworkService._rules_station,
    "chargers": NetworkService._rules_charger,
    "connectors": NetworkService._rules_connector,
    "roaming_profiles": NetworkService._rules_roaming_profile,
    "roaming_platforms": NetworkService._rules_roaming_platform,
    "id_tokens": NetworkService._rules_id_token,
}
