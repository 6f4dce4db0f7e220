"""How the outbox judges Hubject's answers (gateway.oicp_wiring.oicp_classifier)."""

from __future__ import annotations

import json
import ssl
from typing import Any

import pytest

from gateway.oicp_wiring import HubjectClient, oicp_classifier
from gateway.outbox import DeliveryResponse
from gateway.secrets import SecretDecryptionError
from oicp.authorize import HubjectUnavailable, authorize_start_request, identification_for_token
from oicp.authorizer import OicpTarget
from pki.errors import TlsConfigError


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


class _BrokenContexts:
    def __init__(self, error: Exception) -> None:
        self.error = error

    async def platform_client_context(self, platform_code: str) -> ssl.SSLContext | None:
        raise self.error


@pytest.mark.parametrize("error", [
    SecretDecryptionError("stored key unreadable"),
    TlsConfigError("certificate/key rejected by ssl"),
])
async def test_authorize_start_without_a_usable_context_is_unavailable(error: Exception
                                                                       ) -> None:
    # The OICP authorizer turns HubjectUnavailable into "ask the next platform"; any other
    # exception would escape the authorizer chain and fail the charger's Authorize.
    identification = identification_for_token("044a2daa856280", None)
    assert identification is not None
    target = OicpTarget("HUB", 1, "DE*EVG", "https://hubject.example", None, "DE*EVG*E1")
    request = authorize_start_request("DE*EVG", identification)
    with pytest.raises(HubjectUnavailable, match=type(error).__name__):
        await HubjectClient(_BrokenContexts(error)).authorize_start(target, request)
