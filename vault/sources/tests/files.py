"""Small valid activity files for the folder tests: distinct content per (start, seed)."""

from __future__ import annotations

import datetime as dt
import gzip

START = dt.datetime(2026, 3, 1, 7, 0, tzinfo=dt.UTC)


def gpx_bytes(index: int = 0, *, points: int = 5, gz: bool = False) -> bytes:
    """A GPX run of `points` one-second samples starting `index` hours after START."""
    start = START + dt.timedelta(hours=index)
    rows = "".join(
        f'<trkpt lat="{51.33 + i * 0.0001:.6f}" lon="{12.34 + i * 0.0001:.6f}"><ele>{100 + i}</ele>'
        f"<time>{(start + dt.timedelta(seconds=i)).strftime('%Y-%m-%dT%H:%M:%SZ')}</time></trkpt>"
        for i in range(points)
    )
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="vault-tests" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>Run {index}</name><type>running</type><trkseg>{rows}</trkseg></trk></gpx>\n"
    ).encode()
    return gzip.compress(text, mtime=0) if gz else text
