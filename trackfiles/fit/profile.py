"""What the FIT profile of `garmin_fit_sdk` says, reshaped for column-wise decoding.

Nothing here is copied from the profile: message and field names, types, scales, offsets, components and
sub-fields are read from `garmin_fit_sdk.profile.Profile`, base types from `garmin_fit_sdk.fit`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from garmin_fit_sdk import fit as sdk_fit
from garmin_fit_sdk.profile import Profile

FIT_EPOCH_S = 631065600  # 1989-12-31T00:00:00Z, the zero of FIT date_time values
TIMESTAMP_FIELD = 253
MESG_FIELD_DESCRIPTION = Profile["mesg_num"]["FIELD_DESCRIPTION"]
MESG_DEVELOPER_DATA_ID = Profile["mesg_num"]["DEVELOPER_DATA_ID"]

BASE_TYPE_BYTE = sdk_fit.BASE_TYPE["BYTE"]
BASE_TYPE_STRING = sdk_fit.BASE_TYPE["STRING"]
BASE_TYPE_UINT8 = sdk_fit.BASE_TYPE["UINT8"]
BASE_TYPE_MASK = sdk_fit.BASE_TYPE_MASK

_NUMPY_CODE = {
    "B": "u1",
    "b": "i1",
    "H": "u2",
    "h": "i2",
    "I": "u4",
    "i": "i4",
    "Q": "u8",
    "q": "i8",
    "f": "f4",
    "d": "f8",
}
NUMERIC_FIELD_TYPES = frozenset(sdk_fit.NUMERIC_FIELD_TYPES)
TIME_TYPES = frozenset(("date_time", "local_date_time"))


@dataclass(frozen=True)
class BaseType:
    """One FIT base type: its size, the numpy code of its element, and its invalid sentinel."""

    id: int
    size: int
    code: str  # numpy dtype code without byte order, "S" for strings
    invalid: int
    is_float: bool

    def dtype(self, big_endian: bool) -> np.dtype:
        if self.code == "S":
            return np.dtype("S1")
        return np.dtype((">" if big_endian else "<") + self.code)


def _base_types() -> dict[int, BaseType]:
    out = {}
    for type_id, d in sdk_fit.BASE_TYPE_DEFINITIONS.items():
        code = "S" if d["type_code"] == "s" else _NUMPY_CODE[d["type_code"]]
        out[type_id] = BaseType(type_id, d["size"], code, d["invalid"], code.startswith("f"))
    return out


BASE_TYPES = _base_types()
BASE_TYPE_BY_NAME = {name: BASE_TYPES[num] for name, num in sdk_fit.FIELD_TYPE_TO_BASE_TYPE.items()}


def message_profile(global_num: int) -> dict[str, Any] | None:
    return Profile["messages"].get(global_num)


def message_name(global_num: int) -> str:
    profile = Profile["messages"].get(global_num)
    return profile["name"] if profile else str(global_num)


@cache
def type_names(field_type: str) -> dict[int, str] | None:
    """Value -> name of a named profile type (enums, manufacturer, ...); None for plain numeric types."""
    if field_type in TIME_TYPES:
        return None
    names = Profile["types"].get(field_type)
    return names if names else None


def component_invalid(target_profile: dict[str, Any]) -> int:
    """Invalid raw value of a component's target field; as the SDK decides it, 0xFF for named types."""
    base = BASE_TYPE_BY_NAME.get(target_profile["type"])
    return base.invalid if base is not None else 0xFF
