"""trackfiles: FIT, GPX and TCX decoding into `Recording`s. Pure Python + numpy; never imports Django."""

from trackfiles.decode import decode
from trackfiles.errors import BadChecksum, DecodeError, EmptyRecording, TruncatedFile, UnsupportedFormat
from trackfiles.recording import STREAM_CHANNELS, Device, Recording

__all__ = [
    "STREAM_CHANNELS",
    "BadChecksum",
    "DecodeError",
    "Device",
    "EmptyRecording",
    "Recording",
    "TruncatedFile",
    "UnsupportedFormat",
    "decode",
    "read_messages",
]


def __getattr__(name: str):
    # read_messages lives in the FIT package, imported only when first asked for
    if name == "read_messages":
        from trackfiles.fit import read_messages

        return read_messages
    raise AttributeError(f"module 'trackfiles' has no attribute {name!r}")
