"""Stored files of activities, always through Django's default storage (local disk or S3).

Originals are content-addressed (`originals/ab/cd/<sha256>`) and stored once; streams are one compressed
columnar file per activity (numpy .npz). Deleting only removes a file no other activity still refers to.
"""

from __future__ import annotations

import io
import uuid
import zipfile

import numpy as np
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from vault.activities.models import Activity, StoredOriginal

# Channels whose precision matters beyond float32 (seconds since 1970, degrees to the centimetre).
_FLOAT64_CHANNELS = {"timestamp", "lat", "lon"}


def original_name(sha256: str) -> str:
    return f"originals/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def original_store(*, data: bytes, sha256: str, content_type: str) -> tuple[StoredOriginal, list[str]]:
    """The StoredOriginal for these bytes, writing the file only if it is not stored yet.

    `content_type` comes from what the bytes are (services.content_type_of, after sniffing), never from the
    file name: the row is shared by everyone who uploads the same bytes, under whatever name.
    Returns the row and the storage names this call wrote (so a failed import can remove exactly those).
    """
    written: list[str] = []
    name = original_name(sha256)
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(data))
        if saved != name:
            # Another worker stored the same bytes in the meantime; its copy is the one we keep.
            default_storage.delete(saved)
        else:
            written.append(saved)
    original, _ = StoredOriginal.objects.get_or_create(
        sha256=sha256,
        defaults={"name": name, "size": len(data), "content_type": content_type},
    )
    return original, written


def original_release(original: StoredOriginal) -> None:
    """Delete the original's row and file when no activity refers to it any more."""
    if Activity.objects.filter(original=original).exists():
        return
    StoredOriginal.objects.filter(pk=original.pk).delete()
    default_storage.delete(original.name)


def original_open(original: StoredOriginal):
    return default_storage.open(original.name, "rb")


def original_read(original: StoredOriginal) -> bytes:
    with original_open(original) as handle:
        return handle.read()


def streams_store(streams: dict[str, np.ndarray]) -> str:
    """Write one activity's streams as a compressed .npz and return its storage name."""
    arrays = {
        channel: np.asarray(values, dtype=np.float64 if channel in _FLOAT64_CHANNELS else np.float32)
        for channel, values in streams.items()
    }
    buffer = io.BytesIO()
    # An .npz is a zip of .npy files; written by hand to pick deflate level 1, which costs a third of
    # numpy's default level for files only ~4% larger (the import's CPU budget matters more than bytes).
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as npz:
        for channel, values in arrays.items():
            with npz.open(f"{channel}.npy", "w") as entry:
                np.lib.format.write_array(entry, values, allow_pickle=False)
    key = uuid.uuid4().hex
    return default_storage.save(f"streams/{key[:2]}/{key}.npz", ContentFile(buffer.getvalue()))


def streams_read(name: str) -> dict[str, np.ndarray]:
    if not name:
        return {}
    with default_storage.open(name, "rb") as handle:
        data = handle.read()
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {channel: npz[channel] for channel in npz.files}


def streams_delete(name: str) -> None:
    if name:
        default_storage.delete(name)
