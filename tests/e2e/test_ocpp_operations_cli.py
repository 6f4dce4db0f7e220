"""`evgw station operate …` against a running gateway and a simulated charger."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gateway.cli import _parser, _settings
from gateway.cli_operations import body_from
from tests.conftest import ADMIN_TOKEN


def _printed(out: str) -> Any:
    """The JSON document the command printed (log lines go to stdout too)."""
    return json.loads(out[out.index("{\n"):out.rindex("\n}") + 2])


async def _run(gateway: Any, *argv: str) -> int:
    args = _parser().parse_args(["station", "operate", *argv,
                                 "--api-url", str(gateway.client.make_url("")).rstrip("/"),
                                 "--token", ADMIN_TOKEN])
    result: int = await args.handler(_settings(args), args)
    return result


async def test_cli_runs_an_operation(gateway: Any, capsys: pytest.CaptureFixture[str]) -> None:
    async with gateway.charger("station-01", handlers={
            "Reset": lambda p: {"status": "Accepted"}}) as sim:
        assert await _run(gateway, "station-01", "reset", "type=hard") == 0
    assert sim.received == [("Reset", {"type": "Hard"})]
    assert _printed(capsys.readouterr().out)["status"] == "Accepted"


async def test_cli_reports_a_disconnected_station(gateway: Any,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert await _run(gateway, "station-01", "clear-cache") == 1
    assert _printed(capsys.readouterr().out)["status"] == 409


def test_body_from_fields() -> None:
    assert body_from(["type=hard", 'parameters=["a"]', "retries=3"], None) == {
        "type": "hard", "parameters": ["a"], "retries": 3}
    assert body_from([], '{"x": 1}') == {"x": 1}
    with pytest.raises(ValueError):
        body_from(["novalue"], None)
