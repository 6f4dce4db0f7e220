"""Self-test of the fake eMSP peer (``tests/support/fake_emsp.py``): plain aiohttp requests
play the CPO's calls, and a minimal stub CPO (versions, details, credentials, a paginated
locations list, commands) answers the fake's own client calls."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from ocpi.auth import authorization_header
from ocpi.envelope import envelope
from ocpi.pagination import page_headers, parse_page_params
from ocpi.routing import RoutingHeaders, request_id_headers, response_id_headers
from tests.support.fake_emsp import FakeEmsp
from tests.unit.ocpi.ocpi_openapi import shared_dir, validate_object, validate_response

CPO_TOKEN_B = "cpo-token-b"
CPO_TOKEN_C = "cpo-token-c"
CPO_ROLES = [
    {
        "role": "CPO",
        "business_details": {"name": "Stub CPO"},
        "party_id": "BEC",
        "country_code": "BE",
    }
]


def example(name: str) -> dict[str, Any]:
    path = shared_dir() / "specs" / "ocpi" / "examples-2.2.1" / "examples" / f"{name}.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def cpo_headers(token: str | None, *, routing: bool = True, raw: bool = False) -> dict[str, str]:
    """Headers of a well-behaved CPO (BE*BEC) calling the fake (DE*EMS)."""
    headers = request_id_headers()
    if token is not None:
        headers["Authorization"] = authorization_header(token, base64_encode=not raw)
    if routing:
        headers.update(RoutingHeaders("BE", "BEC", "DE", "EMS").as_headers())
    return headers


class StubCpo:
    """Just enough of a CPO for the fake's client side; records the requests it got."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, str | None]] = []
        self.partner_token: str | None = None
        self.locations = [
            {
                **example("location_example"),
                "id": f"LOC{i}",
                "last_updated": f"2024-01-0{i}T00:00:00Z",
            }
            for i in (1, 2, 3)
        ]
        self._tasks: set[asyncio.Task[None]] = set()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        self.session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.base = f"http://127.0.0.1:{self.runner.addresses[0][1]}/ocpi"
        self.session = aiohttp.ClientSession()

    async def close(self) -> None:
        for task in list(self._tasks):
            await task
        assert self.session is not None
        await self.session.close()
        await self.runner.cleanup()

    @property
    def versions_url(self) -> str:
        return f"{self.base}/versions"

    def reply(
        self,
        request: web.Request,
        data: Any = None,
        *,
        functional: bool = False,
        extra: dict[str, str] | None = None,
    ) -> web.Response:
        headers = {**response_id_headers(request.headers), **(extra or {})}
        if functional:
            headers.update(RoutingHeaders("BE", "BEC", "DE", "EMS").as_headers())
        return web.json_response(envelope(data), headers=headers)

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((request.method, request.path, request.headers.get("Authorization")))
        path = request.path
        if path == "/ocpi/versions":
            return self.reply(request, [{"version": "2.2.1", "url": f"{self.base}/2.2.1"}])
        if path == "/ocpi/2.2.1":
            endpoints = [
                ("credentials", "SENDER"),
                ("credentials", "RECEIVER"),
                ("locations", "SENDER"),
                ("tokens", "RECEIVER"),
                ("commands", "RECEIVER"),
            ]
            return self.reply(
                request,
                {
                    "version": "2.2.1",
                    "endpoints": [
                        {"identifier": m, "role": r, "url": f"{self.base}/2.2.1/{m}"}
                        for m, r in endpoints
                    ],
                },
            )
        if path == "/ocpi/2.2.1/credentials":  # a POST from the fake registering with us
            creds = await request.json()
            self.partner_token = creds["token"]
            assert self.session is not None
            headers = cpo_headers(creds["token"], routing=False)
            async with self.session.get(creds["url"], headers=headers) as resp:
                assert resp.status == 200
            return self.reply(
                request, {"token": CPO_TOKEN_C, "url": self.versions_url, "roles": CPO_ROLES}
            )
        if path == "/ocpi/2.2.1/locations":
            params = parse_page_params(request.query, max_limit=2)
            page = self.locations[params.offset : params.offset + params.limit]
            extra = page_headers(str(request.url), params, 3, max_limit=2)
            return self.reply(request, page, functional=True, extra=extra)
        if path.startswith("/ocpi/2.2.1/commands/"):
            body = await request.json()
            task = asyncio.create_task(
                self.post_result(body["response_url"], request.headers["X-Correlation-ID"])
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return self.reply(request, {"result": "ACCEPTED", "timeout": 30}, functional=True)
        raise web.HTTPNotFound()

    async def post_result(self, url: str, correlation_id: str) -> None:
        assert self.session is not None and self.partner_token is not None
        headers = {
            **cpo_headers(self.partner_token),
            **request_id_headers(correlation_id),
        }
        async with self.session.post(url, json={"result": "ACCEPTED"}, headers=headers) as resp:
            assert resp.status == 200


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def stub() -> AsyncIterator[StubCpo]:
    cpo = StubCpo()
    await cpo.start()
    yield cpo
    await cpo.close()


@pytest.fixture
async def emsp() -> AsyncIterator[FakeEmsp]:
    async with FakeEmsp(country="DE", party="EMS") as fake:
        yield fake


async def cpo_registers(http: aiohttp.ClientSession, fake: FakeEmsp, stub: StubCpo) -> str:
    """The CPO side of the handshake with token A; returns token C."""
    body = {"token": CPO_TOKEN_B, "url": stub.versions_url, "roles": CPO_ROLES}
    assert fake.token_a is not None
    async with http.post(
        fake.endpoint("credentials"), json=body, headers=cpo_headers(fake.token_a, routing=False)
    ) as resp:
        assert resp.status == 200
        answer = await resp.json()
    validate_response(answer, "Credentials")
    assert answer["status_code"] == 1000
    token: str = answer["data"]["token"]
    return token


@pytest.fixture
async def registered(http: aiohttp.ClientSession, emsp: FakeEmsp, stub: StubCpo) -> str:
    return await cpo_registers(http, emsp, stub)


async def test_versions_and_details_validate(http: aiohttp.ClientSession, emsp: FakeEmsp) -> None:
    assert emsp.token_a is not None
    for raw in (False, True):  # base64 and raw tokens are both accepted
        async with http.get(
            emsp.versions_url, headers=cpo_headers(emsp.token_a, routing=False, raw=raw)
        ) as resp:
            assert resp.status == 200
            versions = await resp.json()
    validate_response(versions, "Version", many=True)
    assert versions["data"] == [{"version": "2.2.1", "url": emsp.details_url}]
    async with http.get(emsp.details_url, headers=cpo_headers(emsp.token_a, routing=False)) as resp:
        details = await resp.json()
    validate_response(details, "VersionDetails")
    endpoints = {(e["identifier"], e["role"]): e["url"] for e in details["data"]["endpoints"]}
    assert endpoints[("locations", "RECEIVER")] == f"{emsp.details_url}/locations"
    for key in [("cdrs", "RECEIVER"), ("tokens", "SENDER"), ("credentials", "SENDER")]:
        assert key in endpoints
    async with http.get(emsp.versions_url) as resp:
        assert resp.status == 401
        validate_response(await resp.json())
    emsp.assert_clean(protocol=False)


async def test_require_base64_refuses_raw_tokens(http: aiohttp.ClientSession) -> None:
    async with FakeEmsp(require_base64=True) as fake:
        assert fake.token_a is not None
        async with http.get(
            fake.versions_url, headers=cpo_headers(fake.token_a, routing=False, raw=True)
        ) as resp:
            assert resp.status == 401


async def test_cpo_registers_with_token_a(
    http: aiohttp.ClientSession, emsp: FakeEmsp, stub: StubCpo
) -> None:
    token_a = emsp.token_a
    assert token_a is not None
    token_c = await cpo_registers(http, emsp, stub)
    assert token_c == emsp.token_c and emsp.cpo_token == CPO_TOKEN_B
    assert emsp.cpo_endpoints["locations"] == f"{stub.base}/2.2.1/locations"
    # Before answering, the fake fetched the CPO's versions and details with token B.
    b64 = authorization_header(CPO_TOKEN_B)
    assert ("GET", "/ocpi/versions", b64) in stub.requests
    assert ("GET", "/ocpi/2.2.1", b64) in stub.requests
    # Token A is dead; a second POST with token C is 405.
    async with http.get(emsp.versions_url, headers=cpo_headers(token_a, routing=False)) as resp:
        assert resp.status == 401
    async with http.post(
        emsp.endpoint("credentials"),
        json={"token": "x", "url": stub.versions_url, "roles": CPO_ROLES},
        headers=cpo_headers(token_c, routing=False),
    ) as resp:
        assert resp.status == 405
    assert emsp.schema_violations == []


async def test_fake_registers_pulls_and_commands(emsp: FakeEmsp, stub: StubCpo) -> None:
    creds = await emsp.register_with(stub.versions_url, "stub-registration-token")
    assert creds.token == emsp.cpo_token == CPO_TOKEN_C
    assert stub.partner_token == emsp.token_b  # the stub called our versions with B
    objects, pages = await emsp.pull_all("locations", {"limit": "2"})
    assert [o["id"] for o in objects] == ["LOC1", "LOC2", "LOC3"]
    assert [p.status for p in pages] == [200, 200]
    assert pages[0].headers["X-Total-Count"] == "3"
    resp = await emsp.send_command(
        None,
        "START_SESSION",
        {"token": emsp.add_token("012345678"), "location_id": "LOC1"},
    )
    assert resp.status == 200 and resp.data == {"result": "ACCEPTED", "timeout": 30}
    assert resp.request_body["response_url"].startswith(emsp.commands_url + "/START_SESSION/")
    result = await emsp.wait_command_result(resp)
    assert result.body == {"result": "ACCEPTED"}
    assert emsp.command_results[resp.command_uid or ""] == {"result": "ACCEPTED"}
    emsp.assert_clean()


async def test_location_put_and_patches(
    http: aiohttp.ClientSession, emsp: FakeEmsp, registered: str
) -> None:
    url = f"{emsp.endpoint('locations')}/BE/BEC/LOC1"
    loc = example("location_example")
    async with http.put(url, json=loc, headers=cpo_headers(registered)) as resp:
        assert resp.status == 201
        validate_response(await resp.json())
        assert resp.headers["OCPI-to-party-id"] == "BEC"
    patch = {"status": "CHARGING", "last_updated": "2024-05-01T10:00:00Z"}
    async with http.patch(f"{url}/3256", json=patch, headers=cpo_headers(registered)) as resp:
        assert (await resp.json())["status_code"] == 1000
    stored = emsp.locations[("BE", "BEC", "LOC1")]
    assert stored["evses"][0]["status"] == "CHARGING"
    assert stored["last_updated"] == "2024-05-01T10:00:00Z"
    async with http.patch(url, json={"name": "x"}, headers=cpo_headers(registered)) as resp:
        assert resp.status == 200
        assert (await resp.json())["status_code"] == 2001
    assert any("last_updated" in v for v in emsp.schema_violations)
    call = await emsp.wait_for(module="locations", method="PATCH", status_code=2001)
    assert call.token_kind == "C" and call.routing is not None
    assert call.routing.from_party_id == "BEC"


async def test_cdr_post_answers_location(
    http: aiohttp.ClientSession, emsp: FakeEmsp, registered: str
) -> None:
    cdr = example("cdr_example")
    async with http.post(emsp.endpoint("cdrs"), json=cdr, headers=cpo_headers(registered)) as resp:
        assert resp.status == 200
        location = resp.headers["Location"]
    assert location == f"{emsp.endpoint('cdrs')}/{cdr['id']}"
    async with http.get(location, headers=cpo_headers(registered)) as resp:
        body = await resp.json()
    validate_response(body, "CDR")
    stored = emsp.find("cdrs", cdr["id"])
    assert stored is not None and stored["total_cost"]["excl_vat"] == Decimal(
        str(cdr["total_cost"]["excl_vat"])
    )
    emsp.assert_clean()


async def test_authorize_known_and_unknown_tokens(
    http: aiohttp.ClientSession, emsp: FakeEmsp, registered: str
) -> None:
    emsp.add_token("012345678")
    emsp.add_token("BLOCKED01", allowed="BLOCKED")
    base = emsp.endpoint("tokens")
    where = {"location_id": "LOC1", "evse_uids": ["3256"]}
    async with http.post(
        f"{base}/012345678/authorize?type=RFID", json=where, headers=cpo_headers(registered)
    ) as resp:
        body = await resp.json()
    validate_response(body, "AuthorizationInfo")
    info = body["data"]
    assert info["allowed"] == "ALLOWED" and info["location"] == where
    assert info["authorization_reference"]
    async with http.post(f"{base}/BLOCKED01/authorize", headers=cpo_headers(registered)) as resp:
        assert (await resp.json())["data"]["allowed"] == "BLOCKED"
    async with http.post(f"{base}/NOPE/authorize", headers=cpo_headers(registered)) as resp:
        assert resp.status == 404
        assert (await resp.json())["status_code"] == 2004
    async with http.get(base, params={"limit": "1"}, headers=cpo_headers(registered)) as resp:
        page = await resp.json()
        assert resp.headers["X-Total-Count"] == "2" and 'rel="next"' in resp.headers["Link"]
    validate_response(page, "Token", many=True)
    emsp.assert_clean()


async def test_failure_injection(
    http: aiohttp.ClientSession, emsp: FakeEmsp, registered: str
) -> None:
    tariff = example("tariff_1_simple_2hour")
    url = f"{emsp.endpoint('tariffs')}/{tariff['country_code']}/{tariff['party_id']}/{tariff['id']}"
    emsp.down = True
    async with http.put(url, json=tariff, headers=cpo_headers(registered)) as resp:
        assert resp.status == 503
    emsp.down = False
    emsp.reject_next(1)
    async with http.put(url, json=tariff, headers=cpo_headers(registered)) as resp:
        assert (await resp.json())["status_code"] == 2001
    async with http.put(url, json=tariff, headers=cpo_headers(registered)) as resp:
        assert resp.status == 201
    call = await emsp.wait_for(module="tariffs")  # skips the injected failures
    assert call.ok and [c.injected for c in emsp.calls("tariffs")] == ["down", "reject", None]
    assert emsp.find("tariffs", tariff["id"]) == tariff


async def test_down_can_drop_connections(
    http: aiohttp.ClientSession, emsp: FakeEmsp, registered: str
) -> None:
    emsp.down, emsp.down_mode = True, "close"
    with pytest.raises(aiohttp.ClientError):
        async with http.post(emsp.endpoint("cdrs"), json={}, headers=cpo_headers(registered)):
            pass


async def test_hub_requires_routing_headers(http: aiohttp.ClientSession, stub: StubCpo) -> None:
    async with FakeEmsp(hub=True) as hub:
        token = await cpo_registers(http, hub, stub)
        session = example("session_example_1_simple_start")
        url = f"{hub.endpoint('sessions')}/NL/STK/{session['id']}"
        async with http.put(url, json=session, headers=cpo_headers(token, routing=False)) as resp:
            assert (await resp.json())["status_code"] == 2001
        async with http.put(url, json=session, headers=cpo_headers(token)) as resp:
            assert resp.status == 201
        validate_object("Session", hub.sessions[("NL", "STK", session["id"])])
        assert hub.received[-1].routing == RoutingHeaders("BE", "BEC", "DE", "EMS")
