"""Reading BioXen's own data files (chassis profiles, parts libraries): YAML checked by a schema.

Every number in them is a value with units and the source it was read from.
"""
from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from ruamel.yaml import YAML

from bioxen.errors import BioxenError, at
from bioxen.rules import Quantity


class SourcedQuantity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: float
    units: str
    source: str = Field(min_length=1)


def quantities(raw: dict[str, SourcedQuantity]) -> dict[str, Quantity]:
    return {key: Quantity(q.value, q.units, q.source) for key, q in raw.items()}


def read_data_file(path: Path, schema: type[BaseModel], error: type[BioxenError], what: str):
    """Validate one data file; return the parsed model and the raw bytes (for hashing)."""
    raw = path.read_bytes()
    try:
        return schema.model_validate(YAML(typ="safe").load(raw)), raw
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"])) or what
        raise error(f"invalid {what}: {where}: {first['msg']}", at(path)) from None
