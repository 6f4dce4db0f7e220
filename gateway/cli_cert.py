"""`evgw cert …`: the PKI operations of the admin API on the gateway's database — system
trust roots, the certificate listing, and a roaming platform's access certificate, remote
access certificate and remote root. Material is read from files (PEM or plain Base64 DER);
results are printed as JSON, in the admin API's shapes."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from gateway.certificate_trust import ACCESS, REMOTE_ACCESS
from gateway.certificates import CertificateService, RootSpec

Action = Callable[[CertificateService, argparse.Namespace], Awaitable[Any]]


def _read(path: str | None) -> str | None:
    return None if path is None else _required(path)


def _required(path: str) -> str:
    return Path(path).read_text(encoding="utf-8").strip()


async def _run(settings: Any, args: argparse.Namespace, action: Action) -> int:
    from csms.clock import SystemClock
    from gateway.admin.pki_routes import pki_problem
    from gateway.db.engine import create_engine, session_factory
    from gateway.secrets import SecretBox, load_or_create_secret_key

    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    engine = create_engine(settings.database_url)
    service = CertificateService(session_factory(engine),
                                 SecretBox(load_or_create_secret_key(secret, settings.data_dir)),
                                 SystemClock())
    try:
        result = await action(service, args)
    except OSError as exc:
        print(f"evgw cert: cannot read {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        print(f"evgw cert: invalid input: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        problem = pki_problem(exc)
        if problem is None:
            raise
        print(f"evgw cert: {problem.title}: {problem.detail}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
    print(json.dumps(result, indent=2, default=str))
    return 0


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


def _subject(args: argparse.Namespace, prefix: str = "") -> Any:
    from gateway.admin.pki_models import SubjectBody

    fields = ("common_name", "organization", "organizational_unit", "country", "locality",
              "state", "email")
    return SubjectBody.model_validate({
        name: getattr(args, prefix + name) for name in fields
        if getattr(args, prefix + name, None) is not None})


async def _list(service: CertificateService, _args: argparse.Namespace) -> Any:
    from gateway.admin.pki_models import CertificateListEntry

    return [_dump(CertificateListEntry.of(e)) for e in await service.list_certificates()]


async def _create_root(service: CertificateService, args: argparse.Namespace) -> Any:
    from gateway.admin.pki_models import TrustRootRead, key_algorithm

    spec = RootSpec(code=args.code, name=args.name or args.code,
                    subject=_subject(args).fields(), validity_days=args.validity_days,
                    key_algorithm=key_algorithm(args.key_algorithm))
    intermediate = None
    if args.intermediate_code:
        intermediate = RootSpec(
            code=args.intermediate_code, name=args.intermediate_name or args.intermediate_code,
            subject=_subject(args, "intermediate_").fields(),
            validity_days=args.intermediate_validity_days,
            key_algorithm=key_algorithm(args.key_algorithm))
    return [_dump(TrustRootRead.of(v)) for v in await service.create_root(spec, intermediate)]


async def _import_root(service: CertificateService, args: argparse.Namespace) -> Any:
    from gateway.admin.pki_models import TrustRootRead

    view = await service.import_root(args.code, args.name or args.code,
                                     _required(args.certificate_file), _read(args.key_file),
                                     _read(args.passphrase_file))
    return _dump(TrustRootRead.of(view))


async def _generate(service: CertificateService, args: argparse.Namespace, role: str) -> Any:
    from gateway.admin.pki_models import AltNamesBody, GeneratedKeys, key_algorithm

    # Checked like the admin API's body: a bad IP or DNS name is an input error, not a crash.
    sans = AltNamesBody.model_validate({"dns": args.dns, "ip": args.ip}).names()
    generated = await service.generate_csr(args.platform, role, _subject(args).fields(), sans,
                                           key_algorithm(args.key_algorithm))
    return _dump(GeneratedKeys(csr=generated.csr, private_key=generated.private_key,
                               public_key=generated.public_key))


async def _access_csr(service: CertificateService, args: argparse.Namespace) -> Any:
    return await _generate(service, args, ACCESS)


async def _remote_access_csr(service: CertificateService, args: argparse.Namespace) -> Any:
    return await _generate(service, args, REMOTE_ACCESS)


async def _sign(service: CertificateService, args: argparse.Namespace) -> Any:
    from gateway.admin.pki_models import SignedCertificate
    from pki.certificates import certificate_info, certificate_to_base64

    cert = await service.sign_access_csr(args.platform, _required(args.csr_file), args.root,
                                         args.validity_days)
    info = certificate_info(cert)
    return _dump(SignedCertificate(certificate=certificate_to_base64(cert),
                                   fingerprint_sha256=info.fingerprint_sha256,
                                   not_after=info.not_after))


async def _access(service: CertificateService, args: argparse.Namespace) -> Any:
    from gateway.admin.pki_models import PlatformRoleRead

    return _dump(PlatformRoleRead.of(await service.assign_access_certificate(
        args.platform, _required(args.certificate_file), _required(args.key_file))))


async def _remote_access(service: CertificateService, args: argparse.Namespace) -> Any:
    from gateway.admin.pki_models import PlatformRoleRead

    return _dump(PlatformRoleRead.of(await service.assign_remote_access_certificate(
        args.platform, _required(args.certificate_file), _read(args.key_file))))


async def _remote_root(service: CertificateService, args: argparse.Namespace) -> Any:
    from gateway.admin.pki_models import PlatformRoleRead

    texts = [_required(path) for path in args.certificate_file]
    return _dump(PlatformRoleRead.of(await service.assign_remote_roots(args.platform, texts)))


async def _invalidate(service: CertificateService, args: argparse.Namespace) -> Any:
    return {"status": "invalidated", "revoked": await service.invalidate(args.platform)}


def _handler(action: Action) -> Callable[[Any, argparse.Namespace], Awaitable[int]]:
    async def handler(settings: Any, args: argparse.Namespace) -> int:
        return await _run(settings, args, action)

    return handler


_KEYS = ["RSA_2048", "RSA_3072", "RSA_4096", "EC_P256", "EC_P384"]


def _subject_flags(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    dest = prefix.replace("-", "_")
    parser.add_argument(f"--{prefix}cn", dest=f"{dest}common_name",
                        required=not prefix, help="subject common name")
    parser.add_argument(f"--{prefix}org", dest=f"{dest}organization", help="organization")
    parser.add_argument(f"--{prefix}ou", dest=f"{dest}organizational_unit",
                        help="organizational unit")
    parser.add_argument(f"--{prefix}country", dest=f"{dest}country", help="ISO country code")
    parser.add_argument(f"--{prefix}locality", dest=f"{dest}locality", help="locality")
    parser.add_argument(f"--{prefix}state", dest=f"{dest}state", help="state or province")
    parser.add_argument(f"--{prefix}email", dest=f"{dest}email", help="e-mail address")


def register(sub: Any, add_setting_flags: Callable[[argparse.ArgumentParser], None]) -> None:
    cert = sub.add_parser("cert", help="system trust roots and roaming platform certificates")
    commands = cert.add_subparsers(dest="cert_command", required=True)

    def command(name: str, help_text: str, action: Action, platform: bool = True
                ) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = commands.add_parser(name, help=help_text)
        if platform:
            parser.add_argument("platform", help="roaming platform code")
        parser.set_defaults(handler=_handler(action))
        add_setting_flags(parser)
        return parser

    command("list", "system roots and platform certificates with fingerprints and expiry",
            _list, platform=False)

    create = command("create-root", "create a root CA (and optionally an intermediate)",
                     _create_root, platform=False)
    create.add_argument("code", help="trust root code")
    create.add_argument("--name", help="display name (default: the code)")
    _subject_flags(create)
    create.add_argument("--validity-days", type=int, default=3650)
    create.add_argument("--key-algorithm", choices=_KEYS, default="EC_P384")
    create.add_argument("--intermediate-code", help="also create an intermediate CA")
    create.add_argument("--intermediate-name")
    create.add_argument("--intermediate-validity-days", type=int, default=1825)
    _subject_flags(create, "intermediate-")

    imported = command("import-root", "import a CA with its key, or a trusted root without",
                       _import_root, platform=False)
    imported.add_argument("code", help="trust root code")
    imported.add_argument("--name", help="display name (default: the code)")
    imported.add_argument("--certificate-file", required=True)
    imported.add_argument("--key-file", help="the CA's private key (omit: trusted root)")
    imported.add_argument("--passphrase-file", help="passphrase of an encrypted PEM key")

    for name, action, help_text in (
            ("access-csr", _access_csr, "generate keys and a CSR for the access certificate"),
            ("remote-access-csr", _remote_access_csr,
             "generate keys and a CSR for our remote access certificate")):
        parser = command(name, help_text, action)
        _subject_flags(parser)
        parser.add_argument("--dns", action="append", default=[], help="DNS SAN (repeatable)")
        parser.add_argument("--ip", action="append", default=[], help="IP SAN (repeatable)")
        parser.add_argument("--key-algorithm", choices=_KEYS, default="RSA_2048")

    sign = command("sign", "sign a CSR with a system root; assign it as access certificate",
                   _sign)
    sign.add_argument("--csr-file", required=True)
    sign.add_argument("--root", required=True, help="code of the signing trust root")
    sign.add_argument("--validity-days", type=int)

    access = command("access-certificate", "assign the access certificate with its key",
                     _access)
    access.add_argument("--certificate-file", required=True)
    access.add_argument("--key-file", required=True)

    remote = command("remote-access-certificate",
                     "assign our remote access certificate (key optional after remote-access-csr)",
                     _remote_access)
    remote.add_argument("--certificate-file", required=True)
    remote.add_argument("--key-file")

    roots = command("remote-root", "assign the partner's trusted root/intermediate CA(s)",
                    _remote_root)
    roots.add_argument("--certificate-file", required=True, action="append",
                       help="PEM bundle or Base64 DER (repeatable)")

    command("invalidate", "revoke the access, remote access and remote root certificates",
            _invalidate)
