"""Fixtures of the tariff tests: the shared reference data (OCPI examples, test vectors).

The data lives beside the repository in ``shared/`` (``/work/shared`` next to ``/work/main``;
in CI a fresh clone with ``shared/`` beside it); ``EVGW_SHARED_DIR`` overrides the location.
These are references, not optional: when missing, every test that needs them FAILS.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_ENV = "EVGW_SHARED_DIR"
OCPI = Path("specs") / "ocpi"
EXAMPLES = OCPI / "examples-2.2.1" / "examples"
TANDEM = OCPI / "tariff-vectors" / "tandemdrive" / "test_data"
HAMZA = OCPI / "tariff-vectors" / "hamza-nabil" / "test_data" / "v2_2_1"


def shared_root() -> Path:
    """Where the shared reference data is expected."""
    override = os.environ.get(SHARED_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[3].parent / "shared"


def _missing_message() -> str:
    return (
        f"shared reference data not found at {shared_root()} "
        f"(set {SHARED_ENV} to the directory holding specs/ocpi/...); "
        "these references are required, not optional"
    )


@pytest.fixture
def shared_dir() -> Path:
    """The shared data directory; fails the test when it is missing."""
    root = shared_root()
    if not (root / OCPI).is_dir():
        pytest.fail(_missing_message())
    return root


def _cases(kind: str) -> list[tuple[str, ...]]:
    root = shared_root()
    if kind == "tandem_cdr":
        return sorted((p.parent.name, p.name) for p in (root / TANDEM).glob("*/cdr*.json"))
    if kind == "hamza_cdr":
        return sorted((p.parent.name, p.name) for p in (root / HAMZA).glob("*/cdr*.json"))
    if kind == "vector_tariff":
        out = [("tandemdrive", p.parent.name) for p in (root / TANDEM).glob("*/tariff.json")]
        out += [("hamza-nabil", p.parent.name) for p in (root / HAMZA).glob("*/tariff.json")]
        return sorted(out)
    if kind == "example_file":
        return sorted(
            (p.name,)
            for p in (root / EXAMPLES).glob("*.json")
            if p.name.startswith(("tariff", "cdr"))
        )
    raise AssertionError(kind)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for kind in ("tandem_cdr", "hamza_cdr", "vector_tariff", "example_file"):
        if kind in metafunc.fixturenames:
            cases = _cases(kind) if (shared_root() / OCPI).is_dir() else []
            if cases:
                metafunc.parametrize(kind, cases, ids=["/".join(c) for c in cases])
            else:
                metafunc.parametrize(kind, [None], ids=[f"{kind}-missing"])
