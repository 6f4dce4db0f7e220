"""Admin routes of the PKI: system trust roots, the certificate listing, and a roaming
platform's certificate operations (the manual's OICP access configuration)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, TypeVar

from aiohttp import web
from pydantic import BaseModel

from csms.network.errors import NetworkError
from gateway.admin.pki_models import (
    CaBody,
    CertificateListEntry,
    CertificateWithKey,
    CsrGenerate,
    GeneratedKeys,
    Invalidated,
    PlatformRoleRead,
    RemoteAccessCertificate,
    RemoteRoots,
    RootCreate,
    RootImport,
    SignCsr,
    SignedCertificate,
    TrustRootRead,
    key_algorithm,
)
from gateway.admin.resources import read_json
from gateway.admin.routes_table import AdminRoute
from gateway.certificate_trust import (
    ACCESS,
    REMOTE_ACCESS,
    RootConflict,
    RootWithoutKey,
    UnknownPlatform,
    UnknownRoot,
)
from gateway.certificates import CertificateService, RootSpec
from gateway.secrets import SecretDecryptionError
from pki.certificates import certificate_info, certificate_to_base64
from pki.errors import (
    ExpiredCertificate,
    InvalidCertificate,
    InvalidCsr,
    InvalidKey,
    KeyMismatch,
    NotACertificateAuthority,
    PkiError,
    PolicyViolation,
    WeakKey,
)
from pki.material import MissingPrivateKey, NotYetValid

if TYPE_CHECKING:
    from gateway.app import Deps

T = TypeVar("T")


class PkiProblem(NetworkError):
    """A refused certificate operation, with the status and title the operator sees."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title


# Most specific first: NotYetValid is an ExpiredCertificate, MissingPrivateKey an InvalidKey,
# RootWithoutKey a NotACertificateAuthority.
_PROBLEMS: list[tuple[type[BaseException], int, str]] = [
    (UnknownPlatform, 404, "Unknown platform"),
    (UnknownRoot, 422, "Unknown root"),
    (RootWithoutKey, 422, "Root without private key"),
    (RootConflict, 409, "Conflict"),
    (NotYetValid, 422, "Certificate not yet valid"),
    (ExpiredCertificate, 422, "Certificate expired"),
    (WeakKey, 422, "Weak key"),
    (KeyMismatch, 422, "Key does not match the certificate"),
    (MissingPrivateKey, 422, "Private key required"),
    (InvalidCsr, 422, "Invalid CSR"),
    (NotACertificateAuthority, 422, "Not a CA certificate"),
    (InvalidCertificate, 422, "Invalid certificate"),
    (InvalidKey, 422, "Invalid private key"),
    (PolicyViolation, 422, "Signing policy violated"),
    (PkiError, 422, "Certificate refused"),
    (SecretDecryptionError, 409, "Stored key unreadable"),
]


def pki_problem(exc: BaseException) -> PkiProblem | None:
    """The admin problem of a certificate-operation error (None: not one of ours)."""
    for kind, status, title in _PROBLEMS:
        if isinstance(exc, kind):
            detail = str(exc)
            if isinstance(exc, SecretDecryptionError):
                detail = "a stored private key does not decrypt with the current secret key"
            return PkiProblem(status, title, detail)
    return None


async def _call(awaitable: Awaitable[T]) -> T:
    try:
        return await awaitable
    except (PkiError, LookupError, RootConflict, SecretDecryptionError) as exc:
        problem = pki_problem(exc)
        if problem is None:
            raise
        raise problem from exc


def _service(request: web.Request) -> CertificateService:
    from gateway.admin.csms_routes import ADMIN_DEPS

    deps: Deps = request.app[ADMIN_DEPS]
    return deps.certificates


def _json(model: BaseModel, status: int = 200) -> web.Response:
    return web.json_response(model.model_dump(mode="json"), status=status)


def _spec(ca: CaBody) -> RootSpec:
    return RootSpec(code=ca.code, name=ca.name, subject=ca.subject.fields(),
                    validity_days=ca.validity_days, key_algorithm=key_algorithm(ca.key_algorithm))


async def create_root(request: web.Request) -> web.Response:
    body = RootCreate.model_validate(await read_json(request))
    views = await _call(_service(request).create_root(
        _spec(body), _spec(body.intermediate) if body.intermediate else None))
    return web.json_response([TrustRootRead.of(v).model_dump(mode="json") for v in views],
                             status=201)


async def import_root(request: web.Request) -> web.Response:
    body = RootImport.model_validate(await read_json(request))
    view = await _call(_service(request).import_root(
        body.code, body.name, body.certificate, body.private_key, body.passphrase))
    return _json(TrustRootRead.of(view), 201)


async def list_certificates(request: web.Request) -> web.Response:
    entries = await _call(_service(request).list_certificates())
    return web.json_response([CertificateListEntry.of(e).model_dump(mode="json")
                              for e in entries], headers={"X-Total-Count": str(len(entries))})


async def put_access(request: web.Request) -> web.Response:
    body = CertificateWithKey.model_validate(await read_json(request))
    view = await _call(_service(request).assign_access_certificate(
        request.match_info["code"], body.certificate, body.private_key))
    return _json(PlatformRoleRead.of(view))


async def _generate(request: web.Request, role: str) -> web.Response:
    body = CsrGenerate.model_validate(await read_json(request))
    generated = await _call(_service(request).generate_csr(
        request.match_info["code"], role, body.subject.fields(),
        body.alt_names.names() if body.alt_names else None, key_algorithm(body.key_algorithm)))
    # The one place a private key leaves the gateway: the manual hands generated keys over.
    return _json(GeneratedKeys(csr=generated.csr, private_key=generated.private_key,
                               public_key=generated.public_key))


async def access_csr(request: web.Request) -> web.Response:
    return await _generate(request, ACCESS)


async def remote_access_csr(request: web.Request) -> web.Response:
    return await _generate(request, REMOTE_ACCESS)


async def sign_access(request: web.Request) -> web.Response:
    body = SignCsr.model_validate(await read_json(request))
    cert = await _call(_service(request).sign_access_csr(
        request.match_info["code"], body.csr, body.root, body.validity_days))
    info = certificate_info(cert)
    return _json(SignedCertificate(certificate=certificate_to_base64(cert),
                                   fingerprint_sha256=info.fingerprint_sha256,
                                   not_after=info.not_after))


async def put_remote_access(request: web.Request) -> web.Response:
    body = RemoteAccessCertificate.model_validate(await read_json(request))
    view = await _call(_service(request).assign_remote_access_certificate(
        request.match_info["code"], body.certificate, body.private_key))
    return _json(PlatformRoleRead.of(view))


async def put_remote_root(request: web.Request) -> web.Response:
    body = RemoteRoots.model_validate(await read_json(request))
    view = await _call(_service(request).assign_remote_roots(request.match_info["code"],
                                                             body.texts()))
    return _json(PlatformRoleRead.of(view))


async def invalidate(request: web.Request) -> web.Response:
    roles = await _call(_service(request).invalidate(request.match_info["code"]))
    return _json(Invalidated(status="invalidated", revoked=roles))


_PLATFORM = "/roaming/platforms/{code}"
_REFUSED = "Refused certificate material: expired, not yet valid, weak key, key mismatch, " \
    "invalid CSR, not a CA, unknown root or root without key (title says which)"
_ROOT_ERR = {409: "A trust root with this code or certificate exists", 422: _REFUSED}
_PLATFORM_ERR = {404: "Unknown roaming platform", 422: _REFUSED}

PKI_ROUTES: list[AdminRoute] = [
    AdminRoute("POST", "/pki/roots", create_root,
               "Create a system trust root CA, optionally with an intermediate CA under it",
               "pki", body=RootCreate, response=TrustRootRead, response_is_list=True,
               response_status=201, errors=_ROOT_ERR),
    AdminRoute("POST", "/pki/roots/import", import_root,
               "Import a CA certificate with its key, or a public trusted root without key",
               "pki", body=RootImport, response=TrustRootRead, response_status=201,
               errors=_ROOT_ERR),
    AdminRoute("GET", "/pki/certificates", list_certificates,
               "System trust roots and every platform certificate with fingerprint, expiry "
               "(expiring_soon within 30 days) and pending CSR state", "pki",
               response=CertificateListEntry, response_is_list=True),
    AdminRoute("PUT", f"{_PLATFORM}/access-certificate", put_access,
               "Assign the partner's access certificate with its private key", "roaming",
               body=CertificateWithKey, response=PlatformRoleRead, errors=_PLATFORM_ERR),
    AdminRoute("POST", f"{_PLATFORM}/access-certificate/csr", access_csr,
               "Generate keys and a CSR for the access certificate (keys are handed over)",
               "roaming", body=CsrGenerate, response=GeneratedKeys, errors=_PLATFORM_ERR),
    AdminRoute("POST", f"{_PLATFORM}/access-certificate/sign", sign_access,
               "Sign a CSR with a system trust root and assign the result as the access "
               "certificate", "roaming", body=SignCsr, response=SignedCertificate,
               errors=_PLATFORM_ERR),
    AdminRoute("POST", f"{_PLATFORM}/remote-access-certificate/csr", remote_access_csr,
               "Generate keys and a CSR for our remote access certificate (keys are handed "
               "over; the key stays as the pending request)", "roaming", body=CsrGenerate,
               response=GeneratedKeys, errors=_PLATFORM_ERR),
    AdminRoute("PUT", f"{_PLATFORM}/remote-access-certificate", put_remote_access,
               "Assign our remote access certificate, with its key or alone when it answers "
               "the pending CSR", "roaming", body=RemoteAccessCertificate,
               response=PlatformRoleRead, errors=_PLATFORM_ERR),
    AdminRoute("PUT", f"{_PLATFORM}/remote-root-certificate", put_remote_root,
               "Assign the partner's trusted root/intermediate CA certificate(s)", "roaming",
               body=RemoteRoots, response=PlatformRoleRead, errors=_PLATFORM_ERR),
    AdminRoute("POST", f"{_PLATFORM}/certificates/invalidate", invalidate,
               "Revoke the access, remote access and remote root certificates", "roaming",
               response=Invalidated, errors={404: "Unknown roaming platform"}),
]
