"""What a partner sees of the network: our location trees mapped to OCPI Locations.

One place decides which areas are exposable, so the pull routes, the pushes and the
reconciling publisher cannot disagree about what a partner has.
"""

from __future__ import annotations

from collections.abc import Iterable

from ocpi.mapping import cdr_location_for, location_for
from ocpi.mapping.views import Party
from ocpi.models import CdrLocation, Location
from ocpi.ports import LocationTree, NetworkQueries, PlatformRecord


def exposed_location(tree: LocationTree, party: Party) -> Location | None:
    """The Location ``party`` publishes for ``tree``; None when the area is not exposable
    (no phone, no coordinates …) and so stays out of roaming."""
    try:
        return location_for(tree.area, tree.chargers, party, related_areas=tree.related)
    except ValueError:
        return None


async def exposed_locations(network: NetworkQueries, platform: PlatformRecord
                            ) -> list[Location]:
    """Every exposable Location with at least one EVSE, in the network's order."""
    out = []
    for tree in await network.location_trees(platform.code):
        location = exposed_location(tree, platform.party)
        if location is not None and location.evses:
            out.append(location)
    return out


def cdr_location(locations: Iterable[Location], location_id: str, evse_uid: str
                 ) -> CdrLocation | None:
    """The CdrLocation of an EVSE among the exposed ``locations``; None when it is gone."""
    for location in locations:
        if location.id != location_id:
            continue
        for evse in location.evses or []:
            if evse.uid == evse_uid and evse.connectors:
                return cdr_location_for(location, evse, evse.connectors[0])
    return None
