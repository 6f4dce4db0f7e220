"""Request ids, access logs and Prometheus metrics for every HTTP request."""

from __future__ import annotations

import asyncio
import re
import time
import uuid

import structlog
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram

from gateway.admin.problems import Handler

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
log = structlog.get_logger("evgw.http")


class HttpMetrics:
    """Per-application registry, so several apps (tests) never collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "evgw_http_requests_total", "HTTP requests by route and status",
            ["method", "route", "status"], registry=self.registry,
        )
        self.latency = Histogram(
            "evgw_http_request_duration_seconds", "HTTP request latency by route",
            ["method", "route"], registry=self.registry,
        )


METRICS = web.AppKey("http_metrics", HttpMetrics)


def _route_label(request: web.Request) -> str:
    # The route template, never the raw path: raw paths would explode label cardinality.
    info = request.match_info
    resource = info.route.resource if info.route is not None else None
    if resource is None or info.http_exception is not None:
        return "unmatched"
    return resource.canonical


@web.middleware
async def observe_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    incoming = request.headers.get("X-Request-ID", "")
    request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        response.headers["X-Request-ID"] = request_id
        return response
    except web.HTTPException as exc:
        status = exc.status
        exc.headers["X-Request-ID"] = request_id
        raise
    except asyncio.CancelledError:
        status = 499  # the client went away before we answered
        raise
    finally:
        elapsed = time.perf_counter() - started
        metrics = request.app[METRICS]
        route = _route_label(request)
        metrics.requests.labels(request.method, route, str(status)).inc()
        metrics.latency.labels(request.method, route).observe(elapsed)
        log.info("http_request", method=request.method, path=request.path, status=status,
                 ms=round(elapsed * 1000, 2))
