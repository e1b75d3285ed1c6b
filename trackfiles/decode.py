"""`decode()`: any supported activity file -> Recording. The one entry point importers call."""

from __future__ import annotations

from trackfiles.errors import DecodeError
from trackfiles.recording import Recording
from trackfiles.sniff import GZIP_MAGIC, gunzip, read_source, sniff, source_name


def decode(source, *, filename: str | None = None, strict: bool = False) -> Recording:
    """Decode a FIT, GPX or TCX file (optionally gzip-compressed) into a Recording.

    `source` is a path (str or Path), bytes or a binary file object; `filename` names it in messages and
    breaks ties when the content alone cannot tell the format. Damage is salvaged into `warnings` unless
    `strict`. Only DecodeError (and its subclasses) ever leaves this function. Error messages and warnings
    start with the file name when one is known (given, or the path's or file object's name).
    """
    name = source_name(source, filename)
    try:
        recording = _decode_bytes(read_source(source), name, strict)
    except DecodeError as exc:
        exc.args = (_named(name, str(exc)), *exc.args[1:])
        raise
    except Exception as exc:  # a bug of ours on odd input: still a DecodeError, with the cause chained
        label = f"{name}: " if name else ""
        raise DecodeError(f"{label}unexpected {type(exc).__name__} while decoding: {exc}") from exc
    recording.warnings = [_named(name, warning) for warning in recording.warnings]
    return recording


def _named(name: str | None, message: str) -> str:
    """Prefix the file name unless the message already names a file (the FIT decoder names the inner file)."""
    if not name or message.startswith(f"{name}:"):
        return message
    inner = name[:-3] if name.lower().endswith(".gz") else None
    if inner and message.startswith(f"{inner}:"):
        return message
    return f"{name}: {message}"


def _decode_bytes(data: bytes, name: str | None, strict: bool) -> Recording:
    if not data:
        raise DecodeError("empty file")
    warnings: list[str] = []
    inner_name = name
    if data.startswith(GZIP_MAGIC):
        data = gunzip(data, strict=strict, warnings=warnings)
        if not data:
            raise DecodeError("empty file inside the gzip stream")
        if name and name.lower().endswith(".gz"):
            inner_name = name[:-3]
    sniffed = sniff(data, inner_name)
    if sniffed.format == "fit":
        from trackfiles.fit import decode_fit  # lazily: the FIT package is big and optional for XML users

        recording = decode_fit(data, strict=strict, filename=inner_name)
    elif sniffed.format == "gpx":
        from trackfiles.gpx import decode_gpx

        recording = decode_gpx(sniffed.xml, strict=strict)
    else:
        from trackfiles.tcx import decode_tcx

        recording = decode_tcx(sniffed.xml, strict=strict)
    recording.warnings[:0] = warnings
    return recording
