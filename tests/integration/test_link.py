"""The serial link over a real pty, against a scripted peer: framing, routing and bad bytes.

Each test is named for the python-gsmmodem problem it guards against (MODEMS.md numbering).
"""

from __future__ import annotations

import os
import threading
import tty

import pytest

from agent.errors import CommandError, ModemGone, ModemTimeout
from agent.modem.link import Line, SerialLink
from tests.conftest import wait_for


class Peer:
    """The far end of a pty: reads what the link writes, answers with exact bytes."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.received = b""

    def read_until(self, marker: bytes, timeout: float = 3.0) -> bytes:
        import select

        def more() -> bool:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                self.received += os.read(self.master, 1024)
            return marker in self.received
        wait_for(more, timeout, f"{marker!r} from the link")
        data, _, self.received = self.received.partition(marker)
        return data + marker

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass


@pytest.fixture
def peer_and_link():
    peer = Peer()
    lines: list[Line] = []
    link = SerialLink(peer.path, on_line=lines.append)
    link.open()
    yield peer, link, lines
    link.close()
    peer.close()


def answer_in_background(peer: Peer, marker: bytes, reply: bytes) -> threading.Thread:
    def run() -> None:
        peer.read_until(marker)
        peer.send(reply)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_library_bug_3_urc_inside_a_reply_is_routed_as_urc(peer_and_link):
    peer, link, lines = peer_and_link
    answer_in_background(peer, b"AT+CSQ\r", b"\r\n+CSQ: 20,99\r\n\r\nRING\r\n\r\n+CLIP: \"07911123456\",129\r\n\r\nOK\r\n")
    assert link.command("AT+CSQ") == ["+CSQ: 20,99"]
    wait_for(lambda: len(lines) == 2, what="two URCs")
    assert [line.text for line in lines] == ["RING", '+CLIP: "07911123456",129']


def test_library_bug_4_non_utf8_bytes_do_not_kill_the_reader(peer_and_link):
    peer, link, lines = peer_and_link
    peer.send(b"\r\n\xff\xfe\x80garbage\x00\r\n\r\nRING\r\n")
    wait_for(lambda: any(line.text == "RING" for line in lines), what="RING after garbage")
    assert link.alive
    answer_in_background(peer, b"AT\r", b"\r\nOK\r\n")
    assert link.command("AT") == []


def test_library_bug_5_flow_control_is_off_unless_asked(peer_and_link):
    _, link, _ = peer_and_link
    assert link._serial.rtscts is False and link._serial.dsrdtr is False


def test_ring_framed_cr_cr_lf_and_lines_split_across_reads(peer_and_link):
    peer, _, lines = peer_and_link
    peer.send(b"\r\r\nRI")
    peer.send(b"NG\r\n\r\nMISSED_CALL: 11:01AM 0791")
    peer.send(b"1123456\r\n")
    wait_for(lambda: len(lines) == 2, what="two lines")
    assert [line.text for line in lines] == ["RING", "MISSED_CALL: 11:01AM 07911123456"]


def test_cmt_header_and_pdu_arrive_as_one_line(peer_and_link):
    peer, _, lines = peer_and_link
    peer.send(b"\r\n+CMT: ,24\r\n0791447758100650040C914497\r\n")
    wait_for(lambda: lines, what="the +CMT line")
    assert lines[0].text == "+CMT: ,24" and lines[0].pdu == "0791447758100650040C914497"


def test_echo_is_dropped_and_errors_are_named(peer_and_link):
    peer, link, _ = peer_and_link
    answer_in_background(peer, b"AT+CPMS?\r", b"AT+CPMS?\r\r\n+CMS ERROR: 310\r\n")
    with pytest.raises(CommandError) as raised:
        link.command("AT+CPMS?")
    assert (raised.value.kind, raised.value.code) == ("CMS", 310)


def test_a_command_without_answer_times_out(peer_and_link):
    _, link, _ = peer_and_link
    with pytest.raises(ModemTimeout):
        link.command("AT", timeout=0.3)


def test_library_bug_12_cmgs_holds_the_line_across_prompt_and_pdu(peer_and_link):
    """An SMS arriving between AT+CMGS and the PDU must not get a command written into the PDU."""
    peer, link, lines = peer_and_link
    prompt_sent = threading.Event()
    replies: list[list[str]] = []

    def modem() -> None:
        peer.read_until(b"AT+CMGS=12\r")
        peer.send(b"\r\n+CMTI: \"SM\",1\r\n")
        prompt_sent.set()
        wait_for(lambda: other.is_alive(), what="the reader of the new SMS to start")
        peer.send(b"\r\n> ")
        pdu = peer.read_until(b"\x1a")
        assert pdu == b"0011000B911234\x1a", pdu
        peer.send(b"\r\n+CMGS: 7\r\n\r\nOK\r\n")
        peer.read_until(b"AT+CMGR=1\r")
        peer.send(b"\r\n+CMGR: 0,,5\r\n0011\r\n\r\nOK\r\n")

    other = threading.Thread(target=lambda: (prompt_sent.wait(3), replies.append(link.command("AT+CMGR=1", 3))),
                             daemon=True)
    thread = threading.Thread(target=modem, daemon=True)
    thread.start()
    other.start()
    assert link.send_pdu(12, "0011000B911234") == 7
    other.join(3)
    thread.join(3)
    assert replies == [["+CMGR: 0,,5", "0011"]]
    assert [line.text for line in lines] == ['+CMTI: "SM",1']


def test_lost_port_is_reported_and_after_pdu_flag_is_set():
    peer = Peer()
    link = SerialLink(peer.path)
    link.open()

    def modem() -> None:
        peer.read_until(b"AT+CMGS=5\r")
        peer.send(b"\r\n> ")
        peer.read_until(b"\x1a")
        peer.close()
    threading.Thread(target=modem, daemon=True).start()
    with pytest.raises((ModemGone, ModemTimeout)) as raised:
        link.send_pdu(5, "00110000", timeout=2)
    assert raised.value.after_pdu is True
    link.close()
