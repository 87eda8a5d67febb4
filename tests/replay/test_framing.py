"""Captured byte streams → take_lines / decode_line: the lines, whatever the framing and however the
serial driver cuts the reads.

Each stream is quoted from a transcript; the expected lines are what the source shows the modem
printed. Split points are chosen by a seeded generator, so a failure names a reproducible cut.
"""

from __future__ import annotations

import random

import pytest

from agent.modem.link import decode_line, take_lines
from tests.replay import section

STREAMS = [
    # (transcript, section, index, the lines the source shows)
    ("modemmanager_simtech", "cring-framing", 0, ["+CRING: VOICE"]),                 # CR CR LF
    ("modemmanager_simtech", "cring-framing", 1, ["+CRING: VOICE"]),
    ("modemmanager_simtech", "rxdtmf-framing", 0, ["+RXDTMF: 8"]),
    ("modemmanager_huawei", "mode-framing", 0, ["^MODE:5"]),
    ("modemmanager_huawei", "mode-framing", 1, ["^MODE: 2"]),                        # CR CR LF (CDMA)
    ("modemmanager_at_serial_port", "ok-then-cmti", 0, ["OK", '+CMTI: "ME",1']),
    ("modemmanager_at_serial_port", "ok-then-incoming-call", 0,
     ["OK", "+CIEV: 7,1", "+CRING: VOICE", '+CLIP: "+0123456789",145,,,,0']),
    ("modemmanager_at_serial_port", "bare-lf-results", 0, ["NO CARRIER"]),
    ("modemmanager_at_serial_port", "bare-lf-results", 1, ["CONNECT"]),
    ("modemmanager_at_serial_port", "error-results", 3, ["NO CARRIER", "Something extra"]),
    ("modemmanager_helpers", "cds", 0,
     ["+CDS: 24", "07914356060013F1065A098136395339F6219011700463802190117004638030"]),
    # gammu tests/at-model/06.dump: echo "AT+CGMM\r\r\n", a model padded with spaces, an empty line
    ("gammu_tests", "at-model/06", 0, ["AT+CGMM", "MULTIBAND  900E  1800", "OK"]),
    ("gammu_tests", "at-cscs-huawei/huawei-e1752", 0, ['+CSCS: "GSM"', "OK"]),
    # gammu tests/atgen: "+CMT: ,23\r<pdu>\r" — lines ended by a bare CR
    ("gammu_tests", "atgen-events", 0,
     ["+CMT: ,23", "07918497483252F0840B918496445078F700007121320144744004D4F29C0E"]),
    ("python_gsmmodem_fakemodems", "huawei-e1752-clac-framing", 0, ["&C", "&D", "&F", "&V", "OK"]),
    ("issue_logs", "huawei-e1752-cpin-frame", 0, ["AT+CPIN?", "+CPIN: READY", "OK"]),
    ("issue_logs", "ring-frame", 0, ["RING"]),
    ("issue_logs", "gtm382-clip-frame", 0, ["AT+CLIP=1", "OK"]),
]


def _stream(source, key, index) -> bytes:
    raw = section(source, key)[index]
    assert isinstance(raw, bytes)
    return raw


def _feed(chunks) -> tuple[list[str], bytes]:
    buffer = bytearray()
    lines: list[str] = []
    for chunk in chunks:
        buffer += chunk
        lines += take_lines(buffer)
    return lines, bytes(buffer)


@pytest.mark.parametrize("source, key, index, expected", STREAMS, ids=lambda v: v if isinstance(v, str) else None)
def test_whole_stream(source, key, index, expected):
    assert _feed([_stream(source, key, index)]) == (expected, b"")


@pytest.mark.parametrize("source, key, index, expected", STREAMS, ids=lambda v: v if isinstance(v, str) else None)
def test_every_single_cut(source, key, index, expected):
    data = _stream(source, key, index)
    for cut in range(len(data) + 1):
        assert _feed([data[:cut], data[cut:]]) == (expected, b""), f"cut at {cut}"


@pytest.mark.parametrize("seed", range(20))
def test_all_streams_back_to_back_in_random_reads(seed):
    """The streams one after another, as one serial line would carry them, read in random-sized
    chunks (1 to 17 bytes: a 9600-baud UART read, or a USB packet cut)."""
    data = b"".join(_stream(s, k, i) for s, k, i, _ in STREAMS)
    expected = [text for *_, lines in STREAMS for text in lines]
    rng = random.Random(seed)
    chunks, position = [], 0
    while position < len(data):
        size = rng.randint(1, 17)
        chunks.append(data[position:position + size])
        position += size
    lines, rest = _feed(chunks)
    # the last stream ends its last line, so nothing is left over
    assert (lines, rest) == (expected, b"")


def test_sim7600_boot_split_as_the_uart_delivered_it():
    # espressif/esp-protocols#789: row 1 ends with "+CPIN: ", row 2 with "SMS DON" (the dump stops there)
    first, second = section("issue_logs", "sim7600-boot-uart-rx")
    buffer = bytearray(first)
    assert take_lines(buffer) == ["RDY"]
    assert bytes(buffer) == b"+CPIN: "
    buffer += second
    assert take_lines(buffer) == ["+CPIN: READY"]
    assert bytes(buffer) == b"SMS DON"          # an unfinished line waits for its end


# ---- corruption injected around captured lines (the line content stays as captured) ---------------

def test_stray_nuls_between_and_inside_lines():
    """A modem waking from sleep or a UART glitch can send NUL bytes; they are never a line, and a
    NUL inside a line is dropped rather than kill the reader (babca/python-gsmmodem PR #121)."""
    ring = section("issue_logs", "ring-frame")[0]                                    # b"RING\r\n"
    clip = b'+CLIP: "+0123456789",145,,,,0\r\n'
    assert clip in section("modemmanager_at_serial_port", "ok-then-incoming-call")[0]
    assert _feed([b"\x00\x00" + ring + b"\x00\r\n" + clip]) == (["RING", '+CLIP: "+0123456789",145,,,,0'], b"")
    assert _feed([b"RI\x00NG\r\n"]) == (["RING"], b"")


def test_bytes_that_are_not_utf8_never_raise():
    # a captured +CLIP with its last byte replaced by 0xFF (not UTF-8): decoded as latin-1, never an exception
    clip = b'+CLIP: "+0123456789",145,,,,0'
    lines, rest = _feed([clip[:-1] + b"\xff\r\n"])
    assert rest == b"" and len(lines) == 1 and lines[0].startswith('+CLIP: "+0123456789",145,,,,')
    # a whole latin-1 line: an operator name with é (0xE9), as a modem in IRA/8859-1 charset prints it
    assert decode_line(b'+COPS: 0,0,"Orange F\xe9"') == '+COPS: 0,0,"Orange F\u00e9"'
    # valid UTF-8 stays UTF-8
    assert decode_line('+COPS: 0,0,"Orange Fé"'.encode()) == '+COPS: 0,0,"Orange Fé"'


def test_a_line_not_yet_ended_stays_in_the_buffer():
    buffer = bytearray(b"+CPIN: READY")             # no CR/LF yet
    assert take_lines(buffer) == [] and bytes(buffer) == b"+CPIN: READY"
