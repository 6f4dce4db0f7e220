"""Message parts shared by several OICP operations.

StatusCode, eRoamingAcknowledgement, Identification (and its variants), InfoText,
ActionType and the opening-time period types.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from oicp.models.base import (
    EvcoIdStr,
    OicpDateTime,
    OicpModel,
    PartnerSessionIdStr,
    SessionIdStr,
    UidStr,
)

__all__ = [
    "Acknowledgement",
    "ActionType",
    "HashedPin",
    "Identification",
    "InfoText",
    "LegacyHashData",
    "Period",
    "PlugAndChargeIdentification",
    "QRCodeIdentification",
    "RFIDIdentification",
    "RFIDMifareFamilyIdentification",
    "RemoteIdentification",
    "StatusCode",
    "Weekday",
]

_LANG = r"^[a-z]{2,3}(?:-[A-Z]{2,3}(?:-[a-zA-Z]{4})?)?(?:-x-[a-zA-Z0-9]{1,8})?$"
_HASH_VALUE = r"^[0-9A-Za-z\\.+/=\\$]{10,100}$"  # verbatim from the OpenAPI
_HHMM = r"^[0-9]{2}:[0-9]{2}$"


class ActionType(StrEnum):
    """How a push changes Hubject's data set."""

    FULL_LOAD = "fullLoad"
    UPDATE = "update"
    INSERT = "insert"
    DELETE = "delete"


class StatusCode(OicpModel):
    """StatusCode {Code, Description, AdditionalInfo}; ``Code`` keeps its leading zeros."""

    code: str = Field(alias="Code", pattern=r"^[0-9]{3}$")
    description: str | None = Field(default=None, alias="Description", max_length=200)
    additional_info: str | None = Field(default=None, alias="AdditionalInfo", max_length=1000)


class Acknowledgement(OicpModel):
    """eRoamingAcknowledgement: the answer to pushes, CDRs, notifications, remote calls."""

    result: bool = Field(alias="Result")
    status_code: StatusCode = Field(alias="StatusCode")
    session_id: SessionIdStr | None = Field(default=None, alias="SessionID")
    cpo_partner_session_id: PartnerSessionIdStr | None = Field(
        default=None, alias="CPOPartnerSessionID"
    )
    emp_partner_session_id: PartnerSessionIdStr | None = Field(
        default=None, alias="EMPPartnerSessionID"
    )


class InfoText(OicpModel):
    """InfoTextType {lang, value}."""

    lang: str = Field(alias="lang", pattern=_LANG)
    value: str = Field(alias="value", max_length=150)


class RFIDMifareFamilyIdentification(OicpModel):
    """RFID card UID (upper-case hex, 4, 7 or 10 bytes); the variant for authorization."""

    uid: UidStr = Field(alias="UID")


class RFIDType(StrEnum):
    """RFID card technology of :class:`RFIDIdentification`."""

    MIFARE_CLS = "mifareCls"
    MIFARE_DES = "mifareDes"
    CALYPSO = "calypso"
    NFC = "nfc"
    MIFARE_FAMILY = "mifareFamily"


class RFIDIdentification(OicpModel):
    """RFID card with details (authentication data only, never in eRoamingAuthorization)."""

    uid: UidStr = Field(alias="UID")
    rfid: RFIDType = Field(alias="RFID")
    evco_id: EvcoIdStr | None = Field(default=None, alias="EvcoID")
    printed_number: str | None = Field(default=None, alias="PrintedNumber", max_length=150)
    expiry_date: OicpDateTime | None = Field(default=None, alias="ExpiryDate")


class LegacyHashData(OicpModel):
    """Legacy PIN hash (MD5/SHA-1) of a HashedPIN."""

    function: str = Field(alias="Function", pattern=r"^(MD5|SHA-1)$")
    salt: str | None = Field(default=None, alias="Salt", max_length=100)
    value: str | None = Field(default=None, alias="Value", max_length=20)


class HashedPin(OicpModel):
    """HashedPIN {Value, Function=Bcrypt, LegacyHashData}."""

    value: str = Field(alias="Value", pattern=_HASH_VALUE)
    function: str = Field(alias="Function", pattern=r"^Bcrypt$")
    legacy_hash_data: LegacyHashData | None = Field(default=None, alias="LegacyHashData")


class QRCodeIdentification(OicpModel):
    """QR code: EvcoID with a plain PIN (authorization) or a HashedPIN (auth data)."""

    evco_id: EvcoIdStr = Field(alias="EvcoID")
    pin: str | None = Field(default=None, alias="PIN", max_length=20)
    hashed_pin: HashedPin | None = Field(default=None, alias="HashedPIN")


class PlugAndChargeIdentification(OicpModel):
    """ISO 15118 Plug&Charge contract."""

    evco_id: EvcoIdStr = Field(alias="EvcoID")


class RemoteIdentification(OicpModel):
    """The contract behind a remote start (the only variant in remote processes)."""

    evco_id: EvcoIdStr = Field(alias="EvcoID")


class Identification(OicpModel):
    """IdentificationType: one of the variants (unused ones absent or ``null``).

    The spec says exactly one; Hubject's own examples fill several, so parsing requires at
    least one and :attr:`variant` names the first present in spec order.
    """

    rfid_mifare_family: RFIDMifareFamilyIdentification | None = Field(
        default=None, alias="RFIDMifareFamilyIdentification"
    )
    rfid: RFIDIdentification | None = Field(default=None, alias="RFIDIdentification")
    qr_code: QRCodeIdentification | None = Field(default=None, alias="QRCodeIdentification")
    plug_and_charge: PlugAndChargeIdentification | None = Field(
        default=None, alias="PlugAndChargeIdentification"
    )
    remote: RemoteIdentification | None = Field(default=None, alias="RemoteIdentification")

    @model_validator(mode="after")
    def _at_least_one(self) -> Identification:
        if self.variant is None:
            raise ValueError("Identification needs one identification variant")
        return self

    @property
    def variant(self) -> str | None:
        """Alias of the first variant present, ``None`` when empty."""
        for name, info in type(self).model_fields.items():
            if getattr(self, name) is not None:
                return info.alias
        return None

    @property
    def evco_id(self) -> str | None:
        """The contract id carried by the identification, if any."""
        for part in (self.remote, self.plug_and_charge, self.qr_code, self.rfid):
            if part is not None and part.evco_id is not None:
                return part.evco_id
        return None

    @property
    def uid(self) -> str | None:
        """The RFID UID carried by the identification, if any."""
        if self.rfid_mifare_family is not None:
            return self.rfid_mifare_family.uid
        return self.rfid.uid if self.rfid is not None else None

    @classmethod
    def of_uid(cls, uid: str) -> Identification:
        """RFIDMifareFamilyIdentification of a card UID (upper-cased)."""
        return cls(rfid_mifare_family=RFIDMifareFamilyIdentification(uid=uid))

    @classmethod
    def of_remote(cls, evco_id: str) -> Identification:
        """RemoteIdentification of a contract id."""
        return cls(remote=RemoteIdentification(evco_id=evco_id))


class Weekday(StrEnum):
    """``on`` of an opening time or availability period."""

    EVERYDAY = "Everyday"
    WORKDAYS = "Workdays"
    WEEKEND = "Weekend"
    MONDAY = "Monday"
    TUESDAY = "Tuesday"
    WEDNESDAY = "Wednesday"
    THURSDAY = "Thursday"
    FRIDAY = "Friday"
    SATURDAY = "Saturday"
    SUNDAY = "Sunday"


class Period(OicpModel):
    """A time window ``begin``-``end`` (``hh:mm``)."""

    begin: str = Field(alias="begin", pattern=_HHMM)
    end: str = Field(alias="end", pattern=_HHMM)
