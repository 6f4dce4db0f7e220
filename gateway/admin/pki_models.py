"""Request and response bodies of the PKI admin routes (system trust roots and a roaming
platform's access certificate, remote access certificate and remote root)."""

from __future__ import annotations

from datetime import datetime
from ipaddress import IPv4Address, IPv6Address
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from gateway.certificates import CertificateEntry, PlatformRoleView, TrustRootView
from pki.certificates import CertificateInfo
from pki.csr import SubjectAltNames, SubjectFields
from pki.expiry import ExpiryStatus
from pki.keys import KeyAlgorithm

KeyAlgorithmName = Literal["RSA_2048", "RSA_3072", "RSA_4096", "EC_P256", "EC_P384"]
ROOT_CODE = r"^[A-Za-z0-9._~:@*+|-]{1,48}$"
MATERIAL = 64 * 1024  # a PEM bundle of a few certificates, or a key, fits easily


Material = Annotated[str, Field(min_length=1, max_length=MATERIAL)]


def key_algorithm(name: KeyAlgorithmName) -> KeyAlgorithm:
    return KeyAlgorithm[name]


class SubjectBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    common_name: str = Field(min_length=1, max_length=64, description="CN")
    organization: str | None = Field(default=None, min_length=1, max_length=64)
    organizational_unit: str | None = Field(default=None, min_length=1, max_length=64)
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$",
                                description="ISO 3166-1 alpha-2")
    locality: str | None = Field(default=None, min_length=1, max_length=128)
    state: str | None = Field(default=None, min_length=1, max_length=128)
    email: str | None = Field(default=None, min_length=3, max_length=128)

    def fields(self) -> SubjectFields:
        return SubjectFields(**self.model_dump())


# X.509 wants A-labels: an internationalized name must come punycode-encoded (xn--...).
DnsName = Annotated[str, Field(
    max_length=253, pattern=r"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$",
    description="A DNS name in ASCII (punycode for international names), '*.' allowed")]
AsciiUri = Annotated[str, Field(min_length=1, max_length=2048, pattern=r"^[!-~]+$",
                                description="A URI in ASCII, without spaces")]


class AltNamesBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dns: list[DnsName] = Field(default_factory=list, max_length=20)
    ip: list[IPv4Address | IPv6Address] = Field(default_factory=list, max_length=20)
    uri: list[AsciiUri] = Field(default_factory=list, max_length=20)

    def names(self) -> SubjectAltNames:
        return SubjectAltNames(dns=tuple(self.dns), ip=tuple(self.ip), uri=tuple(self.uri))


class CaBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=ROOT_CODE)
    name: str = Field(min_length=1, max_length=255)
    subject: SubjectBody
    validity_days: int = Field(default=3650, ge=1, le=36500)
    key_algorithm: KeyAlgorithmName = "EC_P384"


class IntermediateBody(CaBody):
    validity_days: int = Field(default=1825, ge=1, le=36500,
                               description="Must be shorter than the root's validity")


class RootCreate(CaBody):
    intermediate: IntermediateBody | None = Field(
        default=None, description="An intermediate CA to create under the new root (its "
        "validity must end before the root's)")


class RootImport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=ROOT_CODE)
    name: str = Field(min_length=1, max_length=255)
    certificate: str = Field(min_length=1, max_length=MATERIAL,
                             description="PEM (the CA first, then its issuers) or plain "
                             "Base64 DER")
    private_key: str | None = Field(default=None, min_length=1, max_length=MATERIAL,
                                    description="The CA's key (PEM or Base64 DER); omit to "
                                    "import a public trusted root that cannot sign")
    passphrase: str | None = Field(default=None, max_length=1024,
                                   description="Passphrase of an encrypted PEM key")


class CertificateRead(BaseModel):
    subject: str
    issuer: str
    serial: str
    fingerprint_sha256: str
    not_before: datetime
    not_after: datetime
    days_left: int
    expiring_soon: bool
    expired: bool
    not_yet_valid: bool
    is_ca: bool
    key_type: str
    key_size: int
    subject_alt_names: list[str]

    @classmethod
    def of(cls, info: CertificateInfo, expiry: ExpiryStatus) -> CertificateRead:
        sans = [*info.sans.dns, *(str(a) for a in info.sans.ip), *info.sans.uri]
        return cls(subject=info.subject, issuer=info.issuer, serial=info.serial_hex,
                   fingerprint_sha256=info.fingerprint_sha256, not_before=info.not_before,
                   not_after=info.not_after, days_left=expiry.days_left,
                   expiring_soon=expiry.expiring_soon, expired=expiry.expired,
                   not_yet_valid=expiry.not_yet_valid, is_ca=info.is_ca,
                   key_type=info.key_type, key_size=info.key_size, subject_alt_names=sans)


class TrustRootRead(BaseModel):
    code: str
    name: str
    kind: str = Field(description="root | intermediate | imported | trusted")
    issuer: str | None = Field(description="Code of the issuing trust root (intermediates)")
    can_sign: bool
    certificate: CertificateRead
    certificate_pem: str

    @classmethod
    def of(cls, view: TrustRootView) -> TrustRootRead:
        return cls(code=view.code, name=view.name, kind=view.kind, issuer=view.issuer_code,
                   can_sign=view.can_sign, certificate=CertificateRead.of(view.info, view.expiry),
                   certificate_pem=view.certificate_pem)


class CertificateListEntry(BaseModel):
    kind: Literal["system_root", "platform"]
    code: str | None = Field(description="Trust root code (system roots)")
    platform: str | None = Field(description="Roaming platform code (platform certificates)")
    role: str = Field(description="root | intermediate | imported | trusted, or access | "
                      "remote_access | remote_root")
    subject: str | None
    issuer: str | None
    serial: str | None
    fingerprint_sha256: str | None
    not_before: datetime | None
    not_after: datetime | None
    days_left: int | None
    expiring_soon: bool
    expired: bool
    has_private_key: bool
    pending_csr: bool
    pending_csr_subject: str | None
    signed_by: str | None = Field(description="Issuing system trust root, when ours")

    @classmethod
    def of(cls, entry: CertificateEntry) -> CertificateListEntry:
        info, expiry = entry.info, entry.expiry
        return cls(
            kind="system_root" if entry.kind == "system_root" else "platform",
            code=entry.code, platform=entry.platform, role=entry.role,
            subject=info.subject if info else None, issuer=info.issuer if info else None,
            serial=info.serial_hex if info else None,
            fingerprint_sha256=info.fingerprint_sha256 if info else None,
            not_before=info.not_before if info else None,
            not_after=info.not_after if info else None,
            days_left=expiry.days_left if expiry else None,
            expiring_soon=bool(expiry and expiry.expiring_soon),
            expired=bool(expiry and expiry.expired), has_private_key=entry.has_private_key,
            pending_csr=entry.pending_csr, pending_csr_subject=entry.pending_csr_subject,
            signed_by=entry.signed_by)


class CertificateWithKey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    certificate: str = Field(min_length=1, max_length=MATERIAL,
                             description="PEM (leaf first, then its issuers) or plain Base64 DER")
    private_key: str = Field(min_length=1, max_length=MATERIAL,
                             description="PEM or plain Base64 DER (PKCS#8, PKCS#1 or SEC1)")


class RemoteAccessCertificate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    certificate: str = Field(min_length=1, max_length=MATERIAL,
                             description="PEM (leaf first, then its issuers) or plain Base64 DER")
    private_key: str | None = Field(
        default=None, min_length=1, max_length=MATERIAL,
        description="Omit when the certificate answers the pending CSR generated here")


class CsrGenerate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: SubjectBody
    alt_names: AltNamesBody | None = None
    key_algorithm: KeyAlgorithmName = "RSA_2048"


class GeneratedKeys(BaseModel):
    csr: str = Field(description="Base64 DER of the CSR")
    private_key: str = Field(description="Base64 DER (PKCS#8) of the generated private key")
    public_key: str = Field(description="Base64 DER (SubjectPublicKeyInfo) of the public key")


class SignCsr(BaseModel):
    model_config = ConfigDict(extra="forbid")
    csr: str = Field(min_length=1, max_length=MATERIAL, description="PEM or plain Base64 DER")
    root: str = Field(pattern=ROOT_CODE, description="Code of the system trust root that signs")
    validity_days: int | None = Field(default=None, ge=1, le=825,
                                      description="Default: 365 days, or up to the root's end")


class SignedCertificate(BaseModel):
    certificate: str = Field(description="Base64 DER of the signed certificate")
    fingerprint_sha256: str
    not_after: datetime


class RemoteRoots(BaseModel):
    model_config = ConfigDict(extra="forbid")
    certificate: Material | Annotated[list[Material], Field(min_length=1, max_length=20)] = (
        Field(description="A PEM bundle of one or more CA certificates, plain Base64 DER, "
              "or a list of either"))

    def texts(self) -> list[str]:
        return [self.certificate] if isinstance(self.certificate, str) else self.certificate


class PlatformRoleRead(BaseModel):
    platform: str
    role: str
    certificates: list[CertificateRead]
    has_private_key: bool
    pending_csr: bool

    @classmethod
    def of(cls, view: PlatformRoleView) -> PlatformRoleRead:
        return cls(platform=view.platform, role=view.role,
                   certificates=[CertificateRead.of(i, e)
                                 for i, e in zip(view.certificates, view.expiry, strict=True)],
                   has_private_key=view.has_private_key, pending_csr=view.pending_csr)


class Invalidated(BaseModel):
    status: Literal["invalidated"]
    revoked: list[str] = Field(description="Roles that held a certificate or pending CSR")
