"""Helpers shared by the local fakes of outside services."""

from __future__ import annotations

import select
import socket


def client_gone(handler) -> bool:
    """Whether the client of this request closed its connection (after timing out, say): its socket then
    reads as end-of-file. A fake uses it so that an answer nobody received is not counted as served."""
    sock = handler.connection
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True
