"""FIT decoding: `read_messages` (every message as columns) and `decode_fit` (a Recording)."""

from trackfiles.fit.activity import decode_fit
from trackfiles.fit.reader import read_messages

__all__ = ["decode_fit", "read_messages"]
