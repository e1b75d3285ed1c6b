"""Getting the bytes: reading a source, unwrapping gzip within limits, and telling FIT, GPX and TCX apart.

The format comes from the content; the file name only decides when the content cannot (an XML document
whose root element is not reached, e.g. cut off inside a long comment).
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from pathlib import PurePath

from trackfiles.errors import BadChecksum, DecodeError, TruncatedFile, UnsupportedFormat
from trackfiles.xmlsafe import XmlBody, read_prolog

MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024  # no real activity file comes near this (the largest FIT: ~5 MB)
MAX_INPUT_BYTES = MAX_DECOMPRESSED_BYTES
MAX_GZIP_RATIO = 200  # text activity files compress ~10-40:1; far beyond that is a decompression bomb
GZIP_RATIO_FREE_BYTES = 8 * 1024 * 1024  # small outputs may have any ratio
GZIP_MAGIC = b"\x1f\x8b"
_GZIP_CHUNK = 64 * 1024

_XML_FORMAT_OF_ROOT = {"gpx": "gpx", "TrainingCenterDatabase": "tcx"}
_FORMAT_OF_SUFFIX = {".fit": "fit", ".gpx": "gpx", ".tcx": "tcx"}


@dataclass
class Sniffed:
    format: str  # "fit", "gpx" or "tcx"
    xml: XmlBody | None = None


def source_name(source, filename: str | None) -> str | None:
    """The name to put in messages: the given one, else the path's or the file object's base name."""
    if filename:
        return filename
    if isinstance(source, str | os.PathLike):
        return os.path.basename(os.fspath(source))
    name = getattr(source, "name", None)
    return os.path.basename(name) if isinstance(name, str) else None


def read_source(source) -> bytes:
    """The bytes of a path, bytes-like or binary file object, refusing more than MAX_INPUT_BYTES."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        try:
            size = os.path.getsize(path)
            if size > MAX_INPUT_BYTES:
                raise UnsupportedFormat(f"the file is {size} bytes, above the {MAX_INPUT_BYTES} byte limit")
            with open(path, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise DecodeError(f"cannot read {path}: {exc.strerror or exc}") from exc
    read = getattr(source, "read", None)
    if read is None:
        raise DecodeError(
            f"cannot decode a {type(source).__name__}; pass a path, bytes or a binary file object"
        )
    try:
        data = read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise DecodeError(f"cannot read the file object: {exc}") from exc
    if isinstance(data, str):
        raise DecodeError("the file object is open in text mode; open it in binary mode ('rb')")
    if not isinstance(data, bytes | bytearray):
        raise DecodeError(f"the file object's read() gave {type(data).__name__}, not bytes")
    if len(data) > MAX_INPUT_BYTES:
        raise UnsupportedFormat(f"the file is more than {MAX_INPUT_BYTES} bytes, above the limit")
    return bytes(data)


def gunzip(data: bytes, *, strict: bool, warnings: list[str]) -> bytes:
    """Decompress gzip (several members allowed) within the size and ratio limits.

    A stream that ends early or is corrupt keeps what decompressed, with a warning saying at which
    compressed byte; with `strict` it raises instead.
    """
    out = bytearray()
    consumed = 0
    while consumed < len(data):
        decompressor = zlib.decompressobj(wbits=31)  # 31: gzip header and trailer
        member_start, member_output_start = consumed, len(out)
        try:
            while consumed < len(data) and not decompressor.eof:
                chunk = data[consumed : consumed + _GZIP_CHUNK]
                consumed += len(chunk)
                _limited_inflate(decompressor, chunk, out, consumed)
        except zlib.error as exc:
            # the failing call's output is lost: decode the member again, finely, up to the bad byte
            del out[member_output_start:]
            bad_at = _salvage_member(data, member_start, out)
            if "incorrect data check" in str(exc) or "incorrect length check" in str(exc):
                message = f"gzip checksum mismatch at byte {bad_at}: the data may be damaged"
                if strict:
                    raise BadChecksum(message) from exc
                warnings.append(message)
                return bytes(out)
            message = f"gzip stream is corrupt at byte {bad_at} ({exc}); kept the {len(out)} bytes before it"
            if strict or not out:
                raise TruncatedFile(message) from exc
            warnings.append(message)
            return bytes(out)
        if not decompressor.eof:
            message = (
                f"gzip stream ends early at byte {len(data)}: decoded the {len(out)} bytes that decompressed"
            )
            if strict or not out:
                raise TruncatedFile(message)
            warnings.append(message)
            return bytes(out)
        rest = decompressor.unused_data
        consumed = len(data) - len(rest)
        if rest and not rest.startswith(GZIP_MAGIC):
            if rest.strip(b"\x00"):  # zero padding after gzip is common and harmless
                warnings.append(
                    f"{len(rest)} bytes of non-gzip data after the gzip stream at byte {consumed} ignored"
                )
            break
    return bytes(out)


def _salvage_member(data: bytes, start: int, out: bytearray) -> int:
    """Decompress one damaged member into `out` up to the byte zlib rejects; return that byte's offset."""
    decompressor = zlib.decompressobj(wbits=31)
    position, step = start, 1024
    while position < len(data) and not decompressor.eof:
        chunk = data[position : position + step]
        before = decompressor.copy()
        try:
            _limited_inflate(decompressor, chunk, out, position + len(chunk))
        except zlib.error:
            if step == 1:
                return position
            decompressor, step = before, 1  # retry this chunk byte by byte to keep all good output
            continue
        position += len(chunk)
    return position


def _limited_inflate(decompressor, chunk: bytes, out: bytearray, consumed: int) -> None:
    pending = chunk
    while True:
        room = MAX_DECOMPRESSED_BYTES - len(out) + 1
        piece = decompressor.decompress(pending, min(room, 4 * 1024 * 1024))
        out += piece
        if len(out) > MAX_DECOMPRESSED_BYTES:
            raise UnsupportedFormat(
                f"gzip data expands beyond the {MAX_DECOMPRESSED_BYTES // (1024 * 1024)} MB limit "
                f"(after {consumed} compressed bytes); refused as a possible decompression bomb"
            )
        if len(out) > GZIP_RATIO_FREE_BYTES and len(out) > MAX_GZIP_RATIO * consumed:
            raise UnsupportedFormat(
                f"gzip data expands more than {MAX_GZIP_RATIO}:1 ({len(out)} bytes from the first {consumed}); "
                "refused as a possible decompression bomb"
            )
        pending = decompressor.unconsumed_tail
        if not pending or decompressor.eof:
            return


def is_fit(data: bytes) -> bool:
    return len(data) >= 12 and data[0] in (12, 14) and data[8:12] == b".FIT"


def sniff(data: bytes, filename: str | None) -> Sniffed:
    """Which decoder the content needs; UnsupportedFormat saying what was found when none does.

    `filename` only breaks ties; decode() puts the name in front of every message.
    """
    if is_fit(data):
        return Sniffed("fit")
    hinted = _FORMAT_OF_SUFFIX.get(PurePath(filename).suffix.lower()) if filename else None
    if len(data) >= 12 and data[8:12] == b".FIT":
        # a FIT signature with an odd header size: the FIT decoder says precisely what is wrong
        return Sniffed("fit")
    body = read_prolog(data)
    if body is not None:
        xml_format = _XML_FORMAT_OF_ROOT.get(body.root_name or "")
        if xml_format:
            return Sniffed(xml_format, body)
        if body.root_name is None and hinted in ("gpx", "tcx"):
            return Sniffed(hinted, body)
        if body.root_name is None:
            raise UnsupportedFormat("XML whose root element could not be found; not a FIT, GPX or TCX file")
        if body.root_name.lower() == "html":
            raise UnsupportedFormat(
                f"an HTML document (root element <{body.root_name}>), not a FIT, GPX or TCX file; "
                "perhaps a web page saved instead of the activity file"
            )
        raise UnsupportedFormat(
            f"an XML document with root element <{body.root_name}>; "
            "expected <gpx> (GPX) or <TrainingCenterDatabase> (TCX)"
        )
    raise UnsupportedFormat(f"{_describe(data)} is not a FIT, GPX or TCX file")


def _describe(data: bytes) -> str:
    stripped = data.lstrip()
    if data.startswith(b"PK\x03\x04"):
        return "a ZIP archive (unpack it and upload the files inside)"
    if data.startswith(b"%PDF"):
        return "a PDF document"
    if stripped[:1] in (b"{", b"["):
        return "JSON text"
    if stripped[:15].lower().startswith((b"<!doctype html", b"<html")):
        return "an HTML document"
    if data.startswith(GZIP_MAGIC):
        return "gzip inside gzip"
    return f"data starting with bytes {data[:8].hex(' ')}"
