"""Scanned FIT records -> one column per field, with numpy.

Representation of the decoded values (the contract of `read_messages`):

- Every numeric field is a float64 array, scaled and offset as the profile says; invalid values (the FIT
  sentinels) are NaN. Integer fields become float64 too, so NaN can mark them invalid; 64-bit integers above
  2**53 lose their lowest bits.
- Fields of a profile date_time or local_date_time type are POSIX seconds (float64): the FIT value plus
  631065600. Compressed-timestamp headers fill the `timestamp` column the same way.
- Fields of a named profile type (enums, manufacturer, garmin_product, ...) are object arrays holding the
  profile's name, or the int when the profile has no name for the value, or None when invalid.
- Strings are object arrays of str (a list of str when a field holds several NUL-separated strings), None
  when empty.
- Array fields are 2-D (messages x elements), NaN/None padded where a message holds fewer elements; byte
  arrays keep 0xFF elements unless every element is 0xFF (as the SDK does).
- Sub-fields (e.g. `garmin_product`) and component expansions (e.g. `enhanced_speed`, compressed speed and
  distance, accumulated distance) appear as their own columns, as `garmin_fit_sdk.Decoder` produces them.
- Fields unknown to the profile are named by their number ("61"), unknown messages likewise ("65282").
- Developer fields are named from their field_description (`field_name`), scaled and offset by its
  scale/offset when given; a name that collides with another column becomes `<name>_dev<index>_<number>`.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from trackfiles.fit.profile import (
    BASE_TYPE_BY_NAME,
    BASE_TYPE_BYTE,
    BASE_TYPE_STRING,
    BASE_TYPES,
    FIT_EPOCH_S,
    NUMERIC_FIELD_TYPES,
    TIME_TYPES,
    TIMESTAMP_FIELD,
    BaseType,
    component_invalid,
    message_name,
    message_profile,
    type_names,
)
from trackfiles.fit.scan import Definition, DevField, Scan

_UINT32 = BASE_TYPE_BY_NAME["uint32"]
_EXACT_INT = 2.0**53  # float64 holds every integer below this exactly


class _Piece:
    """The values of one field for the records of one definition."""

    __slots__ = ("base", "dev", "positions", "values")

    def __init__(
        self, positions: np.ndarray, values: np.ndarray, base: BaseType, dev: DevField | None = None
    ):
        self.positions = positions
        self.values = values
        self.base = base
        self.dev = dev


class _Message:
    """Pieces of every field of one message type, before they are put together."""

    def __init__(self, global_num: int, count: int):
        self.global_num = global_num
        self.count = count
        self.native: dict[int, list[_Piece]] = {}
        self.dev: dict[tuple[int, int, str | None, int], list[_Piece]] = {}


def build_messages(scan: Scan, warnings: list[str]) -> dict[str, dict[str, np.ndarray]]:
    starts, def_ids, buf, definitions = scan.starts, scan.def_ids, scan.buf, scan.definitions
    if not len(starts):
        return {}
    global_of_def = np.array([d.global_num for d in definitions], dtype=np.int64)
    mesg_of_record = global_of_def[def_ids]
    # Row of each record inside its message type (file order), and the message types in order of appearance.
    # global message numbers are 16-bit: as uint16 numpy's stable sort is a radix sort, 20x faster
    by_type = np.argsort(mesg_of_record.astype(np.uint16), kind="stable")
    types, first_index, counts = _runs(mesg_of_record[by_type])
    row = np.empty(len(starts), dtype=np.int64)
    row[by_type] = np.arange(len(starts)) - np.repeat(first_index, counts)
    messages = {int(t): _Message(int(t), int(c)) for t, c in zip(types, counts)}

    headers = buf[starts]
    compressed = headers >= 0x80
    full_timestamp = np.full(len(starts), np.nan) if compressed.any() else None

    by_def = np.argsort(def_ids.astype(np.uint16) if len(definitions) <= 0xFFFF else def_ids, kind="stable")
    def_list, def_first, def_counts = _runs(def_ids[by_def])
    for d, a, c in zip(def_list, def_first, def_counts):
        definition = definitions[int(d)]
        records = by_def[a : a + c]
        _gather(
            buf,
            starts[records] + 1,
            row[records],
            definition,
            messages[definition.global_num],
            records,
            full_timestamp,
        )

    if full_timestamp is not None:
        _compressed_timestamps(
            starts, headers, compressed, full_timestamp, row, mesg_of_record, messages, warnings
        )

    # Message types in the order they first appear in the file (by_type is stable, so its first is the earliest).
    order = np.argsort(by_type[first_index], kind="stable")
    out: dict[str, dict[str, np.ndarray]] = {}
    for i in order:
        message = messages[int(types[i])]
        name = message_name(message.global_num)
        out[name] = _finish(message)
    return out


def _runs(ordered: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct values of a sorted array, where each run starts and how long it is (np.unique without the
    sort it would do again)."""
    first = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    return ordered[first], first, np.diff(np.append(first, len(ordered)))


# -- gathering ----------------------------------------------------------------------------------------------------
def _gather(
    buf: np.ndarray,
    body_starts: np.ndarray,
    rows: np.ndarray,
    definition: Definition,
    message: _Message,
    records: np.ndarray,
    full_timestamp: np.ndarray | None,
) -> None:
    """Cut the records of one definition out of the file and view them through a structured dtype."""
    size = definition.size
    if size == 0:
        return
    plan = _plan(definition)
    if plan is None:
        return
    dtype, slots = plan
    # A zero-copy view of the file with one `size`-byte item starting at every byte: taking the records'
    # start offsets from it copies exactly their bytes, one memcpy per record.
    every_offset = np.ndarray(shape=(len(buf) - size + 1,), dtype=(np.void, size), buffer=buf, strides=(1,))
    raw = every_offset[body_starts].view(dtype)
    for name, kind, key, base, dev in slots:
        column = raw[name]
        values = _strings(column) if base.id == BASE_TYPE_STRING else _numbers(column, base)
        if kind == "native":
            if (
                key == TIMESTAMP_FIELD
                and full_timestamp is not None
                and values.ndim == 1
                and values.dtype != object
            ):
                full_timestamp[records] = values
            message.native.setdefault(key, []).append(_Piece(rows, values, base))
        else:
            if dev.scale is not None and values.dtype != object:
                values = values / dev.scale
            if dev.offset is not None and values.dtype != object:
                values = values - dev.offset
            message.dev.setdefault(key, []).append(_Piece(rows, values, base, dev))


def _plan(definition: Definition) -> tuple[np.dtype, list[tuple]] | None:
    """The structured dtype of a definition's records and what each of its fields is."""
    key = (
        definition.big_endian,
        definition.size,
        tuple((num, size, base.id) for num, size, base in definition.fields),
        tuple(definition.dev_fields),
    )
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = _make_plan(definition)
        if (
            len(_PLANS) > 4096
        ):  # the layouts of a few devices recur; a file of random layouts must not pile up
            _PLANS.pop(next(iter(_PLANS)))
    return plan


_PLANS: dict[tuple, tuple[np.dtype, list[tuple]] | None] = {}


def _make_plan(definition: Definition) -> tuple[np.dtype, list[tuple]] | None:
    endian = ">" if definition.big_endian else "<"
    names, formats, offsets, slots = [], [], [], []
    offset = 0
    for i, (num, field_size, base) in enumerate(definition.fields):
        names.append(f"f{i}")
        formats.append(_format(base, field_size, endian))
        offsets.append(offset)
        slots.append((f"f{i}", "native", num, base, None))
        offset += field_size
    for i, (num, field_size, dev_index, dev) in enumerate(definition.dev_fields):
        if dev is not None:
            base = dev.base if field_size % dev.base.size == 0 else BASE_TYPES[BASE_TYPE_BYTE]
            names.append(f"d{i}")
            formats.append(_format(base, field_size, endian))
            offsets.append(offset)
            # a developer index may be re-described later (chained files): each description is its own column
            slots.append((f"d{i}", "dev", (dev_index, num, dev.name, dev.base.id), base, dev))
        offset += field_size
    if not names:
        return None
    dtype = np.dtype({"names": names, "formats": formats, "offsets": offsets, "itemsize": definition.size})
    return dtype, slots


def _format(base: BaseType, field_size: int, endian: str) -> Any:
    if base.id == BASE_TYPE_STRING:
        return f"S{field_size}"
    count = field_size // base.size
    code = endian + base.code
    return code if count == 1 else (code, (count,))


def _numbers(column: np.ndarray, base: BaseType) -> np.ndarray:
    """Raw values as float64, NaN where the FIT invalid sentinel is."""
    values = column.astype(np.float64)  # one strided pass; the rest works on contiguous floats
    if base.is_float:
        return values  # the float sentinel is a NaN bit pattern already
    # every sentinel up to 32 bits is exact in float64 (64-bit ones round, as those values do)
    invalid = values == float(base.invalid)
    if base.id == BASE_TYPE_BYTE and column.ndim == 2:
        invalid = np.broadcast_to(invalid.all(axis=1, keepdims=True), invalid.shape)
    np.copyto(values, np.nan, where=invalid)
    return values


def _strings(column: np.ndarray) -> np.ndarray:
    """Decode each distinct byte string once; numpy already drops the trailing NULs."""
    unique, inverse = np.unique(column, return_inverse=True)
    decoded = np.empty(len(unique), dtype=object)
    for i, raw in enumerate(unique):
        text = raw.decode("utf-8", "ignore").rstrip("\0")
        parts = text.split("\0")
        decoded[i] = (parts[0] if len(parts) == 1 else parts) if text else None
    return decoded[inverse.reshape(-1)]


def _compressed_timestamps(
    starts: np.ndarray,
    headers: np.ndarray,
    compressed: np.ndarray,
    full_timestamp: np.ndarray,
    row: np.ndarray,
    mesg_of_record: np.ndarray,
    messages: dict[int, _Message],
    warnings: list[str],
) -> None:
    """Give records with compressed-timestamp headers their time: 5 bits of offset from the last timestamp."""
    full = (
        np.abs(full_timestamp) < _EXACT_INT
    ) & ~compressed  # NaN and absurd (non-uint32) values are no reference
    events = full | compressed
    values = np.where(full, np.nan_to_num(full_timestamp), headers & 0x1F)[events].astype(np.int64)
    resets = full[events]
    times = accumulate(values, resets, np.full(len(values), 0x1F, dtype=np.int64))
    valid = np.maximum.accumulate(resets) if len(resets) else resets
    resolved = np.full(len(headers), np.nan)
    resolved[np.flatnonzero(events)] = np.where(valid, times, np.nan)
    timeless = compressed & np.isnan(resolved)
    if timeless.any():
        warnings.append(
            f"{int(timeless.sum())} compressed-timestamp records before the first full timestamp have no time "
            f"(the first at byte {int(starts[np.argmax(timeless)])})"
        )
    for global_num in np.unique(mesg_of_record[compressed]):
        records = np.flatnonzero(compressed & (mesg_of_record == global_num))
        messages[int(global_num)].native.setdefault(TIMESTAMP_FIELD, []).append(
            _Piece(row[records], resolved[records], _UINT32)
        )


def accumulate(values: np.ndarray, resets: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """The FIT accumulator, vectorised: each value adds its masked difference to the previous value.

    A reset event sets the running value (as a field that holds the full value does); the first event of all
    starts the running value too. Mirrors `garmin_fit_sdk.Accumulator`.
    """
    if not len(values):
        return values
    previous = np.empty_like(values)
    previous[0] = values[0]
    previous[1:] = values[:-1]
    steps = (values - previous) & masks
    starts = resets.copy()
    starts[0] = True
    steps[starts] = 0
    segment = np.cumsum(starts) - 1
    totals = np.cumsum(steps)
    return values[starts][segment] + totals - totals[starts][segment]


# -- putting a message type together ------------------------------------------------------------------------------
def _combine(pieces: list[_Piece], count: int) -> np.ndarray:
    """One column from the pieces of several definitions, in file order."""
    if len(pieces) == 1 and len(pieces[0].positions) == count:
        return pieces[0].values  # rows of one definition are in file order: positions are 0..count-1
    is_object = any(p.values.dtype == object for p in pieces)
    width = max(1 if p.values.ndim == 1 else p.values.shape[1] for p in pieces)
    shape = (count,) if width == 1 else (count, width)
    if is_object:
        out = np.full(shape, None, dtype=object)
    elif (
        width == 1
        and len({id(p.positions) for p in pieces}) == len(pieces)
        and sum(len(p.positions) for p in pieces) == count
    ):
        # Pieces of different definitions hold disjoint rows (a record has one definition; the fields of one
        # definition share its rows array), so when their sizes add up to the count they fill every row
        # and the NaN fill pass is not needed.
        out = np.empty(shape)
    else:
        out = np.full(shape, np.nan)
    for p in pieces:
        if width == 1:
            out[p.positions] = p.values
        elif p.values.ndim == 1:
            out[p.positions, 0] = p.values
        else:
            out[p.positions, : p.values.shape[1]] = p.values
    return out


def _finish(message: _Message) -> dict[str, np.ndarray]:
    count = message.count
    profile = message_profile(message.global_num)
    fields = profile["fields"] if profile else {}
    raw = {num: _combine(pieces, count) for num, pieces in message.native.items()}
    elem_bits = {num: pieces[-1].base.size * 8 for num, pieces in message.native.items()}
    out: dict[str, np.ndarray] = {}
    keep_raw = _raw_needed(raw, fields)
    for num, column in raw.items():
        field_profile = fields.get(num)
        if field_profile is None:
            out[str(num)] = column
        else:
            # fresh arrays are costly (page faults): scale in place unless components or sub-fields read the raw
            out[field_profile["name"]] = _transform(column, field_profile, in_place=num not in keep_raw)

    sources = []  # (source profile, raw column, element bits, rows it applies to)
    for num, column in raw.items():
        field_profile = fields.get(num)
        if field_profile is None or column.dtype == object:
            continue
        if field_profile["has_components"]:
            sources.append((field_profile, column, elem_bits[num], None))
        for sub in field_profile["sub_fields"]:
            selected = _sub_field_rows(sub, raw, count)
            if selected is None:
                continue
            out[sub["name"]] = _transform(np.where(_rows_mask(selected, column), column, np.nan), sub)
            if sub["has_components"]:
                sources.append((sub, column, elem_bits[num], selected))
    if sources:
        _expand_components(sources, fields, raw, out, count)

    for (dev_index, num, _, _), pieces in message.dev.items():
        name = pieces[-1].dev.name or f"developer_{dev_index}_{num}"
        if name in out:
            name = f"{name}_dev{dev_index}_{num}"
        out[name] = _combine(pieces, count)
    return out


def _raw_needed(raw: dict[int, np.ndarray], fields: dict[int, dict[str, Any]]) -> set[int]:
    """Fields whose raw values are read after the transform: component sources, accumulated targets, fields
    with sub-fields and the fields those sub-fields are chosen by."""
    needed = set()
    for num in raw:
        field_profile = fields.get(num)
        if field_profile is None:
            continue
        if field_profile["has_components"] or field_profile["is_accumulated"] or field_profile["sub_fields"]:
            needed.add(num)
        for sub in field_profile["sub_fields"]:
            needed.update(item["num"] for item in sub["map"])
    return needed


def _rows_mask(rows: np.ndarray, column: np.ndarray) -> np.ndarray:
    return rows if column.ndim == 1 else rows[:, None]


def _sub_field_rows(sub: dict[str, Any], raw: dict[int, np.ndarray], count: int) -> np.ndarray | None:
    selected = None
    for item in sub["map"]:
        reference = raw.get(item["num"])
        if reference is None or reference.ndim != 1 or reference.dtype == object:
            continue
        match = reference == item["raw_value"]
        selected = match if selected is None else selected | match
    if selected is None or not selected.any():
        return None
    return selected


def _transform(column: np.ndarray, field_profile: dict[str, Any], *, in_place: bool = False) -> np.ndarray:
    """Raw column -> values: names for named types, POSIX seconds for times, scale and offset for numbers."""
    if column.dtype == object:
        return column
    field_type = field_profile["type"]
    if field_type in TIME_TYPES:
        return np.add(column, FIT_EPOCH_S, out=column if in_place else None)
    if type_names(field_type) is not None:
        return to_names(column, field_type)
    if field_type in NUMERIC_FIELD_TYPES and len(field_profile["scale"]) <= 1:
        scale = field_profile["scale"][0] if field_profile["scale"] else 1
        offset = field_profile["offset"][0] if field_profile["offset"] else 0
        if scale != 1:
            column = np.divide(column, scale, out=column if in_place else None)
            in_place = True  # the quotient is ours
        if offset:
            column = np.subtract(column, offset, out=column if in_place else None)
    return column


_SMALL_CODES = 256


@functools.cache
def _small_code_names(field_type: str) -> np.ndarray:
    """Name (or the code itself) of every code below 256 of one named type; built once per type."""
    names = type_names(field_type) or {}
    table = np.empty(_SMALL_CODES, dtype=object)
    for code in range(_SMALL_CODES):
        table[code] = names.get(code, code)
    return table


def to_names(column: np.ndarray, field_type: str) -> np.ndarray:
    """Object array of profile names (the int where the profile has none, None where invalid)."""
    names = type_names(field_type) or {}
    valid = ~np.isnan(column)
    if valid.all() and len(column) and column.min() >= 0 and column.max() < _SMALL_CODES:
        codes = column.astype(np.intp)
        if (codes == column).all():
            return _small_code_names(field_type)[codes]  # the common case (enums): one table lookup
    out = np.full(column.shape, None, dtype=object)
    if valid.any():
        unique, inverse = np.unique(column[valid], return_inverse=True)
        lookup = np.empty(len(unique), dtype=object)
        for i, code in enumerate(unique.tolist()):
            # a damaged definition can give a named field a float or 64-bit type: such values are kept as they are
            lookup[i] = names.get(int(code), int(code)) if math.isfinite(code) and code == int(code) else code
        out[valid] = lookup[inverse.reshape(-1)]
    return out


def _expand_components(
    sources: list[tuple[dict[str, Any], np.ndarray, int, np.ndarray | None]],
    fields: dict[int, dict[str, Any]],
    raw: dict[int, np.ndarray],
    out: dict[str, np.ndarray],
    count: int,
) -> None:
    """Unpack bit-packed component fields into their targets, as the SDK does, one array operation each.

    Sources that are themselves targets (speed, made from compressed_speed_distance, expands to
    enhanced_speed) are expanded after the fields that make them.
    """
    target_nums = {c for source, *_ in sources for c in source["components"]}
    queue = [s for s in sources if s[0].get("num") not in target_nums]
    queue += [s for s in sources if s[0].get("num") in target_nums]
    expanded_raw: dict[int, np.ndarray] = {}  # target field number -> raw (truncated) values from expansion
    done = set()
    while queue:
        source, column, bits_per_element, rows = queue.pop(0)
        num = source.get("num")
        if num in expanded_raw and num not in done:
            # this field was read and also made by an expansion: the read value wins as the source (SDK order)
            column = (
                np.where(np.isnan(raw[num]), expanded_raw[num], raw[num]) if num in raw else expanded_raw[num]
            )
        done.add(num)
        values_by_target = _unpack(source, column, bits_per_element, rows, fields, raw)
        for target_num, (values, raw_values, applied) in values_by_target.items():
            target = fields[target_num]
            name = target["name"]
            shown = to_names(values, target["type"]) if type_names(target["type"]) is not None else values
            out[name] = _overlay(out.get(name), shown, applied)
            if target["has_components"] and raw_values.ndim == 1:
                expanded_raw[target_num] = raw_values
                if target_num not in [s[0].get("num") for s in queue] and target_num not in done:
                    base_bits = _bits_of_type(target)
                    queue.append((target, raw_values, base_bits, None))


def _overlay(existing: np.ndarray | None, new: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """`new` in the given rows, `existing` elsewhere; widths and dtypes reconciled (NaN/None padding)."""
    if existing is None:
        return new
    width = max(1 if a.ndim == 1 else a.shape[1] for a in (existing, new))
    is_object = existing.dtype == object or new.dtype == object

    def widen(a: np.ndarray) -> np.ndarray:
        if width == 1:
            return a.astype(object) if is_object else a
        out = np.full(
            (len(a), width), None if is_object else np.nan, dtype=object if is_object else np.float64
        )
        out[:, : 1 if a.ndim == 1 else a.shape[1]] = a if a.ndim == 2 else a[:, None]
        return out

    return np.where(_rows_mask(rows, widen(new)), widen(new), widen(existing))


def _bits_of_type(field_profile: dict[str, Any]) -> int:
    base = BASE_TYPE_BY_NAME.get(field_profile["base_type"]) or BASE_TYPE_BY_NAME.get("uint8")
    return base.size * 8


def _unpack(
    source: dict[str, Any],
    column: np.ndarray,
    bits_per_element: int,
    rows: np.ndarray | None,
    fields: dict[int, dict[str, Any]],
    raw: dict[int, np.ndarray],
) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """target number -> (values, raw values, rows expanded) for one source column."""
    matrix = column if column.ndim == 2 else column[:, None]
    usable = ((matrix >= 0) & (matrix < _EXACT_INT)).all(axis=1)  # NaN compares False: invalid rows drop out
    if rows is not None:
        usable &= rows
    total_bits = matrix.shape[1] * bits_per_element
    ints = np.where(usable[:, None], matrix, 0).astype(np.uint64)
    if total_bits <= 64:
        packed = np.zeros(len(ints), dtype=np.uint64)
        for j in range(matrix.shape[1]):
            packed |= ints[:, j] << np.uint64(j * bits_per_element)
        bit_matrix = None
    else:
        little = ints.astype(f"<u{bits_per_element // 8}").view(np.uint8).reshape(len(ints), -1)
        bit_matrix = np.unpackbits(little, axis=1, bitorder="little")
    per_target: dict[int, list[tuple[np.ndarray, int, float, float]]] = {}
    position = 0
    for component, bits, scale, offset in zip(
        source["components"], source["bits"], source["scale"], source["offset"]
    ):
        if position + bits > total_bits:
            break
        if bit_matrix is None:
            value = (packed >> np.uint64(position)) & np.uint64((1 << bits) - 1)
        else:
            weights = (1 << np.arange(bits, dtype=np.uint64)).astype(np.uint64)
            value = bit_matrix[:, position : position + bits].astype(np.uint64) @ weights
        per_target.setdefault(component, []).append((value.astype(np.int64), bits, scale, offset))
        position += bits
    result = {}
    for target_num, parts in per_target.items():
        target = fields.get(target_num)
        if target is None:
            continue
        stacked = np.stack([p[0] for p in parts], axis=1)  # (rows, slots)
        if target["is_accumulated"]:
            stacked = _accumulate_target(stacked, [p[1] for p in parts], usable, raw.get(target_num))
        scales = np.array([p[2] for p in parts], dtype=np.float64)
        offsets = np.array([p[3] for p in parts], dtype=np.float64)
        values = stacked / scales - offsets
        raw_values = np.trunc((values + target["offset"][0]) * target["scale"][0])
        values = np.where(raw_values == component_invalid(target), np.nan, values)
        values[~usable] = np.nan
        raw_values[~usable] = np.nan
        if values.shape[1] == 1:
            values, raw_values = values[:, 0], raw_values[:, 0]
        result[target_num] = (values, raw_values, usable)
    return result


def _accumulate_target(
    slots: np.ndarray, bits: list[int], usable: np.ndarray, read_values: np.ndarray | None
) -> np.ndarray:
    """Accumulate component values in file order; a message that holds the full field value resets the sum."""
    count, width = slots.shape
    events = np.zeros((count, width + 1), dtype=np.int64)
    present = np.zeros((count, width + 1), dtype=bool)
    events[:, 1:] = slots
    present[:, 1:] = usable[:, None]
    if read_values is not None and read_values.ndim == 1:
        has_read = np.abs(read_values) < _EXACT_INT
        events[has_read, 0] = read_values[has_read].astype(np.int64)
        present[:, 0] = has_read
    masks = np.zeros(width + 1, dtype=np.int64)
    masks[1:] = [(1 << b) - 1 for b in bits]
    resets = np.zeros(width + 1, dtype=bool)
    resets[0] = True
    flat = present.ravel()
    totals = accumulate(
        events.ravel()[flat],
        np.broadcast_to(resets, present.shape).ravel()[flat],
        np.broadcast_to(masks, present.shape).ravel()[flat],
    )
    result = events.copy()
    result.ravel()[np.flatnonzero(flat)] = totals
    return result[:, 1:]
