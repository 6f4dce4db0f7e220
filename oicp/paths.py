"""Request paths of the operations a CPO sends to Hubject (OICP 2.3, CPO OpenAPI ``paths``).

Every operation is a ``POST`` to the platform's base URL (``https://service.hubject.com/
api/oicp``) plus the path below.  ``{operatorID}`` is the hub operator's own OperatorID
(``SI*TRI``): Hubject compares it with the client certificate and answers 017 otherwise.
The ``*`` stays raw in the path, as Hubject writes it in its own examples.
"""

from __future__ import annotations

from enum import StrEnum

from oicp.ids import validate_operator_id

__all__ = ["Operation", "operation_path", "operation_url"]


class Operation(StrEnum):
    """A CPO -> Hubject operation, valued by its path template."""

    PUSH_EVSE_DATA = "/evsepush/v23/operators/{operatorID}/data-records"
    PUSH_EVSE_STATUS = "/evsepush/v21/operators/{operatorID}/status-records"
    AUTHORIZE_START = "/charging/v21/operators/{operatorID}/authorize/start"
    AUTHORIZE_STOP = "/charging/v21/operators/{operatorID}/authorize/stop"
    CHARGE_DETAIL_RECORD = "/cdrmgmt/v22/operators/{operatorID}/charge-detail-record"
    PUSH_PRICING_PRODUCT_DATA = "/dynamicpricing/v10/operators/{operatorID}/pricing-products"
    PUSH_EVSE_PRICING = "/dynamicpricing/v10/operators/{operatorID}/evse-pricing"
    CHARGING_NOTIFICATIONS = "/notificationmgmt/v11/charging-notifications"


def operation_path(operation: Operation, operator_id: str) -> str:
    """The path of ``operation`` for ``operator_id`` (validated and upper-cased)."""
    return operation.value.replace("{operatorID}", validate_operator_id(operator_id))


def operation_url(base_url: str, operation: Operation, operator_id: str) -> str:
    """The full URL: the platform's base API URL (trailing ``/`` ignored) plus the path."""
    return base_url.rstrip("/") + operation_path(operation, operator_id)
