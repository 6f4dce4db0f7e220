"""How the outbox judges Hubject's answers (gateway.oicp_wiring.oicp_classifier)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gateway.oicp_wiring import oicp_classifier
from gateway.outbox import DeliveryResponse


def ack(result: bool, code: str, description: str = "x") -> str:
    return json.dumps({"Result": result, "StatusCode": {"Code": code,
                                                        "Description": description}})


@pytest.mark.parametrize(("response", "action", "in_reason"), [
    (DeliveryResponse(200, body=ack(True, "000")), "delivered", None),
    (DeliveryResponse(200, body=ack(False, "022", "Data error")), "failed", "022 Data error"),
    (DeliveryResponse(200, body=ack(False, "018", "Inconsistent EvseID")), "failed", "018"),
    (DeliveryResponse(200, body=ack(False, "400", "Session is invalid")), "failed", "400"),
    (DeliveryResponse(200, body=ack(False, "001", "Hubject system error")), "retry", "001"),
    (DeliveryResponse(200, body=ack(False, "320", "Service not available")), "retry", "320"),
    (DeliveryResponse(200, body="<html>ok</html>"), "failed", "not an eRoamingAcknowledgement"),
    (DeliveryResponse(400, body='{"message":"Error parsing/validating JSON."}'), "failed",
     "validating JSON"),
    (DeliveryResponse(500, body="boom"), "retry", "HTTP 500"),
    (DeliveryResponse(None, error="ClientConnectorError: refused"), "retry", "refused"),
    (DeliveryResponse(None, error="credentials unavailable: NoRemoteAccessCertificate"),
     "retry", "no remote access certificate"),
])
def test_verdicts(response: DeliveryResponse, action: str, in_reason: str | None) -> None:
    verdict = oicp_classifier(response)
    assert verdict.action == action
    if in_reason is not None:
        assert verdict.reason is not None and in_reason in verdict.reason


@pytest.mark.parametrize(("headers", "retry_after"), [({"Retry-After": "30"}, 30.0),
                                                      ({}, None)])
def test_rate_limited(headers: dict[str, Any], retry_after: float | None) -> None:
    verdict = oicp_classifier(DeliveryResponse(429, headers=headers, body="slow down"))
    assert (verdict.action, verdict.retry_after, verdict.partner_wide) == (
        "retry", retry_after, True)
