"""Pagination parameters and list rendering (JSON, or CSV on ``Accept: text/csv``)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from gateway.admin.problems import BadRequest

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
PAGING_PARAMS = ("limit", "offset")


def paging(request: web.Request) -> tuple[int, int]:
    errors = []
    values = {}
    for name, default, low, high in (
        ("limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        ("offset", 0, 0, 2**31 - 1),
    ):
        raw = request.query.get(name)
        if raw is None:
            values[name] = default
            continue
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            errors.append({"loc": ["query", name], "msg": f"integer from {low} to {high}",
                           "type": "value_error"})
            continue
        values[name] = value
    if errors:
        raise BadRequest("invalid paging parameters", errors)
    return values["limit"], values["offset"]


def filters(request: web.Request) -> dict[str, str]:
    return {k: v for k, v in request.query.items() if k not in PAGING_PARAMS}


def wants_csv(request: web.Request) -> bool:
    return "text/csv" in request.headers.get("Accept", "")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_csv(model: type[BaseModel], items: Sequence[BaseModel]) -> str:
    columns = list(model.model_fields)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for item in items:
        row = item.model_dump(mode="json")
        writer.writerow([_cell(row[c]) for c in columns])
    return out.getvalue()


def list_response(
    request: web.Request, model: type[BaseModel], items: Sequence[BaseModel], total: int
) -> web.Response:
    headers = {"X-Total-Count": str(total)}
    if wants_csv(request):
        return web.Response(
            text=to_csv(model, items), content_type="text/csv", charset="utf-8", headers=headers
        )
    body = [item.model_dump(mode="json") for item in items]
    return web.json_response(body, headers=headers, dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
