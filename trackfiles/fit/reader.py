"""`read_messages`: every message of a FIT file as columns (see `columns.py` for the representation)."""

from __future__ import annotations

import os
from typing import IO

import numpy as np

from trackfiles.errors import DecodeError
from trackfiles.fit.columns import build_messages
from trackfiles.fit.scan import scan

Source = bytes | bytearray | memoryview | str | os.PathLike | IO[bytes]


def read_bytes(source: Source) -> tuple[bytes, str | None]:
    """The bytes of a path, bytes-like or binary file object, and a name for messages."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), None
    if isinstance(source, str | os.PathLike):
        try:
            with open(source, "rb") as f:
                return f.read(), os.fspath(source)
        except OSError as error:
            raise DecodeError(f"cannot read {os.fspath(source)}: {error.strerror or error}") from error
    read = getattr(source, "read", None)
    if read is None:
        raise DecodeError(
            f"cannot decode a {type(source).__name__}: expected a path, bytes or a binary file object"
        )
    try:
        data = read()
    except OSError as error:
        raise DecodeError(f"cannot read the FIT file object: {error}") from error
    if not isinstance(data, bytes | bytearray | memoryview):
        raise DecodeError(f"the file object gave {type(data).__name__}, not bytes; open it in binary mode")
    return bytes(data), getattr(source, "name", None) if isinstance(
        getattr(source, "name", None), str
    ) else None


def decode_messages(
    data: bytes, *, strict: bool = False, filename: str | None = None
) -> tuple[dict[str, dict[str, np.ndarray]], list[str]]:
    """Messages and the warnings about damage that was salvaged; only DecodeError escapes."""
    where = f"{filename}: " if filename else ""
    try:
        scanned = scan(data, strict=strict, where=where)
        warnings = scanned.warnings
        with np.errstate(all="ignore"):  # damaged values (inf, huge) must not surface as numpy warnings
            messages = build_messages(scanned, warnings)
    except DecodeError:
        raise
    except (MemoryError, RecursionError) as error:
        raise DecodeError(f"{where}FIT file too large or too deeply damaged to decode: {error!r}") from error
    except Exception as error:
        # A defect of ours on some byte pattern must still surface as a decoding failure, never a crash.
        raise DecodeError(f"{where}cannot decode FIT data ({type(error).__name__}: {error})") from error
    return messages, warnings


def read_messages(source: Source, *, strict: bool = False) -> dict[str, dict[str, np.ndarray]]:
    """Every message type of a FIT file as columns: message name -> field name -> array (file order).

    `source` is a path, bytes or a binary file object. Damage is salvaged (every complete record is kept);
    with `strict=True` the first problem raises the matching DecodeError subclass instead.

    Values, in short (the full contract is in `trackfiles.fit.columns`): numbers are float64 scaled as the
    profile says, NaN where the FIT invalid sentinel is; date_time fields are POSIX seconds; named types
    (enums, manufacturer, ...) are object arrays of profile names; strings are object arrays; array fields
    are 2-D; developer fields are named by their field_description.
    """
    data, name = read_bytes(source)
    messages, _ = decode_messages(data, strict=strict, filename=name)
    return messages
