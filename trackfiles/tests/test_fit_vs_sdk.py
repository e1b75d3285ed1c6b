"""read_messages equals garmin_fit_sdk.Decoder (or fitdecode where the SDK refuses a file), field by field."""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import math
from pathlib import Path

import numpy as np
import pytest

from trackfiles.fit import read_messages
from trackfiles.fit.profile import FIT_EPOCH_S
from trackfiles.tests.corpus import corpus_file, corpus_params

pytestmark = pytest.mark.corpus

# The SDK options matching read_messages: scaled values, names for named types, sub-fields and components
# expanded; date_time fields compared as POSIX seconds; heart rates are not merged into records (read_messages
# keeps hr messages as they are).
SDK_OPTIONS = dict(
    apply_scale_and_offset=True,
    convert_datetimes_to_dates=True,
    convert_types_to_strings=True,
    enable_crc_check=True,
    expand_sub_fields=True,
    expand_components=True,
    merge_heart_rates=False,
)
# Base-type sentinels the SDK leaves in developer fields (it does not scrub them; read_messages gives NaN).
_DEV_INVALID = {
    0: 0xFF,
    1: 0x7F,
    2: 0xFF,
    3: 0x7FFF,
    4: 0xFFFF,
    5: 0x7FFFFFFF,
    6: 0xFFFFFFFF,
    10: 0,
    11: 0,
    12: 0,
}


def fit_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def sdk_messages(data: bytes):
    from garmin_fit_sdk import Decoder, Stream

    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read(**SDK_OPTIONS)
    return messages, errors


def _invalid(mine) -> bool:
    if mine is None:
        return True
    if isinstance(mine, float):
        return math.isnan(mine)
    if isinstance(mine, np.ndarray):
        return all(_invalid(x) for x in mine.tolist())
    return False


def _same(mine, theirs, where: str) -> None:
    """One value of ours against one value of the reference decoder."""
    if theirs is None:
        assert _invalid(mine), f"{where}: we have {mine!r}, the reference has no value"
        return
    if isinstance(theirs, dt.datetime):
        theirs = theirs.timestamp()
    if (
        isinstance(theirs, list)
        and len(theirs) > 1
        and not isinstance(mine, np.ndarray | list)
        and len(set(theirs)) == 1
    ):
        # A definition listing a field twice makes the SDK expand its components twice into a list of equal
        # values (applewatch-app-poolswim-2024.fit); we keep the one value.
        theirs = theirs[0]
    if isinstance(theirs, list | tuple):
        ours = (
            list(mine.tolist())
            if isinstance(mine, np.ndarray)
            else list(mine)
            if isinstance(mine, list)
            else [mine]
        )
        assert len(ours) >= len(theirs), f"{where}: we have {ours!r}, the reference {theirs!r}"
        for i, t in enumerate(theirs):
            _same(ours[i], t, f"{where}[{i}]")
        assert all(_invalid(x) for x in ours[len(theirs) :]), (
            f"{where}: extra elements {ours!r} vs {theirs!r}"
        )
        return
    if isinstance(
        mine, np.ndarray
    ):  # a scalar reference against an array column: first element, rest invalid
        return _same(mine.tolist(), [theirs], where)
    if isinstance(theirs, float) and math.isnan(theirs):
        assert _invalid(mine), f"{where}: we have {mine!r}, the reference NaN"
        return
    if isinstance(theirs, str) or isinstance(mine, str):
        assert mine == theirs, f"{where}: we have {mine!r}, the reference {theirs!r}"
        return
    assert isinstance(mine, int | float) and not isinstance(mine, bool), f"{where}: {mine!r} vs {theirs!r}"
    assert math.isclose(mine, theirs, rel_tol=1e-6, abs_tol=1e-9), (
        f"{where}: we have {mine!r}, the reference {theirs!r}"
    )


def _row(column: np.ndarray, i: int):
    value = column[i]
    return value.item() if isinstance(value, np.generic) else value


def _developer_names(sdk: dict) -> dict[int, tuple[list[str], dict]]:
    """SDK developer-field key -> (our candidate column names, its field_description message)."""
    out = {}
    for description in sdk.get("field_description_mesgs", []):
        name = description.get("field_name")
        index, number = description.get("developer_data_index"), description.get("field_definition_number")
        base = name or f"developer_{index}_{number}"
        out[description["key"]] = ([f"{base}_dev{index}_{number}", base], description)
    return out


def _developer_value(value, description: dict):
    base_type = description.get("fit_base_type_id")
    base_id = base_type if isinstance(base_type, int) else None
    invalid = _DEV_INVALID.get(base_id & 0x1F) if base_id is not None else None

    def one(v):
        if isinstance(v, str) or v is None:
            return v
        if invalid is not None and v == invalid:
            return None
        if description.get("scale"):
            v = v / description["scale"]
        if description.get("offset") is not None:
            v = v - description["offset"]
        return v

    if isinstance(value, list | tuple):
        converted = [one(v) for v in value]
        return None if all(v is None for v in converted) else converted
    return one(value)


def _valid_rows(column: np.ndarray) -> np.ndarray:
    """Which rows of one of our columns hold a value."""
    if column.dtype == object:
        return (
            np.array([not _invalid(v) for v in column.tolist()], dtype=bool)
            if column.ndim == 1
            else np.array([not _invalid(np.array(v, dtype=object)) for v in column], dtype=bool)
        )
    valid = ~np.isnan(column)
    return valid if valid.ndim == 1 else valid.any(axis=1)


def _compare_field(column: np.ndarray, expected: list, where: str) -> int:
    """Our column against the reference's values of that field (None where a message lacks it)."""
    present = np.array([v is not None for v in expected], dtype=bool)
    missing_but_ours = ~present & _valid_rows(column)
    assert not missing_but_ours.any(), (
        f"{where}[{int(np.argmax(missing_but_ours))}]: we have {column[np.argmax(missing_but_ours)]!r}, "
        "the reference has no value"
    )
    rows = np.flatnonzero(present)
    plain = column.dtype != object and column.ndim == 1
    if plain and all(
        isinstance(expected[i], int | float) and not isinstance(expected[i], bool) for i in rows
    ):
        theirs = np.array([float(expected[i]) for i in rows])
        ours = column[rows]
        same = np.isclose(ours, theirs, rtol=1e-6, atol=1e-9) | (np.isnan(ours) & np.isnan(theirs))
        assert same.all(), (
            f"{where}[{rows[~same][0]}]: we have {ours[~same][0]!r}, the reference {theirs[~same][0]!r}"
        )
        return len(rows)
    for i in rows:
        _same(_row(column, i), expected[i], f"{where}[{i}]")
    return len(rows)


def _column(expected: dict[str, list], name: str, count: int) -> list:
    if name not in expected:
        expected[name] = [None] * count
    return expected[name]


def assert_matches_sdk(ours: dict[str, dict[str, np.ndarray]], sdk: dict, *, prefix: bool = False) -> int:
    """Every SDK message and field equals ours; every value we have beyond the SDK's is invalid. Returns count.

    With `prefix`, the SDK stopped at damage we decode past: its messages must be the first of ours.
    """
    developer = _developer_names(sdk)
    checked = 0
    for key, messages in sdk.items():
        if not messages:
            continue
        name = key[: -len("_mesgs")] if key.endswith("_mesgs") else key
        assert name in ours, f"message {name} missing (we have {sorted(ours)})"
        columns = ours[name]
        for field, column in columns.items():
            if prefix:
                assert len(column) >= len(messages), (
                    f"{name}.{field}: {len(column)} rows, the SDK {len(messages)}"
                )
            else:
                assert len(column) == len(messages), (
                    f"{name}.{field}: {len(column)} rows, the SDK {len(messages)}"
                )
        if prefix:
            columns = {field: column[: len(messages)] for field, column in columns.items()}
        expected: dict[str, list] = {}
        for i, message in enumerate(messages):
            for field, value in message.items():
                if field == "developer_fields":
                    for dev_key, dev_value in value.items():
                        candidates, description = developer[dev_key]
                        column_name = next((c for c in candidates if c in columns), candidates[-1])
                        _column(expected, column_name, len(messages))[i] = _developer_value(
                            dev_value, description
                        )
                    continue
                if name == "field_description" and field == "key":
                    continue
                field_name = str(field)
                if name in _RAW_IN_SDK:
                    value = _named_as_profile(name, field_name, value)
                if isinstance(value, int) and _profile_type(name, field_name) == "local_date_time":
                    value += (
                        FIT_EPOCH_S  # the SDK leaves local times raw; ours are seconds on the POSIX scale
                    )
                _column(expected, field_name, len(messages))[i] = value
        for field_name, values in expected.items():
            assert field_name in columns, f"{name}: field {field_name} missing (we have {sorted(columns)})"
        for field_name, column in columns.items():
            checked += _compare_field(
                column, expected.get(field_name, [None] * len(messages)), f"{name}.{field_name}"
            )
    return checked


# The SDK leaves these two messages raw (it uses them to build its developer-field table); read_messages
# decodes them like every other message, so their enum-typed fields are compared through the profile's names.
_RAW_IN_SDK = {"field_description", "developer_data_id"}


@functools.cache
def _profile_type(message: str, field: str) -> str | None:
    from garmin_fit_sdk.profile import Profile

    number = Profile["mesg_num"].get(message.upper())
    if number is None:
        return None
    profile = next((f for f in Profile["messages"][number]["fields"].values() if f["name"] == field), None)
    return profile["type"] if profile else None


def _named_as_profile(message: str, field: str, value):
    from garmin_fit_sdk.profile import Profile

    names = Profile["types"].get(_profile_type(message, field) or "")
    return names.get(value, value) if names and isinstance(value, int) else value


def _sdk_readable() -> list:
    return corpus_params("fit", ".fit", ".fit.gz")


@pytest.mark.parametrize("path", _sdk_readable())
def test_read_messages_equals_garmin_sdk(path):
    data = fit_bytes(corpus_file(path))
    sdk, errors = sdk_messages(data)
    if errors and "Compressed timestamp" in str(errors[0]):
        pytest.skip(f"the SDK refuses this file ({errors[0]}); compared with fitdecode instead")
    # Real writer bug (strava-android-app): a data message of an undefined local type. The SDK stops there,
    # we skip the damage and go on; everything the SDK decoded before it must be ours too.
    prefix = bool(errors) and "Invalid local message number" in str(errors[0])
    assert not errors or prefix, f"the SDK fails on a clean corpus file: {errors[0]}"
    if prefix:
        # The record just before the damage was written one byte short, so it swallowed the next header;
        # we drop it (its timestamp is garbage), the SDK keeps it as its last record.
        sdk["record_mesgs"] = sdk["record_mesgs"][:-1]
    assert assert_matches_sdk(read_messages(data), sdk, prefix=prefix) > 0


def fitdecode_messages(data: bytes) -> dict[str, list[dict]]:
    import fitdecode

    out: dict[str, list[dict]] = {}
    with fitdecode.FitReader(data, check_crc=fitdecode.CrcCheck.RAISE) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage):
                out.setdefault(frame.name, []).append({f.name: f.value for f in frame.fields})
    return out


def assert_matches_fitdecode(ours: dict[str, dict[str, np.ndarray]], theirs: dict[str, list[dict]]) -> int:
    """Every fitdecode value equals ours (fitdecode leaves computed compressed timestamps as raw FIT seconds)."""
    checked = 0
    for name, messages in theirs.items():
        name = name.removeprefix("unknown_")
        assert name in ours, f"message {name} missing (we have {sorted(ours)})"
        columns = ours[name]
        for i, message in enumerate(messages):
            for field, value in message.items():
                field = field.removeprefix("unknown_")
                assert field in columns, f"{name}[{i}]: field {field} missing (we have {sorted(columns)})"
                assert len(columns[field]) == len(messages)
                if isinstance(value, int) and _profile_type(name, field) in ("date_time", "local_date_time"):
                    value += FIT_EPOCH_S  # fitdecode leaves computed and pre-1990 (system) times raw
                _same(_row(columns[field], i), value, f"{name}[{i}].{field}")
                checked += 1
    return checked


@pytest.mark.parametrize("path", _sdk_readable())
def test_read_messages_equals_fitdecode_where_the_sdk_refuses(path):
    data = fit_bytes(corpus_file(path))
    _, errors = sdk_messages(data)
    if not errors:
        pytest.skip("the SDK reads this file; compared with the SDK")
    if "Compressed timestamp" not in str(errors[0]):
        pytest.skip(f"compared with the SDK's partial result ({errors[0]})")
    assert assert_matches_fitdecode(read_messages(data), fitdecode_messages(data)) > 0
