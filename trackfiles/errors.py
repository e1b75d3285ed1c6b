"""The only exceptions that ever leave trackfiles.

Every message says what is wrong and where (byte offset or line), so the importer can show it as is.
"""


class DecodeError(Exception):
    """Base of every decoding failure; nothing else leaves `decode` or `read_messages`."""


class TruncatedFile(DecodeError):
    """The data ends before a structure it started (strict mode, or nothing salvageable)."""


class BadChecksum(DecodeError):
    """A CRC does not match (raised only in strict mode; otherwise a warning)."""


class UnsupportedFormat(DecodeError):
    """The content is not FIT, GPX or TCX (or a gzip of one)."""


class EmptyRecording(DecodeError):
    """The file is well formed but holds no activity samples."""
