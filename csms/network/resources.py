"""Metadata of every network resource: schemas, references, keys and list filters.

The admin API, the OpenAPI document, the store and the delete-reference check are all
driven from this one table, so a resource is declared once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

from csms.network import schemas as s


@dataclass(frozen=True)
class Reference:
    field: str  # field of the schema that holds the target's code
    target: str  # kind of the referenced resource


@dataclass(frozen=True)
class ResourceSpec:
    kind: str  # stable name, also the table name
    singular: str
    path: str  # URL path below /admin/api/v1
    create: type[BaseModel]
    read: type[BaseModel]
    patch: type[BaseModel]
    references: tuple[Reference, ...] = ()
    scope: str | None = None  # reference field that scopes the code (connector within charger)
    roaming_id_unique: bool = False
    unique_fields: tuple[str, ...] = ()
    json_fields: tuple[str, ...] = ()
    filters: dict[str, str] = field(default_factory=dict)  # name -> description

    @property
    def key_fields(self) -> tuple[str, ...]:
        return (self.scope, "code") if self.scope else ("code",)

    def reference(self, name: str) -> Reference | None:
        return next((ref for ref in self.references if ref.field == name), None)


def _spec(create: type[BaseModel], read: type[BaseModel], **kwargs: object) -> ResourceSpec:
    return ResourceSpec(create=create, read=read, patch=s.patch_model_for(create), **kwargs)  # type: ignore[arg-type]


RESOURCES: tuple[ResourceSpec, ...] = (
    _spec(
        s.SiteCreate, s.SiteRead, kind="sites", singular="site", path="sites",
        json_fields=("session_rating", "idle_session"),
        filters={"name": "name contains (case-insensitive)", "country": "country code"},
    ),
    _spec(
        s.OperatorCreate, s.OperatorRead, kind="operators", singular="operator", path="operators",
        json_fields=("session_rating", "idle_session"),
        filters={"name": "name contains", "country": "country code"},
    ),
    _spec(
        s.AreaCreate, s.AreaRead, kind="areas", singular="area", path="areas",
        references=(
            Reference("site", "sites"), Reference("operator", "operators"),
            Reference("parent", "areas"),
        ),
        roaming_id_unique=True,
        json_fields=("support_contact", "custom_attributes"),
        filters={
            "name": "name contains", "operator": "operator code", "parent": "parent area code",
            "site": "site code", "roaming_id": "roaming id",
        },
    ),
    _spec(
        s.StationCreate, s.StationRead, kind="stations", singular="station", path="stations",
        references=(Reference("area", "areas"),),
        unique_fields=("connection_identifier",),
        json_fields=("boot_configuration",),
        filters={
            "name": "name contains", "model": "model contains", "vendor": "vendor contains",
            "serial": "serial number contains", "area": "area code",
            "operator": "operator code of the area",
            "status": "operational status (OPERATIVE, INOPERATIVE, CLOSED) or connection state"
            " (CONNECTED, DISCONNECTED)",
        },
    ),
    _spec(
        s.ChargerCreate, s.ChargerRead, kind="chargers", singular="charger", path="chargers",
        references=(Reference("station", "stations"),),
        roaming_id_unique=True,
        json_fields=("session_rating", "custom_fields"),
        filters={
            "name": "name contains", "serial": "station serial number contains",
            "model": "station model contains", "vendor": "station vendor contains",
            "station": "station code",
            "status": "reported OCPP status (e.g. Available, Charging) or operational status",
        },
    ),
    _spec(
        s.ConnectorCreate, s.ConnectorRead, kind="connectors", singular="connector",
        path="connectors",
        references=(Reference("charger", "chargers"),),
        scope="charger",
        roaming_id_unique=True,
        json_fields=("custom_fields",),
        filters={"charger": "charger code", "standard": "connector standard",
                 "status": "reported OCPP status"},
    ),
    _spec(
        s.AssetCreate, s.AssetRead, kind="assets", singular="asset", path="assets",
        references=(Reference("area", "areas"),),
        filters={"name": "name contains", "area": "area code", "type": "asset type"},
    ),
    _spec(
        s.RoamingProfileCreate, s.RoamingProfileRead, kind="roaming_profiles",
        singular="roaming profile", path="roaming/profiles",
        references=(Reference("operator", "operators"),),
        filters={"protocol": "OCPI or OICP", "type": "CPO or EMSP"},
    ),
    _spec(
        s.RoamingPlatformCreate, s.RoamingPlatformRead, kind="roaming_platforms",
        singular="roaming platform", path="roaming/platforms",
        references=(Reference("roaming_profile", "roaming_profiles"),),
        filters={"roaming_profile": "roaming profile code", "protocol": "OCPI or OICP",
                 "type": "platform type"},
    ),
    _spec(
        s.CustomerCreate, s.CustomerRead, kind="customers", singular="customer",
        path="customers", filters={"name": "name contains", "blocked": "true or false"},
    ),
    _spec(
        s.IdTokenCreate, s.IdTokenRead, kind="id_tokens", singular="identification device",
        path="tokens",
        references=(Reference("customer", "customers"),),
        filters={"customer": "customer code", "type": "token type", "status": "VALID or BLOCKED",
                 "identifier": "exact identifier"},
    ),
)

BY_KIND: dict[str, ResourceSpec] = {spec.kind: spec for spec in RESOURCES}


def referrers_of(kind: str) -> list[tuple[ResourceSpec, Reference]]:
    """Every (resource, reference) that points at ``kind``."""
    return [
        (spec, ref) for spec in RESOURCES for ref in spec.references if ref.target == kind
    ]
