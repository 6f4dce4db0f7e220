"""Configuration templates: which apply to a station, in which order, in which batches.
Pure.

All templates assigned to the station or to its area (or a parent area) that are valid
now, match the station's OCPP protocol (when they name one) and its operator (when they
name one) apply, highest priority first. Each template's settings go out in batches of
its batch size; a setting tied to a charger or connector applies only where that charger
or connector exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, model_validator

from csms.network.schemas import Strict
from csms.network.types import Code, Name


class TemplateSetting(Strict):
    parameter: Annotated[str, Field(min_length=1, max_length=110, description=(
        "Readable parameter name or a raw 1.6 key / 2.0.1 Component.Variable"))]
    value: Annotated[str, Field(max_length=500)]
    charger: Code | None = None
    connector: Code | None = None

    @model_validator(mode="after")
    def _connector_needs_charger(self) -> TemplateSetting:
        if self.connector is not None and self.charger is None:
            raise ValueError("a connector relation needs its charger")
        return self


class ConfigurationTemplateSpec(Strict):
    code: Code
    name: Name
    description: Annotated[str, Field(max_length=2000)] | None = None
    valid_from: AwareDatetime | None = None
    valid_to: AwareDatetime | None = None
    priority: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    ocpp_protocol: Literal["1.6", "2.0.1"] | None = None
    batch_size: Annotated[int, Field(ge=1, le=100)] = 10
    operator: Code | None = None
    settings: list[TemplateSetting] = Field(min_length=1, max_length=500)
    areas: list[Code] = Field(default_factory=list)
    stations: list[Code] = Field(default_factory=list)

    @model_validator(mode="after")
    def _window(self) -> ConfigurationTemplateSpec:
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from")
        return self


@dataclass(frozen=True)
class Batch:
    template: str
    number: int  # 1-based across the whole run
    settings: tuple[TemplateSetting, ...]


def applicable(templates: Sequence[ConfigurationTemplateSpec], *, protocol: str,
               operator: str | None, now: datetime) -> list[ConfigurationTemplateSpec]:
    """Valid templates for the station, highest priority first (code breaks ties)."""
    chosen = [
        t for t in templates
        if (t.valid_from is None or t.valid_from <= now)
        and (t.valid_to is None or now < t.valid_to)
        and (t.ocpp_protocol is None or t.ocpp_protocol == protocol)
        and (t.operator is None or t.operator == operator)
    ]
    return sorted(chosen, key=lambda t: (-t.priority, t.code))


def batches(templates: Sequence[ConfigurationTemplateSpec]) -> list[Batch]:
    """Each template's settings cut into batches of its size, in template order."""
    result: list[Batch] = []
    for template in templates:
        settings = template.settings
        for start in range(0, len(settings), template.batch_size):
            result.append(Batch(template.code, len(result) + 1,
                                tuple(settings[start:start + template.batch_size])))
    return result
