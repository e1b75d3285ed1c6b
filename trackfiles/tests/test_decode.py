"""trackfiles.decode: sources, format sniffing, gzip, hostile input, and 'only DecodeError ever leaves'."""

from __future__ import annotations

import gzip
import io
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trackfiles
from trackfiles import DecodeError, EmptyRecording, TruncatedFile, UnsupportedFormat, decode
from trackfiles import sniff as sniff_module

GPX = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">\n<trk><trkseg>\n'
    + b"".join(
        b'<trkpt lat="46.%04d" lon="14.0"><ele>%d</ele><time>2024-05-01T06:00:%02dZ</time></trkpt>\n'
        % (i, i, i)
        for i in range(20)
    )
    + b"</trkseg></trk>\n</gpx>\n"
)
TCX = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">\n'
    b'<Activities><Activity Sport="Running"><Id>2024-05-01T06:00:00Z</Id><Lap StartTime="2024-05-01T06:00:00Z">'
    b"<TotalTimeSeconds>3</TotalTimeSeconds><DistanceMeters>9</DistanceMeters><Track>"
    + b"".join(
        b"<Trackpoint><Time>2024-05-01T06:00:0%dZ</Time><DistanceMeters>%d</DistanceMeters></Trackpoint>"
        % (i, 3 * i)
        for i in range(4)
    )
    + b"</Track></Lap></Activity></Activities>\n</TrainingCenterDatabase>\n"
)


def test_decode_is_exported_with_the_error_classes():
    assert trackfiles.decode is decode
    assert "decode" in trackfiles.__all__ and "read_messages" in trackfiles.__all__


def test_read_messages_is_re_exported_lazily():
    from trackfiles.fit import read_messages

    assert trackfiles.read_messages is read_messages
    with pytest.raises(AttributeError, match="no attribute 'encode'"):
        trackfiles.encode


def test_warnings_start_with_the_file_name_when_known(tmp_path):
    cut = GPX[:-60]
    assert decode(cut).warnings[0].startswith("XML is cut off")
    assert decode(cut, filename="a.gpx").warnings[0].startswith("a.gpx: XML is cut off")
    path = tmp_path / "b.gpx.gz"
    path.write_bytes(gzip.compress(cut))
    assert decode(path).warnings[0].startswith("b.gpx.gz: XML is cut off")


@pytest.mark.parametrize("data", [GPX, TCX], ids=["gpx", "tcx"])
def test_sources_path_str_bytes_and_file_object_agree(tmp_path, data):
    path = tmp_path / "activity.bin"
    path.write_bytes(data)
    results = [
        decode(path),
        decode(str(path)),
        decode(data),
        decode(bytearray(data)),
        decode(io.BytesIO(data)),
    ]
    for rec in results:
        np.testing.assert_array_equal(rec.streams["timestamp"], results[0].streams["timestamp"])
    assert results[0].source_format in ("gpx", "tcx")


def test_format_comes_from_content_not_name():
    assert decode(GPX, filename="ride.fit").source_format == "gpx"
    assert decode(TCX, filename="ride.gpx").source_format == "tcx"


def test_name_breaks_the_tie_when_the_root_element_is_never_reached():
    cut_in_comment = b'<?xml version="1.0"?>\n<!-- exported by a tool that never finishes this comment'
    with pytest.raises(DecodeError, match=r"track.gpx: XML is cut off") as excinfo:
        decode(cut_in_comment, filename="track.gpx")
    assert not isinstance(excinfo.value, UnsupportedFormat)  # the GPX reader was chosen by the name
    with pytest.raises(UnsupportedFormat, match="root element could not be found"):
        decode(cut_in_comment)


def test_bom_and_leading_whitespace_as_strava_writes_them():
    assert decode(b"\xef\xbb\xbf" + TCX).sample_count == 4
    assert decode(b"\r\n\t  " + TCX).sample_count == 4
    assert decode(b"\xef\xbb\xbf  \n" + GPX).sample_count == 20


def test_line_numbers_count_the_skipped_leading_lines():
    cut_line = GPX[:-60].count(b"\n") + 1
    rec = decode(b"\n\n\n" + GPX[:-60])
    assert rec.warnings[0].startswith(f"XML is cut off at line {cut_line + 3}, column")
    assert f"line {cut_line}," not in rec.warnings[0]  # libxml2's own (shifted) position is not repeated


def test_utf16_with_bom_is_read():
    text = GPX.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    assert decode(text.encode("utf-16")).sample_count == 20


def test_empty_input_is_an_error():
    with pytest.raises(DecodeError, match="empty file"):
        decode(b"")
    with pytest.raises(DecodeError, match=r"empty.fit: empty file"):
        decode(io.BytesIO(b""), filename="empty.fit")


def test_html_named_fit_says_what_it_is():
    page = b"<!DOCTYPE html>\n<html><head><title>Strava</title></head><body>Log in</body></html>"
    with pytest.raises(UnsupportedFormat, match=r"ride.fit: an HTML document \(root element <html>\)"):
        decode(page, filename="ride.fit")


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (b"PK\x03\x04\x14\x00\x00\x00", "a ZIP archive"),
        (b'{"type": "FeatureCollection"}', "JSON text"),
        (b"%PDF-1.7\n", "a PDF document"),
        (b"\x00\x01\x02\x03\x04\x05\x06\x07\x08", "data starting with bytes 00 01 02"),
        (b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"/>', "root element <kml>"),
    ],
)
def test_unsupported_content_is_named(data, found):
    with pytest.raises(UnsupportedFormat, match=found):
        decode(data)


def test_gzip_is_unwrapped_and_the_inner_name_breaks_ties():
    rec = decode(gzip.compress(GPX), filename="activity.gpx.gz")
    assert rec.sample_count == 20 and rec.warnings == []
    assert decode(gzip.compress(TCX)).source_format == "tcx"


def test_concatenated_gzip_members_are_joined():
    half = len(GPX) // 2
    assert decode(gzip.compress(GPX[:half]) + gzip.compress(GPX[half:])).sample_count == 20


def test_truncated_gzip_is_salvaged_with_the_byte_offset():
    packed = gzip.compress(GPX, compresslevel=1)
    cut = packed[: len(packed) * 2 // 3]
    rec = decode(cut)
    assert rec.warnings[0].startswith(f"gzip stream ends early at byte {len(cut)}")
    assert "XML is cut off" in rec.warnings[1]
    assert 0 < rec.sample_count < 20
    with pytest.raises(TruncatedFile, match=f"gzip stream ends early at byte {len(cut)}"):
        decode(cut, strict=True)


def test_gzip_with_nothing_decompressible_is_an_error():
    with pytest.raises(TruncatedFile, match="gzip stream ends early at byte 2"):
        decode(b"\x1f\x8b")


def test_gzip_bomb_is_refused_by_ratio():
    bomb = gzip.compress(b"\x00" * (40 * 1024 * 1024))  # 40 MB of zeros in ~40 kB
    with pytest.raises(UnsupportedFormat, match="expands more than 200:1"):
        decode(bomb, filename="bomb.gpx.gz")


def test_gzip_bomb_is_refused_by_size(monkeypatch):
    monkeypatch.setattr(sniff_module, "MAX_DECOMPRESSED_BYTES", 1024 * 1024)
    monkeypatch.setattr(sniff_module, "GZIP_RATIO_FREE_BYTES", 1 << 40)
    with pytest.raises(UnsupportedFormat, match="beyond the 1 MB limit"):
        decode(gzip.compress(b" " * (2 * 1024 * 1024)))


def test_corrupt_gzip_checksum_is_a_warning_or_in_strict_mode_an_error():
    packed = bytearray(gzip.compress(GPX))
    packed[-8] ^= 0xFF  # CRC32 in the trailer
    assert "gzip checksum mismatch" in decode(bytes(packed)).warnings[0]
    with pytest.raises(trackfiles.BadChecksum):
        decode(bytes(packed), strict=True)


def test_corrupt_deflate_data_with_nothing_before_it_is_an_error():
    packed = bytearray(gzip.compress(GPX))
    packed[10:30] = b"\xff" * 20
    with pytest.raises(DecodeError, match=r"gzip stream is corrupt at byte 1[0-9]"):
        decode(bytes(packed))


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE gpx [\n<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b']>\n<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
    b'<trkpt lat="1" lon="2"><name>&lol9;</name><time>2024-01-01T00:00:00Z</time></trkpt></trkseg></trk></gpx>'
)
XXE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE TrainingCenterDatabase [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    b'<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"><Activities>'
    b'<Activity Sport="Running"><Id>&xxe;</Id><Lap StartTime="2024-01-01T00:00:00Z"><Track><Trackpoint>'
    b"<Time>2024-01-01T00:00:00Z</Time></Trackpoint></Track></Lap></Activity></Activities></TrainingCenterDatabase>"
)


@pytest.mark.parametrize(
    ("data", "line"),
    [(BILLION_LAUGHS, 2), (XXE, 2), (b"\xef\xbb\xbf\n" + XXE, 3)],
    ids=["billion-laughs", "xxe", "bom-xxe"],
)
def test_entity_declarations_are_refused_before_parsing(data, line):
    with pytest.raises(DecodeError, match=f"the XML DOCTYPE at line {line} declares entities; refused"):
        decode(data)


def test_entities_hidden_after_a_long_comment_are_still_refused():
    data = b'<?xml version="1.0"?>\n<!--' + b"x" * 200_000 + b"-->\n" + XXE.split(b"\n", 1)[1]
    with pytest.raises(DecodeError, match="declares entities"):
        decode(data)


def test_a_doctype_without_entities_is_fine():
    data = GPX.replace(b"\n<gpx", b'\n<!DOCTYPE gpx SYSTEM "http://example.invalid/gpx.dtd">\n<gpx', 1)
    assert decode(data).sample_count == 20


def test_bad_sources_are_decode_errors(tmp_path):
    with pytest.raises(DecodeError, match=r"cannot read .*missing.gpx"):
        decode(tmp_path / "missing.gpx")
    with pytest.raises(DecodeError, match="cannot decode a int"):
        decode(42)
    with pytest.raises(DecodeError, match="text mode"):
        decode(io.StringIO("<gpx/>"))


def test_unexpected_internal_failures_become_decode_errors(monkeypatch):
    def explode(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("trackfiles.gpx.finish_streams", explode)
    with pytest.raises(DecodeError, match=r"x.gpx: unexpected ZeroDivisionError while decoding: boom"):
        decode(GPX, filename="x.gpx")


def test_metadata_only_gpx_is_an_empty_recording():
    data = b'<?xml version="1.0"?><gpx xmlns="http://www.topografix.com/GPX/1/1"><metadata><time>2023-07-07T16:10:57Z</time></metadata></gpx>'
    with pytest.raises(EmptyRecording, match="no track points"):
        decode(data)


def _mutations():
    seeds = [GPX, TCX, gzip.compress(GPX), b"\x0e\x10\x00\x00\x00\x00\x00\x00.FIT\x00\x00"]
    return st.tuples(
        st.sampled_from(seeds),
        st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 255)), max_size=8),
        st.integers(0, 4000),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_random_bytes_raise_only_decode_errors(data):
    try:
        rec = decode(data)
    except DecodeError as exc:
        assert str(exc)  # every error says what is wrong
    else:
        assert isinstance(rec, trackfiles.Recording)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations())
def test_mutated_files_raise_only_decode_errors(mutation):
    seed, flips, cut = mutation
    data = bytearray(seed)
    for position, value in flips:
        if position < len(data):
            data[position] = value
    data = bytes(data[: max(cut, 1)]) if cut < len(data) else bytes(data)
    try:
        rec = decode(data)
    except DecodeError:
        return
    lengths = {values.shape[0] for values in rec.streams.values()}
    assert len(lengths) <= 1  # every channel has one sample per timestamp


def test_zlib_error_type_never_escapes():
    with pytest.raises(DecodeError):
        decode(b"\x1f\x8b\x08\x00" + zlib.compress(b"not gzip framing"))


def test_corrupt_deflate_data_mid_stream_keeps_what_came_before():
    packed = bytearray(gzip.compress(GPX * 3, compresslevel=1))
    middle = len(packed) // 2
    packed[middle : middle + 16] = b"\xff" * 16
    rec = decode(bytes(packed))
    bad_at = int(rec.warnings[0].split("at byte ")[1].split()[0])
    assert middle <= bad_at < middle + 16  # zlib notices within the damaged bytes
    assert "invalid" in rec.warnings[0]
    assert 0 < rec.sample_count < 20
    with pytest.raises(TruncatedFile, match="gzip stream is corrupt"):
        decode(bytes(packed), strict=True)


def test_gzip_inside_gzip_is_named():
    with pytest.raises(
        UnsupportedFormat, match=r"^x\.gpx\.gz\.gz: gzip inside gzip is not a FIT, GPX or TCX file$"
    ):
        decode(gzip.compress(gzip.compress(GPX)), filename="x.gpx.gz.gz")


def test_inputs_above_the_size_limit_are_refused_without_reading_them_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(sniff_module, "MAX_INPUT_BYTES", 1000)
    path = tmp_path / "huge.gpx"
    path.write_bytes(GPX)
    with pytest.raises(
        UnsupportedFormat, match=rf"huge\.gpx: the file is {len(GPX)} bytes, above the 1000 byte limit"
    ):
        decode(path)
    with pytest.raises(UnsupportedFormat, match="more than 1000 bytes"):
        decode(io.BytesIO(GPX))
