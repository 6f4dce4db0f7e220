"""Our versions / version details, and the pure negotiation steps of the credentials handshake.

URL scheme (given ``base_url`` such as ``https://gw.example.com/ocpi``):
``{base}/versions`` lists versions, ``{base}/{version}`` holds the details of a version and
every module is ``{base}/{version}/{module}``, for 2.2.1 and 2.3.0 alike (one handler per
module serves both where the module did not change).  The sub-app mounts routes at these
paths.

Modules we offer as a CPO, in both versions: credentials (advertised SENDER and RECEIVER:
the role is meaningless for credentials and peers differ in which one they look for);
locations, sessions, cdrs, tariffs as SENDER; tokens, commands, hubclientinfo and (where
smart charging exists) chargingprofiles as RECEIVER.  2.3.0 adds ``payments`` RECEIVER:
the PTP pushes its terminals and financial advice confirmations to us.

Spec gap decision (Payments sub-resources): the Payments module has two resources,
terminals and financial-advice-confirmations, under one module id, and 2.3.0 says nothing
on how to advertise their base URLs.  We advertise ONE endpoint ``payments`` whose URL is
the module base ``{base}/2.3.0/payments``; the resources are the fixed suffixes
``/terminals`` and ``/financial-advice-confirmations`` of it, as in the ocpi.fyi OpenAPI
and the spec's example URLs (``.../payments/terminals``).  A partner's ``payments``
endpoint is read the same way; custom ``terminals`` / ``financial-advice-confirmations``
endpoints of a PTP are kept too (:mod:`ocpi.payments.client` resolves them).  ``payments``
is not in 2.3.0's ModuleID table, but ModuleID is an OpenEnum there.

What we need from a partner (:func:`required_endpoints`), by the partner's platform type:

* eMSP / hub / other (unchanged): REQUIRED (3003 when missing) ``credentials`` (to update /
  unregister) and ``cdrs`` RECEIVER (the billing record; the CPO pushes it, pull is only
  catch-up).  OPTIONAL (used when present): ``locations``, ``sessions``, ``tariffs``
  RECEIVER (partners that only pull are legal), ``tokens`` SENDER (real-time authorization,
  token pulls), ``hubclientinfo`` SENDER (hubs).  ``commands`` is not needed: results go
  to each command's ``response_url``.
* PTP (decision from the 2.3.0 per-role table, ``230:term``: the PTP is Receiver of
  Locations, Tariffs, Sessions, CDRs and Sender of Commands and Payments): REQUIRED
  ``credentials``, ``cdrs`` RECEIVER (the PTP captures the payment from the CDR's total,
  and issues the invoice from it when we do not) and, on 2.3.0, ``payments`` (its
  terminals Sender: without it the terminal assignments the manual keeps in sync cannot
  reach it; a ``payments`` endpoint advertised as RECEIVER is taken when no SENDER one
  exists, since the module has a single id for both directions).  OPTIONAL: ``locations``,
  ``sessions``, ``tariffs`` RECEIVER.  Not used: ``tokens`` (a PTP has no tokens: its
  drivers pay by card) and ``hubclientinfo``.  On 2.2.1, which has no Payments module, a
  ``payments`` endpoint (custom module by bilateral agreement) is used when present.
"""

from __future__ import annotations

from collections.abc import Iterable

from ocpi.errors import NoMatchingEndpoints, UnsupportedVersion
from ocpi.models.common import Role
from ocpi.models.versions import Endpoint, InterfaceRole, ModuleID, Version, VersionDetails

__all__ = [
    "FINANCIAL_ADVICE_CONFIRMATIONS",
    "OPTIONAL_PARTNER_ENDPOINTS",
    "OUR_ENDPOINTS_221",
    "OUR_ENDPOINTS_230",
    "PAYMENTS",
    "PTP",
    "PTP_OPTIONAL_ENDPOINTS",
    "PTP_REQUIRED_ENDPOINTS",
    "REQUIRED_PARTNER_ENDPOINTS",
    "SUPPORTED_VERSIONS",
    "TERMINALS",
    "module_url",
    "our_version_details",
    "our_versions",
    "pick_common_version",
    "required_endpoints",
    "same_version",
    "version_details_url",
    "versions_url",
]

SUPPORTED_VERSIONS: tuple[str, ...] = ("2.2.1", "2.3.0")
PAYMENTS = "payments"  # the 2.3.0 Payments module id (absent from 2.3.0's ModuleID table)
TERMINALS = "terminals"
FINANCIAL_ADVICE_CONFIRMATIONS = "financial-advice-confirmations"

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
OUR_ENDPOINTS_230: tuple[tuple[ModuleID | str, InterfaceRole], ...] = (
    *OUR_ENDPOINTS_221,
    (PAYMENTS, InterfaceRole.RECEIVER),
)
_OUR_ENDPOINTS: dict[str, tuple[tuple[ModuleID | str, InterfaceRole], ...]] = {
    "2.2.1": OUR_ENDPOINTS_221, "2.3.0": OUR_ENDPOINTS_230}

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
PTP_REQUIRED_ENDPOINTS: tuple[tuple[ModuleID, InterfaceRole | None], ...] = (
    (ModuleID.CREDENTIALS, None),
    (ModuleID.CDRS, InterfaceRole.RECEIVER),
)
PTP_OPTIONAL_ENDPOINTS: tuple[tuple[ModuleID, InterfaceRole | None], ...] = (
    (ModuleID.LOCATIONS, InterfaceRole.RECEIVER),
    (ModuleID.SESSIONS, InterfaceRole.RECEIVER),
    (ModuleID.TARIFFS, InterfaceRole.RECEIVER),
)
PTP = "PTP"  # the platform type of a payment terminal provider


def versions_url(base_url: str) -> str:
    """Our versions endpoint (the ``url`` of our Credentials)."""
    return f"{base_url.rstrip('/')}/versions"


def version_details_url(base_url: str, version: str = "2.2.1") -> str:
    """Our version details endpoint of ``version``."""
    return f"{base_url.rstrip('/')}/{version}"


def module_url(base_url: str, module: ModuleID | str, version: str = "2.2.1") -> str:
    """Our endpoint URL of ``module`` (a standard module id, or ``payments``)."""
    name = module.value if isinstance(module, ModuleID) else str(module)
    return f"{version_details_url(base_url, version)}/{name}"


def our_versions(base_url: str) -> list[Version]:
    """Data of ``GET {base}/versions``."""
    return [Version(version=v, url=version_details_url(base_url, v)) for v in SUPPORTED_VERSIONS]


def our_version_details(
    base_url: str, *, charging_profiles: bool = False, version: str = "2.2.1"
) -> VersionDetails:
    """Data of ``GET {base}/{version}``; ``chargingprofiles`` only when smart charging
    exists."""
    if version not in SUPPORTED_VERSIONS:
        raise UnsupportedVersion(f"version {version} is not supported")
    endpoints = [
        Endpoint(identifier=str(module), role=role, url=module_url(base_url, module, version))
        for module, role in _OUR_ENDPOINTS[version]
        if charging_profiles or module is not ModuleID.CHARGINGPROFILES
    ]
    return VersionDetails(version=version, endpoints=endpoints)


def _version_key(version: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in version.strip().split("."))
    except ValueError:
        return None


def same_version(a: str, b: str) -> bool:
    """Whether two version texts name the same version (compared numerically)."""
    key = _version_key(a)
    return key is not None and key == _version_key(b)


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


def _find(details: VersionDetails, module: ModuleID | str,
          role: InterfaceRole | None) -> str | None:
    for endpoint in details.endpoints:
        if endpoint.identifier.lower() != str(module):
            continue
        if role is None or endpoint.role is role:
            return endpoint.url
    return None


def required_endpoints(their_details: VersionDetails, our_role: Role = Role.CPO, *,
                       partner_type: str = "EMSP", version: str | None = None
                       ) -> dict[str, str]:
    """Partner endpoint URLs we will use, keyed by module id.

    ``partner_type`` is the platform type (``PTP`` has its own needs, see the module doc);
    ``version`` the negotiated version (default: the details' own).  Raises
    :class:`NoMatchingEndpoints` (3003) listing the required ones that are missing;
    optional ones are included when present.  Only ``our_role=CPO`` is implemented.
    """
    if our_role is not Role.CPO:
        raise ValueError(f"endpoint requirements are defined for CPO only, not {our_role}")
    version = version or their_details.version
    ptp = partner_type.upper() == PTP
    required = PTP_REQUIRED_ENDPOINTS if ptp else REQUIRED_PARTNER_ENDPOINTS
    optional = PTP_OPTIONAL_ENDPOINTS if ptp else OPTIONAL_PARTNER_ENDPOINTS
    found: dict[str, str] = {}
    missing: list[str] = []
    for module, role in required:
        url = _find(their_details, module, role)
        if url is None:
            missing.append(module.value if role is None else f"{module.value} {role.value}")
        else:
            found[module.value] = url
    if ptp:
        for name in (PAYMENTS, TERMINALS, FINANCIAL_ADVICE_CONFIRMATIONS):
            url = (_find(their_details, name, InterfaceRole.SENDER)
                   or _find(their_details, name, None))
            if url is not None:
                found[name] = url
        if version == "2.3.0" and PAYMENTS not in found and TERMINALS not in found:
            missing.append(f"{PAYMENTS} {InterfaceRole.SENDER.value}")
    if missing:
        raise NoMatchingEndpoints(
            "required endpoints missing: " + ", ".join(missing),
            errors=[{"field": name, "error": "missing"} for name in missing],
        )
    for module, role in optional:
        url = _find(their_details, module, role)
        if url is not None:
            found[module.value] = url
    return found
