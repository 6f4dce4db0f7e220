"""Authorization outcomes as OCPP status strings, per version. Pure."""

from __future__ import annotations

from csms.authorization import AuthorizationDecision, AuthorizationStatus

_V16 = {
    AuthorizationStatus.ACCEPTED: "Accepted", AuthorizationStatus.BLOCKED: "Blocked",
    AuthorizationStatus.EXPIRED: "Expired", AuthorizationStatus.INVALID: "Invalid",
    AuthorizationStatus.CONCURRENT_TX: "ConcurrentTx", AuthorizationStatus.NO_CREDIT: "Blocked",
    AuthorizationStatus.UNKNOWN: "Invalid",
}
_V201 = {
    AuthorizationStatus.ACCEPTED: "Accepted", AuthorizationStatus.BLOCKED: "Blocked",
    AuthorizationStatus.EXPIRED: "Expired", AuthorizationStatus.INVALID: "Invalid",
    AuthorizationStatus.CONCURRENT_TX: "ConcurrentTx",
    AuthorizationStatus.NO_CREDIT: "NoCredit", AuthorizationStatus.UNKNOWN: "Unknown",
}


def id_tag_info(decision: AuthorizationDecision) -> dict[str, str]:
    return {"status": _V16[decision.status]}


def id_token_info(decision: AuthorizationDecision) -> dict[str, str]:
    return {"status": _V201[decision.status]}
