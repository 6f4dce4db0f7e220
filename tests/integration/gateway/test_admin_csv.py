"""Every list exports CSV with Accept: text/csv."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from csms.network.resources import RESOURCES
from tests.support.admin_api import API, seed_via_api


async def test_every_list_exports_csv(sqlite_client: Any) -> None:
    await seed_via_api(sqlite_client)
    for spec in RESOURCES:
        response = await sqlite_client.get(f"{API}/{spec.path}",
                                           headers={"Accept": "text/csv"})
        assert response.status == 200, spec.path
        assert response.content_type == "text/csv"
        rows = list(csv.DictReader(io.StringIO(await response.text())))
        as_json = await (await sqlite_client.get(f"{API}/{spec.path}")).json()
        assert len(rows) == len(as_json) == int(response.headers["X-Total-Count"])
        for row, obj in zip(rows, as_json, strict=True):
            assert row["code"] == obj["code"]


@pytest.mark.parametrize("accept", ["text/csv", "text/csv;q=0.9, application/json;q=0.1"])
async def test_csv_cells(sqlite_client: Any, accept: str) -> None:
    await seed_via_api(sqlite_client)
    response = await sqlite_client.get(f"{API}/areas", headers={"Accept": accept})
    (row,) = list(csv.DictReader(io.StringIO(await response.text())))
    assert row["roaming_id"] == "0101"
    assert json.loads(row["support_contact"])["phone"] == "+38640000000"
    assert row["parent"] == ""  # None is an empty cell, never the string "None"
