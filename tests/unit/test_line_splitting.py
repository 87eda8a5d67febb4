"""The serial line splitter and decoder: any bytes in, no exception, same lines however they are chunked."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from agent.modem.link import decode_line, take_lines
from agent.modem.urc import parse_urc


def split_all(data: bytes, cuts: list[int]) -> tuple[list[str], bytes]:
    buffer, lines, start = bytearray(), [], 0
    for cut in sorted(set(c % (len(data) + 1) for c in cuts)) + [len(data)]:
        buffer += data[start:cut]
        start = cut
        lines += take_lines(buffer)
    return lines, bytes(buffer)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_decode_and_parse_without_exception(data):
    for line in take_lines(bytearray(data)):
        assert "\r" not in line and "\n" not in line and line == line.strip()
        parse_urc(line)
    decode_line(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.lists(st.integers(0, 400), max_size=12))
def test_chunking_does_not_change_the_lines(data, cuts):
    whole = bytearray(data)
    assert split_all(data, cuts) == (take_lines(whole), bytes(whole))


def test_known_framings():
    buffer = bytearray(b"\r\r\nRING\r\n\r\n+CLIP: \"07911123456\",129\rNO CARRIER\npart")
    assert take_lines(buffer) == ["RING", '+CLIP: "07911123456",129', "NO CARRIER"]
    assert buffer == b"part"


def test_non_utf8_is_kept_as_latin1_not_dropped():
    assert decode_line(b"caf\xe9") == "café"
    assert decode_line(b"\x00\x01RING\x7f") == "RING"
