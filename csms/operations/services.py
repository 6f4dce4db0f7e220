"""The operations' services, built together from their ports (composition helper)."""

from __future__ import annotations

from dataclasses import dataclass

from csms.charging.control import ChargerControl
from csms.charging.ports import CsmsUnitOfWork
from csms.clock import Clock
from csms.operations.access import StationAccess
from csms.operations.charging_profiles import ChargingProfiles
from csms.operations.inbound import OperationsInbound
from csms.operations.local_lists import LocalLists
from csms.operations.on_connect import ConnectActions
from csms.operations.ports import OperationsUnitOfWork
from csms.operations.reservations import Reservations, StationLock
from csms.operations.station_ops import StationOperations
from csms.operations.template_service import ConfigurationTemplates


@dataclass(frozen=True)
class OperationsServices:
    access: StationAccess
    stations: StationOperations
    local_lists: LocalLists
    reservations: Reservations
    profiles: ChargingProfiles
    templates: ConfigurationTemplates
    on_connect: ConnectActions
    inbound: OperationsInbound


def build_operations(csms_uow: CsmsUnitOfWork, uow: OperationsUnitOfWork,
                     control: ChargerControl | None, clock: Clock,
                     call_timeout: float | None = None,
                     station_lock: StationLock | None = None) -> OperationsServices:
    access = StationAccess(csms_uow, control, call_timeout)
    stations = StationOperations(access, uow, clock)
    reservations = Reservations(access, uow, csms_uow, clock, station_lock)
    profiles = ChargingProfiles(access, uow, clock)
    templates = ConfigurationTemplates(access, uow, clock)
    return OperationsServices(
        access=access, stations=stations, local_lists=LocalLists(access, uow, clock),
        reservations=reservations, profiles=profiles, templates=templates,
        on_connect=ConnectActions(access, uow, templates, profiles),
        inbound=OperationsInbound(stations, reservations))
