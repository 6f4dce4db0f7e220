"""RFC 9457 problem+json: every admin API error is rendered here, once."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiohttp import web
from pydantic import ValidationError

from csms.network.errors import NetworkError, StillReferenced

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger("evgw.admin")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BadRequest(Exception):
    """A request the API cannot read (malformed JSON, bad query parameter)."""

    def __init__(self, detail: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    instance: str | None = None,
    **extra: Any,
) -> web.Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail is not None:
        body["detail"] = detail
    if instance is not None:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    response = web.Response(status=status, text=json.dumps(body), content_type=PROBLEM_JSON)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="evgw-admin"'
    return response


def _field_errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": list(err["loc"]), "msg": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    path = request.path
    try:
        return await handler(request)
    except ValidationError as exc:
        errors = _field_errors(exc)
        log.info("admin_request_invalid", path=path, errors=len(errors))
        return problem(422, "Validation failed", "the body does not satisfy the schema",
                       instance=path, errors=errors)
    except StillReferenced as exc:
        log.info("admin_delete_refused", path=path, references=exc.references)
        return problem(exc.status, exc.title, exc.detail, instance=path,
                       references=exc.references)
    except NetworkError as exc:
        log.info("admin_request_refused", path=path, status=exc.status, detail=exc.detail)
        field_errors = (
            [{"loc": [exc.field], "msg": exc.detail, "type": exc.title.lower().replace(" ", "_")}]
            if exc.field else None
        )
        return problem(exc.status, exc.title, exc.detail, instance=path, errors=field_errors)
    except BadRequest as exc:
        return problem(400, "Bad request", exc.detail, instance=path, errors=exc.errors)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = problem(exc.status, exc.reason, instance=path)
        if isinstance(exc, web.HTTPMethodNotAllowed):
            response.headers["Allow"] = ", ".join(sorted(exc.allowed_methods))
        return response
    except Exception:
        log.exception("admin_request_failed", path=path)
        return problem(500, "Internal server error", "see the gateway log", instance=path)
