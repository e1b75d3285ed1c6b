"""read_messages equals garmin_fit_sdk.Decoder (or fitdecode where the SDK refuses a file), field by field."""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import io
import math
import re
import struct
from pathlib import Path

import numpy as np
import pytest

from trackfiles.fit import read_messages
from trackfiles.fit.profile import FIT_EPOCH_S
from trackfiles.fit.reader import decode_messages
from trackfiles.tests.corpus import corpus_file, corpus_params, require_corpus

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


def repeated_fields(data: bytes) -> dict[tuple[str, int], dict[int, int]]:
    """(message name, row) -> {field number: times its definition lists it}, for rows whose definition
    lists a field more than once (applewatch-app-poolswim-2024.fit does, for lap speeds)."""
    from garmin_fit_sdk.profile import Profile

    from trackfiles.fit.scan import scan

    names = {number: name.lower() for name, number in Profile["mesg_num"].items()}
    scanned = scan(data, strict=False)
    rows: dict[int, int] = {}
    out: dict[tuple[str, int], dict[int, int]] = {}
    for def_id in scanned.def_ids.tolist():
        definition = scanned.definitions[def_id]
        row = rows.get(definition.global_num, 0)
        rows[definition.global_num] = row + 1
        numbers = [number for number, _, _ in definition.fields]
        repeated = {n: numbers.count(n) for n in set(numbers) if numbers.count(n) > 1}
        if repeated:
            out[(names.get(definition.global_num, str(definition.global_num)), row)] = repeated
    return out


def _component_targets(message: str, field_number: int) -> list[str]:
    from garmin_fit_sdk.profile import Profile

    number = Profile["mesg_num"].get(message.upper())
    fields = Profile["messages"][number]["fields"] if number is not None else {}
    profile = fields.get(field_number) or {}
    return [fields[t]["name"] for t in profile.get("components") or [] if t in fields]


def _explained_repeat(message: str, field: str, value, repeated: dict[int, int]):
    """The SDK expands a component once per listing of its source field, all from the source's final value,
    so a field listed twice gives [v, v] where the file holds one value v (the last listing wins, as in the
    SDK's own source field). Only that case is unwrapped: any other list is compared element by element."""
    if not isinstance(value, list) or len(set(map(repr, value))) != 1:
        return value
    for number, times in repeated.items():
        if field in _component_targets(message, number) and len(value) == times:
            return value[0]
    return value


def assert_matches_sdk(
    ours: dict[str, dict[str, np.ndarray]],
    sdk: dict,
    *,
    prefix: bool = False,
    repeated: dict[tuple[str, int], dict[int, int]] | None = None,
) -> int:
    """Every SDK message and field equals ours; every value we have beyond the SDK's is invalid, and every
    message of ours with a value is one the SDK reports too. Returns the number of values compared.

    With `prefix`, the SDK stopped at damage we decode past: its messages must be the first of ours.
    `repeated` (from `repeated_fields`) names the rows whose definition lists a field twice.
    """
    developer = _developer_names(sdk)
    repeated = repeated or {}
    checked = 0
    reported = {key[: -len("_mesgs")] if key.endswith("_mesgs") else key for key, m in sdk.items() if m}
    for name, columns in ours.items():
        if name not in reported:
            assert not any(_valid_rows(column).any() for column in columns.values()), (
                f"message {name}: we decode values the SDK does not report"
            )
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
                if (name, i) in repeated:
                    value = _explained_repeat(name, field_name, value, repeated[(name, i)])
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
    # we skip the damage and go on; everything the SDK decoded before it must be ours too (the records after
    # it are checked by test_salvage_after_short_records_equals_the_sdk_on_the_repaired_file).
    prefix = bool(errors) and "Invalid local message number" in str(errors[0])
    assert not errors or prefix, f"the SDK fails on a clean corpus file: {errors[0]}"
    if prefix:
        # The record just before the damage was written one byte short, so it swallowed the next header;
        # we drop it (its timestamp is garbage), the SDK keeps it as its last record.
        sdk["record_mesgs"] = sdk["record_mesgs"][:-1]
    checked = assert_matches_sdk(read_messages(data), sdk, prefix=prefix, repeated=repeated_fields(data))
    assert checked > 0


_SHORT_RECORD = re.compile(
    r"the record at byte (\d+) was written (\d+) byte\(s\) short and is dropped, decoding goes on at byte (\d+)"
)
_CUT_RECORD = re.compile(r"record at byte (\d+) is cut off")


def repaired_fit(data: bytes) -> tuple[bytes, int]:
    """The file as it should have been written: each record our salvage dropped as written short is cut out,
    a record cut off by the end of the file too, and the header's data size and both CRCs made right.

    Only byte ranges come from our warnings; whether the rest then reads as a valid FIT file, and what it
    holds, is for the reference decoders to say. Returns the bytes and how many records were cut out.
    """
    from trackfiles.decode import decode
    from trackfiles.fit.scan import crc16

    warnings = decode(data, filename="x.fit").warnings
    cuts = [(int(m[1]), int(m[3])) for w in warnings for m in [_SHORT_RECORD.search(w)] if m]
    ends = [int(m[1]) for w in warnings for m in [_CUT_RECORD.search(w)] if m]
    header_size = data[0]
    body = bytearray(data[header_size : min(ends) if ends else len(data) - 2])
    for start, restart in sorted(cuts, reverse=True):
        del body[start - header_size : restart - header_size]
    header = bytearray(data[:header_size])
    header[4:8] = struct.pack("<I", len(body))
    if header_size == 14:
        header[12:14] = struct.pack("<H", crc16(bytes(header[:12])))
    fixed = bytes(header) + bytes(body)
    return fixed + struct.pack("<H", crc16(fixed)), len(cuts) + len(ends)


STRAVA_ANDROID = "strava-android-app-201.10-b1218918.fit"


def test_salvage_after_short_records_equals_the_sdk_on_the_repaired_file():
    """Every record after each damage point, not only those before the first, is what the SDK reads from the
    file with the short records cut out: salvage loses nothing else and misplaces nothing."""
    data = fit_bytes(require_corpus() / "fit" / STRAVA_ANDROID)
    repaired, cut = repaired_fit(data)
    assert cut >= 20  # every short record the salvage reported, and the record cut off at the end
    sdk, errors = sdk_messages(repaired)
    assert not errors, f"the repaired file is still not valid FIT: {errors[0]}"
    ours = read_messages(data)
    assert len(ours["record"]["timestamp"]) == len(sdk["record_mesgs"]) > 5000
    assert assert_matches_sdk(ours, sdk, repeated=repeated_fields(data)) > 0
    # and salvage of the original equals a clean decode of the repaired file, field by field
    clean = read_messages(repaired)
    assert clean.keys() == ours.keys()
    for name, columns in clean.items():
        assert columns.keys() == ours[name].keys(), name
        for field, column in columns.items():
            np.testing.assert_array_equal(ours[name][field], column, err_msg=f"{name}.{field}")


def fitdecode_messages(data: bytes) -> tuple[dict[str, list[dict]], Exception | None]:
    """fitdecode's messages, and the error it stopped at (None when it read the whole file).

    Its file CRC check only warns, so a bad checksum still gives every record; what it decoded before an
    error is complete records, the prefix ours must start with.
    """
    import warnings

    import fitdecode

    out: dict[str, list[dict]] = {}
    error = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with fitdecode.FitReader(data, check_crc=fitdecode.CrcCheck.WARN) as reader:
                for frame in reader:
                    if isinstance(frame, fitdecode.FitDataMessage):
                        out.setdefault(frame.name, []).append({f.name: f.value for f in frame.fields})
        except Exception as exc:  # fitdecode's FitEOFError, FitParseError, ...
            error = exc
    return out, error


def _profile_field(message: str, field: str) -> dict | None:
    from garmin_fit_sdk.profile import Profile

    number = Profile["mesg_num"].get(message.upper())
    if number is None:
        return None
    return next((f for f in Profile["messages"][number]["fields"].values() if f["name"] == field), None)


def _component_sources(message: str) -> dict[str, str]:
    """component target name -> the field it is expanded from, in this message's profile."""
    from garmin_fit_sdk.profile import Profile

    number = Profile["mesg_num"].get(message.upper())
    fields = Profile["messages"][number]["fields"] if number is not None else {}
    return {
        fields[target]["name"]: field["name"]
        for field in fields.values()
        for target in field.get("components") or []
        if target in fields
    }


def _extra_of_ours_is_documented(message: str, field: str, row_fields: set[str]) -> bool:
    """The values we have that fitdecode lacks, each for a documented reason (the SDK has them too):
    - a main field whose sub-field fitdecode reports instead (fitdecode names the value by the sub-field the
      reference field selects, e.g. garmin_product for product; we keep both names, as the SDK does);
    - a component fitdecode does not expand from a field it reports (speed -> enhanced_speed, altitude ->
      enhanced_altitude in records; fitdecode 0.11 leaves these to the caller)."""
    profile = _profile_field(message, field)
    if profile and any(sub["name"] in row_fields for sub in profile.get("sub_fields") or []):
        return True
    return _component_sources(message).get(field) in row_fields


def assert_matches_fitdecode(
    ours: dict[str, dict[str, np.ndarray]], theirs: dict[str, list[dict]], *, prefix: bool = False
) -> int:
    """Every fitdecode value equals ours (fitdecode leaves computed compressed timestamps as raw FIT seconds),
    and the other way round every value of ours is one fitdecode has, except the documented extras above.
    With `prefix`, fitdecode stopped at damage: its messages must be the first of ours."""
    checked = 0
    for name in ours:
        if name not in {n.removeprefix("unknown_") for n in theirs}:
            assert not any(_valid_rows(c).any() for c in ours[name].values()), (
                f"message {name}: we decode values fitdecode does not report"
            )
    for name, messages in theirs.items():
        name = name.removeprefix("unknown_")
        assert name in ours, f"message {name} missing (we have {sorted(ours)})"
        columns = ours[name]
        for field, column in columns.items():
            if prefix:
                assert len(column) >= len(messages), (
                    f"{name}.{field}: {len(column)} rows, fitdecode {len(messages)}"
                )
            else:
                assert len(column) == len(messages), (
                    f"{name}.{field}: {len(column)} rows, fitdecode {len(messages)}"
                )
        for i, message in enumerate(messages):
            row_fields = {field.removeprefix("unknown_") for field in message}
            for field, value in message.items():
                field = field.removeprefix("unknown_")
                assert field in columns, f"{name}[{i}]: field {field} missing (we have {sorted(columns)})"
                if isinstance(value, int) and _profile_type(name, field) in ("date_time", "local_date_time"):
                    value += FIT_EPOCH_S  # fitdecode leaves computed and pre-1990 (system) times raw
                mine = _row(columns[field], i)
                if isinstance(value, tuple) and isinstance(mine, str):
                    # A definition giving the field a size that is no multiple of its base type (the Coros
                    # writer bug): fitdecode hands out the raw bytes; we decode them as the SDK does (checked
                    # on the complete file), so compare our name's number with the raw value.
                    mine = _number_of_name(name, field, mine)
                _same(mine, value, f"{name}[{i}].{field}")
                checked += 1
            for field, column in columns.items():
                if field in row_fields or _invalid(_row(column, i)):
                    continue
                assert _extra_of_ours_is_documented(name, field, row_fields), (
                    f"{name}[{i}].{field}: we have {_row(column, i)!r}, fitdecode has no such field"
                )
    return checked


def _number_of_name(message: str, field: str, name: str):
    """The profile number of a named value; `field` may be a main field or a sub-field."""
    from garmin_fit_sdk.profile import Profile

    number = Profile["mesg_num"].get(message.upper())
    fields = Profile["messages"][number]["fields"].values() if number is not None else ()
    kinds = [f["type"] for f in fields if f["name"] == field]
    kinds += [sub["type"] for f in fields for sub in f.get("sub_fields") or [] if sub["name"] == field]
    names = Profile["types"].get(kinds[0] if kinds else "") or {}
    return next((number for number, known in names.items() if known == name), name)


_DAMAGE_AT = re.compile(r"(?:^|: )byte (\d+): ")


def first_damage(warnings: list[str]) -> int | None:
    """Where our salvage found the first damaged record (a record written short, a resync), if anywhere.

    Past it, every decoder guesses (lezyne bad-endian: fitdecode reads garbage device_info there, we resync
    elsewhere); the MANIFEST asks there only for "salvage or error, never a crash"."""
    offsets = [int(m[1]) for w in warnings for m in [_SHORT_RECORD.search(w)] if m]
    offsets += [int(m[1]) for w in warnings for m in [_DAMAGE_AT.search(w)] if m and "CRC" not in w]
    return min(offsets, default=None)


def _sdk_refused() -> list:
    """Every corpus FIT file (damaged ones too) the SDK does not read through."""
    return corpus_params("fit", ".fit", ".fit.gz") + corpus_params("broken", ".fit", ".fit.gz")


@pytest.mark.parametrize("path", _sdk_refused())
def test_read_messages_equals_fitdecode_where_the_sdk_refuses(path):
    from trackfiles import DecodeError

    path = corpus_file(path)
    try:
        data = fit_bytes(path)
    except EOFError:
        data = gzip.GzipFile(fileobj=io.BytesIO(path.read_bytes())).read1(1 << 30)  # what decompresses
    _, errors = sdk_messages(data)
    if not errors:
        pytest.skip("the SDK reads this file; compared with the SDK")
    try:
        ours, warnings = decode_messages(data)
    except DecodeError as exc:  # an error by design (MANIFEST): then fitdecode must find nothing either
        theirs, _ = fitdecode_messages(data)
        assert not theirs, f"we refuse the file ({exc}), fitdecode reads {sorted(theirs)}"
        return
    damage = first_damage(warnings)
    if path.name == STRAVA_ANDROID:  # fitdecode stops at the first short record; compare the repaired file
        data, _ = repaired_fit(data)
    elif damage is not None:  # every complete record before the damage must be the same in both
        data = data[:damage]
    theirs, error = fitdecode_messages(data)
    if not theirs:  # a header that declares no data (empty-activities.fit): nothing to decode for either
        assert not any(_valid_rows(c).any() for columns in ours.values() for c in columns.values())
        return
    assert assert_matches_fitdecode(ours, theirs, prefix=error is not None) > 0
