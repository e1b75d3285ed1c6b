"""A tiny FIT encoder for hand-built test fixtures, and its own check against garmin_fit_sdk.

Fields are named as the profile names them; numbers and base types come from `garmin_fit_sdk`, so fixtures
read like the messages they encode. Damage (bad CRCs, wrong sizes, stray bytes) is made on purpose with the
keyword arguments of `to_bytes` and with `raw`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from garmin_fit_sdk import fit as sdk_fit
from garmin_fit_sdk.profile import Profile


def crc16(data: bytes) -> int:
    """CRC-16/ARC bit by bit, as the FIT SDK documents it: the encoder's own reference, independent of the
    table-driven C implementation the decoder uses."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


FIT_EPOCH_S = 631065600

_STRUCT = {"B": "B", "b": "b", "H": "H", "h": "h", "I": "I", "i": "i", "Q": "Q", "q": "q", "f": "f", "d": "d"}


def base_type_id(name: str) -> int:
    """FIT base type byte (endian flag included) of a base type name such as "uint16"."""
    type_id = sdk_fit.FIELD_TYPE_TO_BASE_TYPE[name]
    return type_id | sdk_fit.BASE_TYPE_DEFINITIONS[type_id]["endian_flag"]


def mesg_num(message: str) -> int:
    return Profile["mesg_num"][message.upper()]


def field_num(message: str, field: str) -> int:
    fields = Profile["messages"][mesg_num(message)]["fields"]
    return next(num for num, f in fields.items() if f["name"] == field)


@dataclass
class _Field:
    num: int
    base: str
    count: int  # elements (bytes for strings)


class FitWriter:
    """Builds one FIT file: definitions and data records in the order they are added."""

    def __init__(self) -> None:
        self.body = bytearray()
        self.definitions: dict[int, tuple[list[_Field], list[tuple[int, str, int]], bool]] = {}

    def define(
        self,
        local: int,
        message: str | int,
        fields: list[tuple[str | int, str] | tuple[str | int, str, int]],
        *,
        big_endian: bool = False,
        developer: list[tuple[int, int, str, int]] = (),  # (field number, developer index, base type, count)
    ) -> FitWriter:
        number = message if isinstance(message, int) else mesg_num(message)
        encoded = []
        for spec in fields:
            name, base = spec[0], spec[1]
            count = spec[2] if len(spec) > 2 else 1
            num = name if isinstance(name, int) else field_num(str(message), name)
            encoded.append(_Field(num, base, count))
        header = 0x40 | local | (0x20 if developer else 0)
        order = ">" if big_endian else "<"
        self.body += bytes([header, 0, 1 if big_endian else 0]) + struct.pack(order + "H", number)
        self.body.append(len(encoded))
        for f in encoded:
            self.body += bytes([f.num, self._size(f.base, f.count), base_type_id(f.base)])
        if developer:
            self.body.append(len(developer))
            for num, index, base, count in developer:
                self.body += bytes([num, self._size(base, count), index])
        self.definitions[local] = (encoded, [(d[0], d[2], d[3]) for d in developer], big_endian)
        return self

    @staticmethod
    def _size(base: str, count: int) -> int:
        return (
            count
            if base == "string"
            else sdk_fit.BASE_TYPE_DEFINITIONS[sdk_fit.FIELD_TYPE_TO_BASE_TYPE[base]]["size"] * count
        )

    def data(self, local: int, *values, time_offset: int | None = None) -> FitWriter:
        """One data record; `time_offset` (0-31) writes a compressed-timestamp header."""
        fields, developer, big_endian = self.definitions[local]
        if time_offset is None:
            self.body.append(local)
        else:
            self.body.append(0x80 | (local << 5) | time_offset)
        specs = [(f.base, f.count) for f in fields] + [(base, count) for _, base, count in developer]
        assert len(values) == len(specs), f"{len(specs)} values expected"
        for (base, count), value in zip(specs, values):
            self.body += self._encode(base, count, value, big_endian)
        return self

    def _encode(self, base: str, count: int, value, big_endian: bool) -> bytes:
        if base == "string":
            raw = value.encode() if isinstance(value, str) else bytes(value)
            return raw[:count].ljust(count, b"\0")
        definition = sdk_fit.BASE_TYPE_DEFINITIONS[sdk_fit.FIELD_TYPE_TO_BASE_TYPE[base]]
        code = (">" if big_endian else "<") + _STRUCT[definition["type_code"]]
        values = list(value) if isinstance(value, list | tuple) else [value]
        assert len(values) == count
        out = b""
        for v in values:
            if v is None:  # the invalid sentinel of the base type
                out += (
                    (b"\xff" * definition["size"])
                    if base.startswith("float")
                    else struct.pack(code, definition["invalid"])
                )
            else:
                out += struct.pack(code, v)
        return out

    def raw(self, data: bytes) -> FitWriter:
        self.body += data
        return self

    def to_bytes(
        self,
        *,
        data_size: int | None = None,
        header_size: int = 14,
        bad_header_crc: bool = False,
        bad_crc: bool = False,
    ) -> bytes:
        size = len(self.body) if data_size is None else data_size
        header = struct.pack("<BBHI4s", header_size, 0x20, 2132, size, b".FIT")
        if header_size == 14:
            header += struct.pack("<H", crc16(header) ^ (0xFFFF if bad_header_crc else 0))
        content = header + bytes(self.body)
        return content + struct.pack("<H", crc16(content) ^ (0xFFFF if bad_crc else 0))


def fit_time(iso_seconds: float) -> int:
    """FIT date_time value of POSIX seconds."""
    return int(iso_seconds) - FIT_EPOCH_S


# -- the encoder itself is checked against the SDK, so fixtures mean what they say -----------------------------------
def test_encoder_output_is_read_by_garmin_sdk():
    from garmin_fit_sdk import Decoder, Stream

    t0 = 1_700_000_000
    data = (
        FitWriter()
        .define(0, "file_id", [("type", "enum"), ("manufacturer", "uint16"), ("product_name", "string", 8)])
        .data(0, 4, 1, "edge")
        .define(
            1,
            "record",
            [("timestamp", "uint32"), ("heart_rate", "uint8"), ("speed", "uint16")],
            big_endian=True,
        )
        .data(1, fit_time(t0), 140, 5000)
        .to_bytes()
    )
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors == []
    assert messages["file_id_mesgs"][0] == {
        "type": "activity",
        "manufacturer": "garmin",
        "product_name": "edge",
    }
    record = messages["record_mesgs"][0]
    assert record["timestamp"].timestamp() == t0
    assert (record["heart_rate"], record["speed"], record["enhanced_speed"]) == (140, 5.0, 5.0)
