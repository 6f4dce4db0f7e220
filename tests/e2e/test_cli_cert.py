"""`evgw cert …` on a migrated SQLite database: roots, CSRs, signing, assignment, listing,
refusals and invalidation, with material read from files and JSON printed."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.app import build_deps
from gateway.cli import main
from gateway.config import Settings
from gateway.db import pki_tables
from gateway.db.engine import create_engine
from gateway.demo import seed_demo
from pki.authority import Profile, SigningPolicy, create_root_ca, sign_csr
from pki.certificates import certificate_to_base64, certificate_to_pem, load_certificate
from pki.csr import SubjectFields, generate_key_and_csr, load_csr
from pki.keys import KeyAlgorithm, load_private_key, public_keys_equal

Run = Callable[..., tuple[int, Any]]


def _printed(out: str) -> Any:
    """The JSON document the command printed (log lines may go to stdout too)."""
    starts = [i for i in (out.find("{\n"), out.find("[\n")) if i >= 0]
    end = max(out.rfind("\n}"), out.rfind("\n]")) + 2
    return json.loads(out[min(starts):end])


@pytest.fixture
def evgw(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    """Runs `evgw <argv> --database-url … --data-dir …` and returns (exit code, JSON)."""
    flags = ["--database-url", f"sqlite+aiosqlite:///{tmp_path / 'evgw.db'}",
             "--data-dir", str(tmp_path / "var"), "--log-level", "WARNING"]
    assert main(["db", "upgrade", *flags]) == 0

    async def seed() -> None:
        engine = create_engine(flags[1])
        deps = build_deps(Settings(database_url=flags[1], data_dir=tmp_path / "var"), engine,
                          b"unused")
        await seed_demo(deps.network)
        await deps.network.create("roaming_platforms", {
            "code": "HUBJECT", "name": "Hubject", "roaming_profile": "TRI-OICP",
            "type": "HUB", "protocol": "OICP", "url": "https://hub.example.com/api",
            "country": "DE", "roaming_identifier": "DE*HBS"})
        await engine.dispose()

    asyncio.run(seed())
    capsys.readouterr()

    def run(*argv: str) -> tuple[int, Any]:
        code = main(["cert", *argv, *flags])
        captured = capsys.readouterr()
        if code != 0:
            return code, captured.err
        return code, _printed(captured.out)

    run.database_url = flags[1]  # type: ignore[attr-defined]
    return run


def _write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def test_cli_creates_roots_signs_assigns_lists_and_invalidates(evgw: Run, tmp_path: Path
                                                               ) -> None:
    code, roots = evgw("create-root", "CPO-ROOT", "--cn", "CPO Root", "--org", "evgw",
                       "--country", "SI", "--key-algorithm", "EC_P256",
                       "--intermediate-code", "CPO-SUB", "--intermediate-cn", "CPO Issuing")
    assert code == 0
    assert [(r["code"], r["kind"], r["can_sign"]) for r in roots] == [
        ("CPO-ROOT", "root", True), ("CPO-SUB", "intermediate", True)]

    # The partner's CSR, signed by our intermediate; the result verifies with openssl.
    request = generate_key_and_csr(SubjectFields("partner.example.com"),
                                   algorithm=KeyAlgorithm.EC_P256)
    csr_file = _write(tmp_path / "partner.csr", request.csr)
    code, signed = evgw("sign", "HUBJECT", "--csr-file", csr_file, "--root", "CPO-SUB")
    assert code == 0
    cert_file = _write(tmp_path / "cert.pem", certificate_to_pem(
        load_certificate(signed["certificate"])))
    root_file = _write(tmp_path / "root.pem", roots[0]["certificate_pem"])
    sub_file = _write(tmp_path / "sub.pem", roots[1]["certificate_pem"])
    openssl = shutil.which("openssl")
    assert openssl
    verified = subprocess.run([openssl, "verify", "-CAfile", root_file, "-untrusted", sub_file,
                               cert_file], capture_output=True, text=True, check=False,
                              timeout=30)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # Our remote access CSR, signed by the partner's CA, assigned without key; its root too.
    code, keys = evgw("remote-access-csr", "HUBJECT", "--cn", "evgw CPO", "--key-algorithm",
                      "EC_P256", "--dns", "cpo.example.com")
    assert code == 0 and set(keys) == {"csr", "private_key", "public_key"}
    partner_ca = create_root_ca(SubjectFields("Partner CA"), validity_days=365)
    ours = sign_csr(partner_ca, load_csr(keys["csr"]), SigningPolicy(profile=Profile.CLIENT),
                    90)
    assert public_keys_equal(load_private_key(keys["private_key"]), ours.public_key())  # type: ignore[arg-type]
    code, assigned = evgw("remote-access-certificate", "HUBJECT", "--certificate-file",
                          _write(tmp_path / "ours.b64", certificate_to_base64(ours)))
    assert code == 0 and assigned["has_private_key"] and not assigned["pending_csr"]
    code, remote = evgw("remote-root", "HUBJECT", "--certificate-file",
                        _write(tmp_path / "partner-ca.pem",
                               certificate_to_pem(partner_ca.certificate)))
    assert code == 0 and remote["certificates"][0]["subject"] == "CN=Partner CA"

    code, listing = evgw("list")
    assert code == 0
    by_role = {(e["platform"] or e["code"], e["role"]): e for e in listing}
    assert set(by_role) == {("CPO-ROOT", "root"), ("CPO-SUB", "intermediate"),
                            ("HUBJECT", "access"), ("HUBJECT", "remote_access"),
                            ("HUBJECT", "remote_root")}
    assert by_role[("HUBJECT", "remote_access")]["expiring_soon"] is False
    assert by_role[("HUBJECT", "remote_access")]["days_left"] in (89, 90)
    assert by_role[("HUBJECT", "access")]["signed_by"] == "CPO-SUB"
    assert by_role[("HUBJECT", "access")]["fingerprint_sha256"] == signed["fingerprint_sha256"]

    async def sealed() -> list[str]:
        engine = create_engine(evgw.database_url)  # type: ignore[attr-defined]
        async with engine.connect() as conn:
            rows = (await conn.execute(select(
                pki_tables.platform_certificates.c.private_key_enc))).scalars().all()
        await engine.dispose()
        return [r for r in rows if r]

    stored = asyncio.run(sealed())
    assert len(stored) == 1 and "PRIVATE KEY" not in stored[0]

    code, done = evgw("invalidate", "HUBJECT")
    assert code == 0 and sorted(done["revoked"]) == ["access", "remote_access", "remote_root"]
    code, listing = evgw("list")
    assert [e for e in listing if e["platform"]] == []


def test_cli_refusals_are_clear(evgw: Run, tmp_path: Path) -> None:
    code, _ = evgw("import-root", "PUBLIC", "--certificate-file",
                   _write(tmp_path / "ca.pem", certificate_to_pem(
                       create_root_ca(SubjectFields("Public"), validity_days=30).certificate)))
    assert code == 0
    request = generate_key_and_csr(SubjectFields("p"), algorithm=KeyAlgorithm.EC_P256)
    csr_file = _write(tmp_path / "p.csr", request.csr)
    code, err = evgw("sign", "HUBJECT", "--csr-file", csr_file, "--root", "PUBLIC")
    assert code == 2 and "Root without private key" in err
    code, err = evgw("sign", "NOPE", "--csr-file", csr_file, "--root", "PUBLIC")
    assert code == 2 and "Unknown platform" in err
    code, err = evgw("sign", "HUBJECT", "--csr-file", str(tmp_path / "missing.csr"),
                     "--root", "PUBLIC")
    assert code == 2 and "cannot read" in err
    code, err = evgw("remote-access-certificate", "HUBJECT", "--certificate-file", csr_file)
    assert code == 2 and "Invalid certificate" in err
    for flag, value in (("--ip", "10.0.0.300"), ("--dns", "é.example")):
        code, err = evgw("remote-access-csr", "HUBJECT", "--cn", "evgw", flag, value)
        assert code == 2 and "invalid input" in err, err
    code, err = evgw("create-root", "R", "--cn", "R", "--validity-days", "30",
                     "--intermediate-code", "I", "--intermediate-cn", "I")  # I: 1825 days
    assert code == 2 and "must expire before its root" in err, err
