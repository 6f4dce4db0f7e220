"""``evgw tariff price TARIFF.json CDR.json [--tz ZONE]``: price a CDR against OCPI tariffs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tariffs.errors import TariffError
from tariffs.ocpi_model import dumps, parse_cdr, parse_tariffs
from tariffs.pricing import price_cdr

__all__ = ["main", "price_cdr_files"]


def price_cdr_files(tariff_json_text: str, cdr_json_text: str, tz: str | None) -> dict[str, Any]:
    """Price the CDR in ``cdr_json_text`` against the tariff(s) in ``tariff_json_text``.

    The tariff text holds one Tariff object or a list (an OCPI response envelope is accepted
    too).  ``tz`` is the location's IANA zone; None means UTC.  Returns the CDR total fields
    (``total_cost`` ... ``total_parking_time``) with Decimal values rounded to 4 decimals.
    Raises :class:`~tariffs.errors.TariffError` on bad input.
    """
    tariffs = parse_tariffs(tariff_json_text)
    cdr = parse_cdr(cdr_json_text)
    return price_cdr(cdr, tariffs, tz or "UTC").cdr_totals()


class _ArgError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so :func:`main` controls the exit code."""

    def error(self, message: str) -> Any:
        raise _ArgError(message)


def _parser() -> _Parser:
    parser = _Parser(
        prog="evgw tariff price",
        description="Price an OCPI 2.2.1 CDR against OCPI tariffs and print the CDR totals.",
    )
    parser.add_argument("tariff", help="JSON file with a Tariff object or a list of Tariffs")
    parser.add_argument("cdr", help="JSON file with a CDR object")
    parser.add_argument("--tz", default=None, help="IANA time zone of the location (default UTC)")
    parser.add_argument(
        "--explain", action="store_true", help="print the pricing explanation to stderr"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point; returns the exit code (0 ok, 2 bad input or usage)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["price"]:
        args_list = args_list[1:]
    parser = _parser()
    try:
        args = parser.parse_args(args_list)
    except _ArgError as exc:
        print(parser.format_usage(), file=sys.stderr, end="")
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    try:
        tariff_text = Path(args.tariff).read_text(encoding="utf-8")
        cdr_text = Path(args.cdr).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"evgw tariff price: cannot read input: {exc}", file=sys.stderr)
        return 2
    try:
        tariffs = parse_tariffs(tariff_text)
        cdr = parse_cdr(cdr_text)
        result = price_cdr(cdr, tariffs, args.tz or "UTC")
    except TariffError as exc:
        print(f"evgw tariff price: {exc}", file=sys.stderr)
        return 2
    if args.explain:
        for line in result.explanation:
            print(line, file=sys.stderr)
    print(dumps(result.cdr_totals()))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
