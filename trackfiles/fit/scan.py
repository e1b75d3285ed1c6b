"""The one sequential pass over a FIT file: where every record starts and which definition it uses.

FIT data records of one local definition all have the same size, so the pass only has to step from header
byte to header byte. The inner loop is a table lookup (header byte -> record size) and a list append; every
other kind of record (definitions, field descriptions, damage) leaves the loop and is handled in Python,
which is rare. Everything per sample happens later, in numpy (see `columns.py`).
"""

from __future__ import annotations

import array
import struct
from dataclasses import dataclass, field

import anycrc  # C (Mark Adler's crcany, slicing several bytes per step): ~30x a byte-wise table
import numpy as np

try:  # the record walk in C (trackfiles/fit/_walk.c, built by `pip install`); the Python loop below otherwise
    from trackfiles.fit._walk import walk as _c_walk
except ImportError:  # pragma: no cover - a checkout whose extension was not built
    _c_walk = None

from trackfiles.errors import BadChecksum, DecodeError, TruncatedFile, UnsupportedFormat
from trackfiles.fit.profile import (
    BASE_TYPE_MASK,
    BASE_TYPE_STRING,
    BASE_TYPE_UINT8,
    BASE_TYPES,
    MESG_FIELD_DESCRIPTION,
    BaseType,
)

_CRC16_ARC = anycrc.Model("CRC16-ARC")  # the FIT checksum; `calc` keeps no state between calls


def crc16(data: bytes | memoryview) -> int:
    """CRC-16/ARC of `data` (a memoryview slice avoids copying a large file's bytes)."""
    return _CRC16_ARC.calc(data)


_HEADER_MIN_SIZE = 12
_RESYNC_WINDOW = 1 << 16  # how far past a bad record header we look for the next plausible record
_RESYNC_CHAIN = 8  # records that must follow a resync candidate consistently
_MAX_SHORT_BY = 4  # how many bytes short a record may have been written (see _short_previous_record)
_SHORT_RECORD_CHAIN = 2  # shorter: such writers repeat the bug every few records

# Local message type of each possible data-record header byte (-1 for definition headers).
LOCAL_OF_HEADER = np.array(
    [h & 0x0F if h < 0x40 else (-1 if h < 0x80 else (h >> 5) & 0x03) for h in range(256)], dtype=np.int64
)


@dataclass(frozen=True)
class DevField:
    """A developer field as its field_description message describes it."""

    name: str | None
    base: BaseType
    scale: float | None
    offset: float | None
    units: str | None


@dataclass(eq=False)
class Definition:
    id: int
    global_num: int
    big_endian: bool
    fields: list[tuple[int, int, BaseType]]  # (field number, size in bytes, base type)
    dev_fields: list[
        tuple[int, int, int, DevField | None]
    ]  # (field number, size, developer index, description)
    size: int  # bytes of one data record after its header byte
    at: int  # byte offset of the definition record


@dataclass
class Scan:
    """Where the data records are, plus what was wrong with the file."""

    buf: np.ndarray  # the whole file as uint8
    starts: np.ndarray  # byte offset of every data record, in file order
    def_ids: np.ndarray  # definition id of every data record
    definitions: list[Definition]
    warnings: list[str] = field(default_factory=list)


class _Scanner:
    def __init__(self, data: bytes, *, strict: bool, where: str):
        self.data = data
        self.strict = strict
        self.where = where
        self.warnings: list[str] = []
        self.definitions: list[Definition] = []
        self.local_defs: list[Definition | None] = [None] * 16
        # Total record size (header byte included) per header byte; 0 sends the record to the slow path.
        self.sizes = array.array("i", bytes(256 * array.array("i").itemsize))  # a buffer the C walk reads
        self.starts = array.array("q")  # appends as fast as a list, and numpy reads it without a copy
        self.seg_starts: list[int] = []  # index in `starts` where each local -> definition mapping begins
        self.seg_maps: list[list[int]] = []
        self.dev_registry: dict[tuple[int, int], DevField] = {}
        self.interned: dict[tuple, Definition] = {}
        self.layouts_seen: dict[
            bytes, Definition
        ] = {}  # raw definition bytes (after the header) -> Definition

    # -- problems -------------------------------------------------------------------------------------------
    def problem(self, error: type[DecodeError], message: str) -> None:
        """Raise in strict mode, otherwise keep as a warning and salvage."""
        text = f"{self.where}{message}"
        if self.strict:
            raise error(text)
        self.warnings.append(text)

    # -- file level ---------------------------------------------------------------------------------------------
    def run(self) -> Scan:
        data = self.data
        n = len(data)
        if n == 0:
            raise TruncatedFile(f"{self.where}empty file (0 bytes), not a FIT file")
        pos = 0
        file_no = 0
        while pos < n:
            if (
                n - pos < _HEADER_MIN_SIZE
                or data[pos] < _HEADER_MIN_SIZE
                or data[pos + 8 : pos + 12] != b".FIT"
            ):
                if file_no == 0:
                    if n >= _HEADER_MIN_SIZE and data[8:12] == b".FIT":
                        raise TruncatedFile(
                            f"{self.where}FIT header at byte 0 is shorter than {_HEADER_MIN_SIZE}"
                        )
                    if n < _HEADER_MIN_SIZE and data[: min(n, 1)] in (b"\x0c", b"\x0e"):
                        raise TruncatedFile(f"{self.where}file ends at byte {n} inside the FIT header")
                    raise UnsupportedFormat(
                        f"{self.where}not a FIT file: no '.FIT' header signature at byte 8"
                    )
                self.problem(
                    DecodeError, f"{n - pos} trailing bytes after the last FIT file at byte {pos} ignored"
                )
                break
            pos = self._file(pos, file_no)
            file_no += 1
        return self._finish()

    def _file(self, pos: int, file_no: int) -> int:
        """Scan one FIT file (of possibly several chained ones) starting at `pos`; return where the next begins."""
        data = self.data
        n = len(data)
        header_size = data[pos]
        if pos + header_size > n:
            self.problem(TruncatedFile, f"file ends at byte {n} inside the FIT header starting at byte {pos}")
            return n
        data_size = int.from_bytes(data[pos + 4 : pos + 8], "little")
        if header_size >= 14:
            header_crc = int.from_bytes(data[pos + 12 : pos + 14], "little")
            if header_crc and header_crc != crc16(data[pos : pos + 12]):
                self.problem(
                    BadChecksum,
                    f"header CRC mismatch at byte {pos + 12}: stored {header_crc:#06x}, "
                    f"computed {crc16(data[pos : pos + 12]):#06x}",
                )
        data_start = pos + header_size
        end = data_start + data_size
        if end + 2 > n:
            end = self._short_file(pos, data_start, end)
        else:
            stored = int.from_bytes(data[end : end + 2], "little")
            computed = crc16(memoryview(data)[pos:end])
            if stored != computed:
                self.problem(
                    BadChecksum,
                    f"file CRC mismatch at byte {end}: stored {stored:#06x}, computed {computed:#06x}"
                    + (f" (FIT file #{file_no + 1} of a chain)" if file_no else ""),
                )
        self._records(data_start, end)
        return end + 2

    def _short_file(self, pos: int, data_start: int, claimed_end: int) -> int:
        """The header claims more data than the file holds: find where the data really ends."""
        n = len(self.data)
        # A file whose header size is wrong but which still ends in a valid CRC keeps all its data.
        if n - data_start >= 2 and int.from_bytes(self.data[n - 2 : n], "little") == crc16(
            memoryview(self.data)[pos : n - 2]
        ):
            self.problem(
                TruncatedFile,
                f"header at byte {pos} claims {claimed_end - data_start} data bytes but the file holds "
                f"{n - 2 - data_start} (valid file CRC at byte {n - 2}); decoding what is there",
            )
            return n - 2
        self.problem(
            TruncatedFile,
            f"file truncated: header at byte {pos} claims data up to byte {claimed_end} but the file ends at "
            f"byte {n} without a file CRC; every complete record before that is kept",
        )
        return min(claimed_end, n)

    # -- record level -------------------------------------------------------------------------------------------
    def _records(self, pos: int, end: int) -> None:
        data = self.data
        sizes = self.sizes
        starts = self.starts
        append = starts.append
        while True:
            # The hot loop: data records of known size.
            if _c_walk is not None:
                found, pos = _c_walk(data, pos, end, sizes)
                starts.frombytes(found)
            else:
                while pos < end:
                    size = sizes[data[pos]]
                    if not size:
                        break
                    append(pos)
                    pos += size
            if pos >= end:
                if pos > end:
                    last = starts.pop()
                    self.problem(
                        TruncatedFile,
                        f"record at byte {last} is cut off: it needs {pos - last} bytes but the data ends at "
                        f"byte {end}",
                    )
                return
            header = data[pos]
            next_pos = self._definition(pos, end) if header & 192 == 64 else self._slow_data_record(pos, end)
            if next_pos is None:
                return
            pos = next_pos

    def _slow_data_record(self, pos: int, end: int) -> int | None:
        header = self.data[pos]
        local = int(LOCAL_OF_HEADER[header])
        definition = self.local_defs[local]
        if definition is None:
            return self._resync(pos, end, f"data message for undefined local message type {local}")
        record_end = pos + 1 + definition.size
        if record_end > end:
            self.problem(
                TruncatedFile,
                f"record at byte {pos} is cut off: it needs {record_end - pos} bytes but the data ends at byte {end}",
            )
            return None
        self.starts.append(pos)
        if definition.global_num == MESG_FIELD_DESCRIPTION:
            self._field_description(pos + 1, definition)
        return record_end

    def _resync(self, pos: int, end: int, what: str) -> int | None:
        """Skip damage: find the next offset from which records follow each other consistently."""
        short = self._short_previous_record(pos, end)
        if short is not None:
            last, restart = short
            self.problem(
                DecodeError,
                f"byte {pos}: {what}; the record at byte {last} was written {pos - restart} byte(s) short and is "
                f"dropped, decoding goes on at byte {restart}",
            )
            return restart
        limit = min(end, pos + _RESYNC_WINDOW)
        for candidate in range(pos + 1, limit):
            if self._plausible_chain(candidate, end):
                self.problem(
                    DecodeError,
                    f"byte {pos}: {what}; skipped {candidate - pos} bytes to the next valid record at byte {candidate}",
                )
                return candidate
        self.problem(
            DecodeError, f"byte {pos}: {what}; no valid record follows, the rest of the data is ignored"
        )
        return None

    def _short_previous_record(self, pos: int, end: int) -> tuple[int, int] | None:
        """A writer bug seen in real files (Strava's Android app): a record a byte or two shorter than its
        definition. We then read the next record's header as its last byte and land on garbage. If records
        follow consistently from a few bytes back, the previous record was short: drop it, resume there."""
        if not self.starts:
            return None
        last = self.starts[-1]
        definition = self.local_defs[LOCAL_OF_HEADER[self.data[last]]]
        if definition is None or last + 1 + definition.size != pos:
            return None
        for missing in range(1, min(_MAX_SHORT_BY, definition.size) + 1):
            if self._plausible_chain(pos - missing, end, _SHORT_RECORD_CHAIN):
                self.starts.pop()
                return last, pos - missing
        return None

    def _plausible_chain(self, pos: int, end: int, length: int = _RESYNC_CHAIN) -> bool:
        """Whether well-formed records (definitions included) follow each other from `pos` on."""
        data = self.data
        sizes = [None if d is None else d.size for d in self.local_defs]
        for _ in range(length):
            if pos == end:
                return True
            if pos > end:
                return False
            header = data[pos]
            if header & 0xC0 == 0x40:
                parsed = _parse_definition_layout(data, pos, end)
                if parsed is None:
                    return False
                next_pos, size = parsed
                sizes[header & 0x0F] = size
                pos = next_pos
                continue
            size = sizes[LOCAL_OF_HEADER[header]]
            if size is None:
                return False
            pos += 1 + size
        return True

    def _definition(self, pos: int, end: int) -> int | None:
        data = self.data
        header = data[pos]
        if not header & 0x20 and pos + 6 <= end:
            # Writers that repeat a definition before every message (Wahoo, Apple Watch apps) repeat its exact
            # bytes: a layout seen before is looked up, not parsed again. Developer layouts are always parsed,
            # their meaning depends on the field descriptions read so far.
            layout_end = pos + 6 + 3 * data[pos + 5]
            if layout_end <= end:
                known = self.layouts_seen.get(data[pos + 1 : layout_end])
                if known is not None:
                    self._set_local(header & 0x0F, known)
                    return layout_end
        if pos + 6 > end:
            self.problem(
                TruncatedFile, f"definition record at byte {pos} is cut off by the end of data at byte {end}"
            )
            return None
        big_endian = data[pos + 2] != 0
        global_num = int.from_bytes(data[pos + 3 : pos + 5], "big" if big_endian else "little")
        num_fields = data[pos + 5]
        p = pos + 6
        if p + 3 * num_fields + (1 if header & 0x20 else 0) > end:
            self.problem(
                TruncatedFile, f"definition record at byte {pos} is cut off by the end of data at byte {end}"
            )
            return None
        fields = []
        size = 0
        for _ in range(num_fields):
            num, field_size, base_id = data[p], data[p + 1], data[p + 2] & BASE_TYPE_MASK
            p += 3
            base = BASE_TYPES.get(base_id)
            if base is None:
                # A base type no FIT writer uses: these bytes are not a definition, the stream is out of step.
                return self._resync(
                    pos,
                    end,
                    f"definition of message {global_num} has field {num} of unknown base type {base_id:#04x}",
                )
            if field_size % base.size:
                base = BASE_TYPES[
                    BASE_TYPE_UINT8
                ]  # as the SDK does for sizes that are no multiple of the type
            size += field_size
            if field_size:
                fields.append((num, field_size, base))
        dev_fields = []
        if header & 0x20:
            num_dev = data[p]
            p += 1
            if p + 3 * num_dev > end:
                self.problem(
                    TruncatedFile,
                    f"definition record at byte {pos} is cut off by the end of data at byte {end}",
                )
                return None
            for _ in range(num_dev):
                num, field_size, dev_index = data[p], data[p + 1], data[p + 2]
                p += 3
                size += field_size
                if field_size:
                    dev_fields.append((num, field_size, dev_index, self.dev_registry.get((dev_index, num))))
        definition = self._intern(global_num, big_endian, fields, dev_fields, size, pos)
        if not header & 0x20:
            self.layouts_seen[data[pos + 1 : p]] = definition
        self._set_local(header & 0x0F, definition)
        return p

    def _intern(
        self,
        global_num: int,
        big_endian: bool,
        fields: list[tuple[int, int, BaseType]],
        dev_fields: list[tuple[int, int, int, DevField | None]],
        size: int,
        at: int,
    ) -> Definition:
        """One Definition per distinct layout: writers that repeat a definition before every message (Apple
        Watch apps do) then still get all their records gathered in one numpy pass."""
        key = (global_num, big_endian, tuple((n, s, b.id) for n, s, b in fields), tuple(dev_fields))
        definition = self.interned.get(key)
        if definition is None:
            definition = Definition(
                len(self.definitions), global_num, big_endian, fields, dev_fields, size, at
            )
            self.definitions.append(definition)
            self.interned[key] = definition
        return definition

    def _set_local(self, local: int, definition: Definition) -> None:
        if self.local_defs[local] is definition:
            return  # a definition repeated word for word: sizes and segment map already say this
        self.local_defs[local] = definition
        record_size = 0 if definition.global_num == MESG_FIELD_DESCRIPTION else 1 + definition.size
        sizes = self.sizes
        for flags in (0x00, 0x10, 0x20, 0x30):
            sizes[flags | local] = record_size
        if local < 4:
            first = 0x80 | (local << 5)
            sizes[first : first + 32] = array.array("i", [record_size]) * 32
        self._new_segment()

    def _new_segment(self) -> None:
        mapping = [-1 if d is None else d.id for d in self.local_defs]
        if self.seg_maps and self.seg_maps[-1] == mapping:
            return
        if self.seg_starts and self.seg_starts[-1] == len(self.starts):
            self.seg_maps[-1] = mapping
        else:
            self.seg_starts.append(len(self.starts))
            self.seg_maps.append(mapping)

    def _field_description(self, pos: int, definition: Definition) -> None:
        """Register a developer field now, so the records after it (and only those) are named from it."""
        values = decode_single_record(self.data, pos, definition)
        dev_index, field_num, base_id = values.get(0), values.get(1), values.get(2)
        if not all(isinstance(v, int) for v in (dev_index, field_num, base_id)):
            self.problem(
                DecodeError, f"field_description at byte {pos - 1} lacks its index, number or base type"
            )
            return
        base = BASE_TYPES.get(base_id & BASE_TYPE_MASK)
        if base is None:
            self.problem(
                DecodeError, f"field_description at byte {pos - 1} has unknown base type {base_id:#04x}"
            )
            return
        scale, offset, name, units = values.get(6), values.get(7), values.get(3), values.get(8)
        self.dev_registry[(dev_index, field_num)] = DevField(
            name=name if isinstance(name, str) else None,
            base=base,
            scale=float(scale) if isinstance(scale, int | float) and scale and np.isfinite(scale) else None,
            offset=float(offset) if isinstance(offset, int | float) and np.isfinite(offset) else None,
            units=units if isinstance(units, str) else None,
        )
        # Definitions already in use that carry developer fields now resolve differently from here on.
        for local, current in enumerate(self.local_defs):
            if current is not None and current.dev_fields:
                self.local_defs[local] = self._intern(
                    current.global_num,
                    current.big_endian,
                    current.fields,
                    [
                        (num, size, idx, self.dev_registry.get((idx, num)))
                        for num, size, idx, _ in current.dev_fields
                    ],
                    current.size,
                    current.at,
                )
        self._new_segment()

    def _finish(self) -> Scan:
        buf = np.frombuffer(self.data, dtype=np.uint8)
        starts = np.frombuffer(self.starts, dtype=np.int64) if self.starts else np.zeros(0, dtype=np.int64)
        if len(starts):
            # a record dropped after its segment began (short record, cut-off record) can leave a start past the end
            seg_starts = np.minimum(np.array(self.seg_starts, dtype=np.int64), len(starts))
            counts = np.diff(np.append(seg_starts, len(starts)))
            seg_of_record = np.repeat(np.arange(len(seg_starts)), counts)
            maps = np.array(self.seg_maps, dtype=np.int64)
            def_ids = maps[seg_of_record, LOCAL_OF_HEADER[buf[starts]]]
        else:
            def_ids = np.zeros(0, dtype=np.int64)
        return Scan(buf, starts, def_ids, self.definitions, self.warnings)


def _parse_definition_layout(data: bytes, pos: int, end: int) -> tuple[int, int] | None:
    """(end of the definition record, data size) if a well-formed definition starts at `pos`, else None."""
    if pos + 6 > end or data[pos + 1] != 0 or data[pos + 2] > 1:
        return None
    num_fields = data[pos + 5]
    p = pos + 6
    if p + 3 * num_fields > end:
        return None
    size = 0
    for _ in range(num_fields):
        if BASE_TYPES.get(data[p + 2] & BASE_TYPE_MASK) is None:
            return None
        size += data[p + 1]
        p += 3
    if data[pos] & 0x20:
        if p >= end or p + 1 + 3 * data[p] > end:
            return None
        size += sum(data[p + 2 + 3 * i] for i in range(data[p]))
        p += 1 + 3 * data[p]
    return p, size


def decode_single_record(data: bytes, pos: int, definition: Definition) -> dict[int, object]:
    """Field number -> first value of one data record (for the few messages needed during the scan)."""
    values: dict[int, object] = {}
    for num, size, base in definition.fields:
        chunk = data[pos : pos + size]
        pos += size
        if base.id == BASE_TYPE_STRING:
            text = chunk.split(b"\0", 1)[0].decode("utf-8", "ignore")
            values[num] = text or None
            continue
        value = struct.unpack(
            (">" if definition.big_endian else "<") + _STRUCT_CODE[base.code], chunk[: base.size]
        )[0]
        if base.is_float or value != base.invalid:
            values[num] = value
    return values


_STRUCT_CODE = {
    "u1": "B",
    "i1": "b",
    "u2": "H",
    "i2": "h",
    "u4": "I",
    "i4": "i",
    "u8": "Q",
    "i8": "q",
    "f4": "f",
    "f8": "d",
}


def scan(data: bytes, *, strict: bool, where: str = "") -> Scan:
    return _Scanner(data, strict=strict, where=where).run()
