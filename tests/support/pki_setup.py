"""Mutual TLS between the gateway and a fake roaming partner, set up the way an operator does
it: through the admin API.

``install_partner_mtls`` plays both managers of the manual's "Access Setup and Guidelines":
- towards the partner: we generate keys + CSR (remote access certificate), the partner's CA
  (made here, in the test) signs it, we assign the signed certificate alone (it answers the
  pending CSR) and the partner CA as the platform's remote root;
- towards us: the partner generates its own key + CSR, we sign it with a system trust root
  created through the API, and the result becomes the platform's access certificate.
"""

from __future__ import annotations

import ipaddress
import ssl
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pki.authority import (
    CertificateAuthority,
    Profile,
    SigningPolicy,
    create_root_ca,
    sign_csr,
)
from pki.certificates import certificate_to_base64, certificate_to_pem, load_certificate
from pki.csr import SubjectAltNames, SubjectFields, generate_key_and_csr, load_csr
from pki.keys import KeyAlgorithm, private_key_to_pem
from pki.material import issuance_time
from pki.tls import ClientCertMode, client_context, server_context

PARTNER_CA_DAYS = 3650
LEAF_DAYS = 825


@dataclass
class PartnerPki:
    """What the fake partner holds, and what we installed for it."""

    platform_code: str
    system_root_code: str  # our trust root that signed the partner's access certificate
    system_root_pem: str
    partner_ca: CertificateAuthority = field(repr=False)
    partner_ca_pem: str
    access_certificate_pem: str  # the partner's client certificate (we signed it)
    access_key_pem: str = field(repr=False)
    remote_access_certificate_pem: str  # our client certificate (the partner CA signed it)
    server_certificate_pem: str  # the partner's HTTPS server certificate for 127.0.0.1
    server_key_pem: str = field(repr=False)

    def server_ssl_context(self) -> ssl.SSLContext:
        """The fake partner's HTTPS server: requires a client certificate signed by the
        partner CA (ours is)."""
        return server_context(self.server_certificate_pem, self.server_key_pem,
                              client_ca_pem=self.partner_ca_pem,
                              client_cert=ClientCertMode.REQUIRED)

    def client_ssl_context(self, server_ca_pem: str) -> ssl.SSLContext:
        """The partner calling us: presents its access certificate, trusts ``server_ca_pem``
        (the CA of our listener's certificate, given by the test)."""
        return client_context(server_ca_pem, self.access_certificate_pem, self.access_key_pem)


async def _ok(gateway: Any, method: str, path: str, body: dict[str, Any]) -> Any:
    status, answer = await gateway.admin(method, path, json=body)
    assert status in (200, 201), (method, path, status, answer)
    return answer


async def install_partner_mtls(gateway: Any, platform_code: str) -> PartnerPki:
    """Give the existing roaming platform ``platform_code`` a full mTLS setup (see module)."""
    now = issuance_time(gateway.clock.now(), datetime.now(UTC))
    platform = f"/roaming/platforms/{platform_code}"
    partner_ca = create_root_ca(
        SubjectFields("Fake Partner Root CA", organization="Fake Hub"),
        validity_days=PARTNER_CA_DAYS, now=now)
    client_policy = SigningPolicy(max_validity_days=LEAF_DAYS, profile=Profile.CLIENT)

    # Our client certificate towards the partner: our CSR, signed by the partner CA.
    ours = await _ok(gateway, "POST", f"{platform}/remote-access-certificate/csr", {
        "subject": {"common_name": f"evgw CPO {platform_code}", "organization": "evgw"},
        "key_algorithm": "EC_P256"})
    remote_access = sign_csr(partner_ca, load_csr(ours["csr"]), client_policy, LEAF_DAYS, now)
    await _ok(gateway, "PUT", f"{platform}/remote-access-certificate",
              {"certificate": certificate_to_base64(remote_access)})
    partner_ca_pem = certificate_to_pem(partner_ca.certificate)
    await _ok(gateway, "PUT", f"{platform}/remote-root-certificate",
              {"certificate": partner_ca_pem})

    # The partner's client certificate towards us: its CSR, signed by a system root of ours.
    root_code = f"mtls-{uuid.uuid4().hex[:12]}"
    created = await _ok(gateway, "POST", "/pki/roots", {
        "code": root_code, "name": f"Access root for {platform_code}",
        "subject": {"common_name": f"evgw Access Root {root_code}", "organization": "evgw"},
        "validity_days": PARTNER_CA_DAYS, "key_algorithm": "EC_P256"})
    partner_request = generate_key_and_csr(
        SubjectFields(f"Fake Partner {platform_code}", organization="Fake Hub"),
        algorithm=KeyAlgorithm.EC_P256)
    signed = await _ok(gateway, "POST", f"{platform}/access-certificate/sign",
                       {"csr": partner_request.csr, "root": root_code})
    access = load_certificate(signed["certificate"])

    # The partner's HTTPS server certificate, for 127.0.0.1.
    server_request = generate_key_and_csr(
        SubjectFields("127.0.0.1", organization="Fake Hub"),
        SubjectAltNames(dns=("localhost",), ip=(ipaddress.ip_address("127.0.0.1"),)),
        algorithm=KeyAlgorithm.EC_P256)
    server = sign_csr(partner_ca, load_csr(server_request.csr),
                      SigningPolicy(max_validity_days=LEAF_DAYS, profile=Profile.SERVER),
                      LEAF_DAYS, now)
    return PartnerPki(
        platform_code=platform_code, system_root_code=root_code,
        system_root_pem=created[0]["certificate_pem"], partner_ca=partner_ca,
        partner_ca_pem=partner_ca_pem, access_certificate_pem=certificate_to_pem(access),
        access_key_pem=private_key_to_pem(partner_request.key),
        remote_access_certificate_pem=certificate_to_pem(remote_access),
        server_certificate_pem=certificate_to_pem(server),
        server_key_pem=private_key_to_pem(server_request.key))
