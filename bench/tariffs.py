"""Benchmark of the tariff engine against a plain second-by-second reference walk.

    python bench/tariffs.py [--sessions 10000] [--periods 20] [--seed N] [--reference-every 50]

Generates sessions (20 periods each: optional reservation, charging periods with explicit
power/current, parking periods; whole-second durations, Jan-May 2019, Europe/Berlin) priced
against the OCPI 2.2.1 example tariffs and the tandemdrive vector tariffs, times the engine,
prices a sample with ``bench/reference_walk.py`` (second by second) and compares every CDR
total at 4 decimals.  Exit code 1 and a loud report on any disagreement.  Figures are given
as ratios against the reference walk of the same run.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
# This file is named like the package: keep bench/ off the path, put the repository first.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(ROOT))

from tariffs.ocpi_model import Tariff, parse_tariff  # noqa: E402
from tariffs.pricing import PricingResult, SessionPeriod, price_session  # noqa: E402

TZ = ZoneInfo("Europe/Berlin")


def _load_reference() -> Any:
    spec = importlib.util.spec_from_file_location("reference_walk", BENCH / "reference_walk.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["reference_walk"] = module
    spec.loader.exec_module(module)
    return module.reference_price


reference_price = _load_reference()


def shared_dir() -> Path:
    import os

    override = os.environ.get("EVGW_SHARED_DIR")
    return Path(override) if override else ROOT.parent / "shared"


def load_tariffs() -> list[tuple[str, Tariff]]:
    base = shared_dir() / "specs" / "ocpi"
    files = sorted((base / "examples-2.2.1" / "examples").glob("tariff*.json"))
    files += sorted((base / "tariff-vectors" / "tandemdrive" / "test_data").glob("*/tariff.json"))
    if not files:
        raise SystemExit(f"!!! no tariffs found under {base} (set EVGW_SHARED_DIR)")
    seen: set[str] = set()
    out = []
    for f in files:
        text = f.read_text()
        tariff = parse_tariff(text)
        key = tariff.model_dump_json()
        if key in seen:
            continue
        seen.add(key)
        out.append((f.parent.name if f.name == "tariff.json" else f.stem, tariff))
    return out


def has_reservation(t: Tariff) -> bool:
    return any(e.restrictions is not None and e.restrictions.reservation for e in t.elements)


def make_session(rng: random.Random, tariff: Tariff, n: int) -> list[SessionPeriod]:
    start = datetime(2019, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(150 * 86400))
    periods: list[SessionPeriod] = []
    t = start
    if has_reservation(tariff) and rng.random() < 0.4:
        secs = rng.randrange(300, 2400)
        periods.append(
            SessionPeriod(
                t,
                t + timedelta(seconds=secs),
                reservation_time=Decimal(secs) / 3600,
                is_reservation=True,
            )
        )
        t += timedelta(seconds=secs)
    while len(periods) < n:
        secs = rng.randrange(60, 1800)
        end = t + timedelta(seconds=secs)
        hours = Decimal(secs) / 3600
        if rng.random() < 0.75 or not periods:
            power = Decimal(rng.randrange(30, 600)) / 10
            current = Decimal(rng.randrange(6, 64))
            wh = int(power * 1000 * hours)
            periods.append(
                SessionPeriod(
                    t,
                    end,
                    energy=Decimal(wh) / 1000,
                    time=hours,
                    min_power=power,
                    max_power=power,
                    min_current=current,
                    max_current=current,
                )
            )
        else:
            periods.append(
                SessionPeriod(
                    t,
                    end,
                    parking=hours,
                    min_power=Decimal(0),
                    max_power=Decimal(0),
                    min_current=Decimal(0),
                    max_current=Decimal(0),
                )
            )
        t = end
    return periods


def flat_totals(r: PricingResult) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for name, value in r.cdr_totals().items():
        if isinstance(value, dict):
            out[f"{name}.excl_vat"] = value["excl_vat"]
            out[f"{name}.incl_vat"] = value["incl_vat"]
        else:
            out[name] = value
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=10_000)
    ap.add_argument("--periods", type=int, default=20)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument(
        "--reference-every",
        type=int,
        default=50,
        help="walk every Nth session second by second (1 = all)",
    )
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    tariffs = load_tariffs()
    work = []
    for _ in range(args.sessions):
        name, tariff = tariffs[rng.randrange(len(tariffs))]
        work.append((name, tariff, make_session(rng, tariff, args.periods)))
    print(
        f"{len(tariffs)} distinct spec/vector tariffs, {args.sessions} sessions x "
        f"{args.periods} periods, tz {TZ.key}, seed {args.seed}"
    )

    t0 = time.perf_counter()
    results = [price_session(periods, tariff, TZ) for _, tariff, periods in work]
    engine_s = time.perf_counter() - t0
    engine_rate = args.sessions / engine_s

    sample = list(range(0, args.sessions, max(1, args.reference_every)))
    t0 = time.perf_counter()
    disagreements = []
    for i in sample:
        name, tariff, periods = work[i]
        want = reference_price(periods, tariff, TZ)
        got = flat_totals(results[i])
        diff = {k: (got[k], v) for k, v in want.items() if got[k] != v}
        if diff:
            disagreements.append((i, name, diff))
    ref_s = time.perf_counter() - t0
    ref_rate = len(sample) / ref_s
    walked = sum(int((work[i][2][-1].end - work[i][2][0].start).total_seconds()) for i in sample)
    print(
        f"engine:    {args.sessions} sessions in {engine_s:.2f} s = {engine_rate:,.0f} sessions/s"
    )
    note = (
        "all sessions"
        if len(sample) == args.sessions
        else (
            f"sample: every {args.reference_every}th session ({len(sample)} sessions); the full "
            f"walk would take ~{args.sessions / ref_rate / 60:.0f} min"
        )
    )
    print(
        f"reference: {len(sample)} sessions ({walked:,} walked seconds) in {ref_s:.2f} s = "
        f"{ref_rate:,.1f} sessions/s  [{note}]"
    )
    print(
        f"ratio:     engine = {engine_rate / ref_rate:,.0f} x the reference walk "
        f"(reference = 1.00; per-session time ratio 1 : {ref_rate / engine_rate:.5f})"
    )
    if disagreements:
        print(
            f"\n!!!!! {len(disagreements)} DISAGREEMENT(S) between engine and reference !!!!!",
            file=sys.stderr,
        )
        for i, name, diff in disagreements[:20]:
            print(f"  session {i} tariff {name}:", file=sys.stderr)
            for k, (g, w) in diff.items():
                print(f"    {k}: engine {g} reference {w}", file=sys.stderr)
        return 1
    print(
        f"agreement: all {len(sample)} sampled sessions match the reference at 4 decimals "
        f"(every CDR total)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
