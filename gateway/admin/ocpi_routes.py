"""Admin routes of the OCPI credentials operations of a roaming platform (the manual's
Provide / Use registration token, Register, Update, Invalidate, Read credentials)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from csms.network.errors import Conflict, NetworkError, NotFound, RuleViolation
from gateway.admin.resources import read_json
from gateway.admin.routes_table import AdminRoute
from ocpi.errors import MethodNotAllowed, OcpiError, UnusableClientApi
from ocpi.errors import NotFound as OcpiNotFound

if TYPE_CHECKING:
    from gateway.app import Deps


class TokenBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str | None = Field(default=None, min_length=1, max_length=64,
                              description="A custom token; omit to generate one")


class PartnerTokenBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=64)


class TokenAnswer(BaseModel):
    token: str


class CredentialsView(BaseModel):
    registration_token: str | None
    access_token: str | None
    remote_access_token: str | None
    partner_registration_token_set: bool
    send_base64: bool
    cpo_issues_invoices: bool = False
    registered: bool
    version: str | None
    endpoints: dict[str, str]
    roles: list[dict[str, Any]]
    hub_party_id: str | None = None


class Done(BaseModel):
    status: str


def _deps(request: web.Request) -> Deps:
    from gateway.admin.csms_routes import ADMIN_DEPS

    deps: Deps = request.app[ADMIN_DEPS]
    return deps


class PartnerFailed(NetworkError):
    status = 502
    title = "Partner refused or unreachable"


def _translate(exc: OcpiError) -> NetworkError:
    """OCPI errors of admin operations as admin problems."""
    if isinstance(exc, OcpiNotFound):
        return NotFound(str(exc))
    if isinstance(exc, MethodNotAllowed):
        return Conflict(str(exc))
    if isinstance(exc, UnusableClientApi) or exc.status_code >= 3000:
        return PartnerFailed(f"OCPI {exc.status_code}: {exc}")
    return RuleViolation(str(exc))


async def _run(coro: Any) -> Any:
    try:
        return await coro
    except OcpiError as exc:
        raise _translate(exc) from exc


async def provide_token(request: web.Request) -> web.Response:
    body = TokenBody.model_validate(await read_json(request))
    token = await _run(_deps(request).ocpi.credentials.provide_registration_token(
        request.match_info["code"], body.token))
    return web.json_response(TokenAnswer(token=token).model_dump())


async def partner_token(request: web.Request) -> web.Response:
    body = PartnerTokenBody.model_validate(await read_json(request))
    await _run(_deps(request).ocpi.credentials.use_partner_registration_token(
        request.match_info["code"], body.token))
    return web.json_response(Done(status="assigned").model_dump())


async def register(request: web.Request) -> web.Response:
    view = await _run(_deps(request).ocpi.credentials.register(request.match_info["code"]))
    return web.json_response(CredentialsView.model_validate(view).model_dump())


async def update(request: web.Request) -> web.Response:
    view = await _run(_deps(request).ocpi.credentials.update(request.match_info["code"]))
    return web.json_response(CredentialsView.model_validate(view).model_dump())


async def invalidate(request: web.Request) -> web.Response:
    await _run(_deps(request).ocpi.credentials.invalidate(request.match_info["code"]))
    return web.json_response(Done(status="invalidated").model_dump())


class ClientInfoRead(BaseModel):
    country_code: str
    party_id: str
    role: str
    status: str
    last_updated: str


async def client_info(request: web.Request) -> web.Response:
    deps = _deps(request)
    platform = await deps.ocpi.credentials.store.platform(request.match_info["code"])
    if platform is None:
        raise NotFound(f"roaming platform {request.match_info['code']!r} is not OCPI")
    rows = await deps.ocpi.client_info.list(platform.id)
    return web.json_response([ClientInfoRead.model_validate(r).model_dump() for r in rows])


class OcpiSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    send_base64: bool | None = Field(
        default=None, description="Send our token to the partner Base64-encoded (OCPI "
        "2.2.1) or raw (peers still on 2.1.1 habits); omitted: unchanged")
    cpo_issues_invoices: bool | None = Field(
        default=None, description="We invoice this partner's sessions (payment terminal "
        "providers: the CDR then carries invoice_reference_id = the session's "
        "authorization_reference; a PTP terminal's invoice_creator at the EVSE takes "
        "precedence); omitted: unchanged")


async def put_settings(request: web.Request) -> web.Response:
    body = OcpiSettings.model_validate(await read_json(request))
    credentials = _deps(request).ocpi.credentials
    code = request.match_info["code"]
    if body.send_base64 is not None:
        await _run(credentials.set_send_base64(code, body.send_base64))
    if body.cpo_issues_invoices is not None:
        await _run(credentials.set_cpo_issues_invoices(code, body.cpo_issues_invoices))
    view = await _run(credentials.read(code))
    return web.json_response(OcpiSettings(send_base64=view["send_base64"],
                                          cpo_issues_invoices=view["cpo_issues_invoices"]
                                          ).model_dump())


class PublishResult(BaseModel):
    locations: int
    evses_removed: int
    tariffs: int
    tariffs_deleted: int
    sessions: int
    cdrs: int


async def publish(request: web.Request) -> web.Response:
    deps = _deps(request)
    code = request.match_info["code"]
    if await deps.ocpi.credentials.store.platform(code) is None:
        raise NotFound(f"roaming platform {code!r} is not OCPI")
    counts = await deps.ocpi.publisher.reconcile(code)
    deps.outbox.wake()
    return web.json_response(PublishResult.model_validate(counts).model_dump())


async def read(request: web.Request) -> web.Response:
    view = await _run(_deps(request).ocpi.credentials.read(request.match_info["code"]))
    return web.json_response(CredentialsView.model_validate(view).model_dump())


_BASE = "/roaming/platforms/{code}"
_ERR = {404: "Unknown (or not OCPI) platform", 409: "Not allowed in this state",
        502: "The partner refused or could not be reached"}

OCPI_ROUTES: list[AdminRoute] = [
    AdminRoute("POST", f"{_BASE}/registration-token", provide_token,
               "Provide a registration token (generate, or assign a custom one)", "roaming",
               body=TokenBody, response=TokenAnswer, errors=_ERR),
    AdminRoute("PUT", f"{_BASE}/partner-registration-token", partner_token,
               "Use the partner's registration token", "roaming", body=PartnerTokenBody,
               response=Done, errors=_ERR),
    AdminRoute("POST", f"{_BASE}/credentials/register", register,
               "Register credentials with the partner (we POST)", "roaming",
               response=CredentialsView, errors=_ERR),
    AdminRoute("POST", f"{_BASE}/credentials/update", update,
               "Update credentials (PUT, new tokens both ways)", "roaming",
               response=CredentialsView, errors=_ERR),
    AdminRoute("POST", f"{_BASE}/credentials/invalidate", invalidate,
               "Invalidate credentials (DELETE at the partner, revoke every token)",
               "roaming", response=Done, errors=_ERR),
    AdminRoute("PUT", f"{_BASE}/ocpi-settings", put_settings,
               "How we send our token to this partner (Base64 or raw), and whether we "
               "invoice its sessions", "roaming",
               body=OcpiSettings, response=OcpiSettings, errors=_ERR),
    AdminRoute("POST", f"{_BASE}/publish", publish,
               "Push Locations and Tariffs that changed since the last push (REMOVED EVSEs "
               "once, deleted tariffs) to the partner now", "roaming", response=PublishResult,
               errors=_ERR),
    AdminRoute("GET", f"{_BASE}/hub-client-info", client_info,
               "Parties a hub reported with hubclientinfo", "roaming", response=ClientInfoRead,
               response_is_list=True, errors=_ERR),
    AdminRoute("GET", f"{_BASE}/credentials", read,
               "Registration, access and remote access tokens; the partner's version, "
               "endpoints and roles", "roaming", response=CredentialsView, errors=_ERR),
]
