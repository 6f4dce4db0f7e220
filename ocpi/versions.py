"""Our versions / version details, and the pure negotiation steps of the credentials handshake.

URL scheme (given ``base_url`` such as ``https://gw.example.com/ocpi``):
``{base}/versions`` lists versions, ``{base}/2.2.1`` holds the details and every module is
``{base}/2.2.1/{module}``.  The sub-app mounts routes at these paths.

Modules we offer in 2.2.1 as a CPO: credentials (advertised SENDER and RECEIVER: the role
is meaningless for credentials and peers differ in which one they look for); locations,
sessions, cdrs, tariffs as SENDER; tokens, commands, hubclientinfo and (where smart
charging exists) chargingprofiles as RECEIVER.

What we need from an eMSP / hub partner (:func:`required_endpoints`):

* REQUIRED (3003 when missing): ``credentials`` (to update / unregister) and ``cdrs``
  RECEIVER.  CDRs are the billing record and the CPO pushes them (pull is only catch-up).
* OPTIONAL (used when present, skipped otherwise): ``locations``, ``sessions``, ``tariffs``
  RECEIVER (partners that only pull are legal), ``tokens`` SENDER (real-time
  authorization and token pulls; a partner using commands or whitelisted tokens only does
  not need it), ``hubclientinfo`` SENDER (hubs).  ``commands`` is not needed: results go
  to each command's ``response_url``.
"""

from __future__ import annotations

from collections.abc import Iterable

from ocpi.errors import NoMatchingEndpoints, UnsupportedVersion
from ocpi.models.common import Role
from ocpi.models.versions import Endpoint, InterfaceRole, ModuleID, Version, VersionDetails

__all__ = [
    "OPTIONAL_PARTNER_ENDPOINTS",
    "OUR_ENDPOINTS_221",
    "REQUIRED_PARTNER_ENDPOINTS",
    "SUPPORTED_VERSIONS",
    "module_url",
    "our_version_details",
    "our_versions",
    "pick_common_version",
    "required_endpoints",
    "version_details_url",
    "versions_url",
]

SUPPORTED_VERSIONS: tuple[str, ...] = ("2.2.1",)

OUR_ENDPOINTS_221: tuple[tuple[ModuleID, InterfaceRole], ...] = (
    (ModuleID.CREDENTIALS, InterfaceRole.SENDER),
    (ModuleID.CREDENTIALS, InterfaceRole.RECEIVER),
    (ModuleID.LOCATIONS, InterfaceRole.SENDER),
    (ModuleID.SESSIONS, InterfaceRole.SENDER),
    (ModuleID.CDRS, InterfaceRole.SENDER),
    (ModuleID.TARIFFS, InterfaceRole.SENDER),
    (ModuleID.TOKENS, InterfaceRole.RECEIVER),
    (ModuleID.COMMANDS, InterfaceRole.RECEIVER),
    (ModuleID.CHARGINGPROFILES, InterfaceRole.RECEIVER),
    (ModuleID.HUBCLIENTINFO, InterfaceRole.RECEIVER),
)

# (module, the partner's interface role) we need as a CPO.
REQUIRED_PARTNER_ENDPOINTS: tuple[tuple[ModuleID, InterfaceRole | None], ...] = (
    (ModuleID.CREDENTIALS, None),
    (ModuleID.CDRS, InterfaceRole.RECEIVER),
)
OPTIONAL_PARTNER_ENDPOINTS: tuple[tuple[ModuleID, InterfaceRole | None], ...] = (
    (ModuleID.LOCATIONS, InterfaceRole.RECEIVER),
    (ModuleID.SESSIONS, InterfaceRole.RECEIVER),
    (ModuleID.TARIFFS, InterfaceRole.RECEIVER),
    (ModuleID.TOKENS, InterfaceRole.SENDER),
    (ModuleID.HUBCLIENTINFO, InterfaceRole.SENDER),
)


def versions_url(base_url: str) -> str:
    """Our versions endpoint (the ``url`` of our Credentials)."""
    return f"{base_url.rstrip('/')}/versions"


def version_details_url(base_url: str, version: str = "2.2.1") -> str:
    """Our version details endpoint of ``version``."""
    return f"{base_url.rstrip('/')}/{version}"


def module_url(base_url: str, module: ModuleID | str, version: str = "2.2.1") -> str:
    """Our endpoint URL of ``module``."""
    return f"{version_details_url(base_url, version)}/{ModuleID(module).value}"


def our_versions(base_url: str) -> list[Version]:
    """Data of ``GET {base}/versions``."""
    return [Version(version=v, url=version_details_url(base_url, v)) for v in SUPPORTED_VERSIONS]


def our_version_details(
    base_url: str, *, charging_profiles: bool = False, version: str = "2.2.1"
) -> VersionDetails:
    """Data of ``GET {base}/2.2.1``; ``chargingprofiles`` only when smart charging exists."""
    if version not in SUPPORTED_VERSIONS:
        raise UnsupportedVersion(f"version {version} is not supported")
    endpoints = [
        Endpoint(identifier=module.value, role=role, url=module_url(base_url, module, version))
        for module, role in OUR_ENDPOINTS_221
        if charging_profiles or module is not ModuleID.CHARGINGPROFILES
    ]
    return VersionDetails(version=version, endpoints=endpoints)


def _version_key(version: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in version.strip().split("."))
    except ValueError:
        return None


def pick_common_version(ours: Iterable[str], theirs: Iterable[Version | str]) -> str:
    """The highest version both sides support; :class:`UnsupportedVersion` (3002) if none.

    Versions compare numerically (``2.2.1`` > ``2.2`` > ``2.1.1``); unparsable entries in
    the partner's list are ignored.
    """
    our_keys = {k: v for v in ours if (k := _version_key(v)) is not None}
    common: list[tuple[tuple[int, ...], str]] = []
    for item in theirs:
        text = item.version if isinstance(item, Version) else item
        key = _version_key(text)
        if key is not None and key in our_keys:
            common.append((key, our_keys[key]))
    if not common:
        raise UnsupportedVersion("no mutually supported OCPI version")
    return max(common)[1]


def _find(details: VersionDetails, module: ModuleID, role: InterfaceRole | None) -> str | None:
    for endpoint in details.endpoints:
        if endpoint.identifier.lower() != module.value:
            continue
        if role is None or endpoint.role is role:
            return endpoint.url
    return None


def required_endpoints(their_details: VersionDetails, our_role: Role = Role.CPO) -> dict[str, str]:
    """Partner endpoint URLs we will use, keyed by module id.

    Raises :class:`NoMatchingEndpoints` (3003) listing the required ones that are missing;
    optional ones are included when present.  Only ``our_role=CPO`` is implemented.
    """
    if our_role is not Role.CPO:
        raise ValueError(f"endpoint requirements are defined for CPO only, not {our_role}")
    found: dict[str, str] = {}
    missing: list[str] = []
    for module, role in REQUIRED_PARTNER_ENDPOINTS:
        url = _find(their_details, module, role)
        if url is None:
            missing.append(module.value if role is None else f"{module.value} {role.value}")
        else:
            found[module.value] = url
    if missing:
        raise NoMatchingEndpoints(
            "required endpoints missing: " + ", ".join(missing),
            errors=[{"field": name, "error": "missing"} for name in missing],
        )
    for module, role in OPTIONAL_PARTNER_ENDPOINTS:
        url = _find(their_details, module, role)
        if url is not None:
            found[module.value] = url
    return found
