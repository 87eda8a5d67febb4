"""SMS PDUs (3GPP TS 23.040): SMS-SUBMIT out, SMS-DELIVER and SMS-STATUS-REPORT in.

The alphabets, septet packing, segmentation and user data headers live in
agent/modem/user_data.py; this module adds addresses, timestamps and the PDU layouts.
``encode_submit`` builds what AT+CMGS takes in PDU mode; ``decode_pdu`` reads what +CMGL, +CMGR,
+CMT and +CDS hand back. ``encode_deliver`` and ``encode_status_report`` exist for the modem
simulator. Every PDU starts with the SMSC field; ours is "00" (the SMSC stored in the modem).

Choices:
- TP-VP is relative, 24 hours (0xA7): a "sorry we missed your call" text that arrives a day
  late is worse than none.
- Long texts carry an 8-bit concatenation IE (00 03 ref total seq); every part has the same
  TP-MR. The simulator's ``encode_deliver`` uses a 16-bit IE when concat_ref > 255.
- Text with a lone UTF-16 surrogate is refused (PduError); surrogate pairs are joined first.
- An alphanumeric address decodes every whole septet its length covers; a final "@" that fills
  a 7-character name's last octet (a common encoder slip) is dropped.

Library problems worked around (python-gsmmodem-new 0.13.0, gsmmodem/pdu.py), each with a test
named test_library_bug_* in tests/unit/test_pdu.py:
- encodeUcs2 raises ValueError on any character outside the BMP, so encodeSmsSubmitPdu cannot
  send an emoji (babca/python-gsmmodem#120). We encode UTF-16-BE.
- divideTextUcs2 counts code points, so it splits a surrogate pair across parts and sizes texts
  with emoji wrongly (#60). We split by UTF-16 code units, between characters.
- decodeSmsPdu returns UCS-2 text with emoji as two lone surrogates. We decode UTF-16 (pairs
  joined; a lone half becomes U+FFFD).
- unpackSeptets drops a final "@" when the septet count is a multiple of 8.
- With a 16-bit concatenation IE (UDH length 6, no fill bits) decodeSmsPdu loses the first
  character of GSM-7 text.
- _decodeDataCoding treats coding groups 0xC0-0xFF as GSM-7, so 8-bit (0xF4) and UCS-2 (0xE0)
  messages are garbled.
- GSM7_BASIC has "`" at 0x5F (it is "§") and lists ESC as a character; GSM7_EXTENDED maps form
  feed wrongly, so encodeGsm7("\\f") fails.
- _encodeAddressField gives digits without "+" type 0xA1 (national) and overstates the length of
  a 7-character alphanumeric address.
- decodeSmsPdu raises StopIteration, IndexError or ValueError on truncated or junk PDUs.
Checked and found correct: the sign and quarter hours of the SCTS time zone, 8-bit concatenation
with GSM-7 fill bits, packSeptets (once its padBits is understood).
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from gsmmodem import pdu as gsmpdu

from agent.modem.user_data import (
    GSM7,
    Concat,
    PduError,
    Segmentation,
    coding,
    concat_ie,
    encode_user_data,
    decode_user_data,
    gsm7_septets,
    gsm7_text,
    pack_septets,
    segment_info,
    split_text,
    unpack_septets,
)

__all__ = [
    "PduError",
    "Segmentation",
    "segment_info",
    "SubmitPdu",
    "encode_submit",
    "Concat",
    "Deliver",
    "StatusReport",
    "Submit",
    "decode_pdu",
    "encode_deliver",
    "encode_status_report",
]

VALIDITY_24_HOURS = 0xA7
TOA_INTERNATIONAL, TOA_UNKNOWN, TOA_ALPHANUMERIC = 0x91, 0x81, 0xD0
_NUMBER = re.compile(r"\+?[0-9]{1,20}")
_BCD = "0123456789*#abc"


@dataclass(frozen=True)
class SubmitPdu:
    """One SMS-SUBMIT ready for AT+CMGS=<tpdu_length>."""

    hex: str
    tpdu_length: int
    part: int
    parts: int


@dataclass(frozen=True)
class Deliver:
    """An incoming SMS (SMS-DELIVER)."""

    sender: str
    sender_toa: int
    text: str
    encoding: str
    sent_at: datetime
    concat: Concat | None
    smsc: str | None


@dataclass(frozen=True)
class StatusReport:
    """A delivery report (SMS-STATUS-REPORT)."""

    message_ref: int
    recipient: str
    recipient_toa: int
    status: int
    delivered: bool
    final: bool
    discharged_at: datetime


@dataclass(frozen=True)
class Submit:
    """An outgoing SMS (SMS-SUBMIT), as the simulated modem reads it."""

    number: str
    number_toa: int
    text: str
    encoding: str
    concat: Concat | None
    message_ref: int
    status_report: bool


# ---- encoding -------------------------------------------------------------------------------


def _address(address: str, *, allow_alphanumeric: bool = False) -> bytes:
    """Address field: length in semi-octets, type of address, value."""
    if _NUMBER.fullmatch(address):
        toa = TOA_INTERNATIONAL if address.startswith("+") else TOA_UNKNOWN
        digits = address.lstrip("+")
        return bytes([len(digits), toa]) + bytes(gsmpdu.encodeSemiOctets(digits))
    if not allow_alphanumeric or not address:
        raise PduError(f"{address!r} is not a phone number (digits, optionally after '+')")
    septets = gsm7_septets(address)
    if len(septets) > 11:
        raise PduError(f"alphanumeric address {address!r} is longer than 11 septets")
    return bytes([(len(septets) * 7 + 3) // 4, TOA_ALPHANUMERIC]) + pack_septets(septets)


def _timestamp(moment: datetime) -> bytes:
    """TP-SCTS / TP-DT: seven swapped-BCD octets, the last the offset in signed quarter hours."""
    offset = moment.utcoffset()
    if offset is None:
        raise PduError("timestamps must be timezone-aware")
    quarters, rest = divmod(int(offset.total_seconds()), 900)
    if rest or abs(quarters) > 79:
        moment, quarters = moment.astimezone(timezone.utc), 0
    if not 2000 <= moment.year <= 2099:
        raise PduError(f"year {moment.year} does not fit an SMS timestamp")
    digits = moment.strftime("%y%m%d%H%M%S") + f"{abs(quarters):02d}"
    octets = bytearray(gsmpdu.encodeSemiOctets(digits))
    if quarters < 0:
        octets[6] |= 0x08
    return bytes(octets)


def _split(text: str, ref: int) -> tuple[str, list[str], list[bytes]]:
    """Cut text into parts; return encoding, parts and each part's UDH (empty for one part)."""
    encoding, parts = split_text(text, header_octets=7 if ref > 0xFF else 6)
    if len(parts) > 255:
        raise PduError(f"text needs {len(parts)} parts; an SMS can have at most 255")
    if len(parts) == 1:
        return encoding, parts, [b""]
    return encoding, parts, [concat_ie(ref, len(parts), n) for n in range(1, len(parts) + 1)]


def _check_range(name: str, value: int, top: int) -> None:
    if not 0 <= value <= top:
        raise PduError(f"{name} must be 0-{top}, not {value}")


def encode_submit(
    number: str,
    text: str,
    *,
    concat_ref: int = 0,
    message_ref: int = 0,
    status_report: bool = True,
) -> list[SubmitPdu]:
    """Build the SMS-SUBMIT PDUs that send text to number, one per part."""
    _check_range("concat_ref", concat_ref, 0xFF)
    _check_range("message_ref", message_ref, 0xFF)
    destination = _address(number)
    encoding, parts, headers = _split(text, concat_ref)
    first = 0x01 | 0x10 | (0x20 if status_report else 0) | (0x40 if len(parts) > 1 else 0)
    dcs = 0x00 if encoding == GSM7 else 0x08
    pdus = []
    for index, (part, udh) in enumerate(zip(parts, headers), start=1):
        tpdu = (
            bytes([first, message_ref]) + destination + bytes([0x00, dcs, VALIDITY_24_HOURS])
            + encode_user_data(encoding, part, udh)
        )
        pdus.append(SubmitPdu(("00" + tpdu.hex()).upper(), len(tpdu), index, len(parts)))
    return pdus


def encode_deliver(sender: str, text: str, *, sent_at: datetime, concat_ref: int = 0) -> list[str]:
    """Build the SMS-DELIVER PDUs (hex, SMSC field "00") a network would hand the modem."""
    _check_range("concat_ref", concat_ref, 0xFFFF)
    origin = _address(sender, allow_alphanumeric=True)
    stamp = _timestamp(sent_at)
    encoding, parts, headers = _split(text, concat_ref)
    first = 0x04 | (0x40 if len(parts) > 1 else 0)
    dcs = 0x00 if encoding == GSM7 else 0x08
    return [
        ("00" + (bytes([first]) + origin + bytes([0x00, dcs]) + stamp
                 + encode_user_data(encoding, part, udh)).hex()).upper()
        for part, udh in zip(parts, headers)
    ]


def encode_status_report(message_ref: int, recipient: str, status: int, at: datetime) -> str:
    """Build an SMS-STATUS-REPORT PDU (hex, SMSC field "00"); at is both SCTS and TP-DT."""
    _check_range("message_ref", message_ref, 0xFF)
    _check_range("status", status, 0xFF)
    stamp = _timestamp(at)
    tpdu = bytes([0x06, message_ref]) + _address(recipient) + stamp + stamp + bytes([status])
    return ("00" + tpdu.hex()).upper()



# ---- decoding -------------------------------------------------------------------------------


class _Reader:
    """Reads a PDU front to back; running short is a PduError naming the field."""

    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, count: int, field: str) -> bytes:
        if self.pos + count > len(self.data):
            raise PduError(f"PDU ends inside {field} (octet {self.pos}, {len(self.data)} in all)")
        chunk = self.data[self.pos:self.pos + count]
        self.pos += count
        return chunk

    def octet(self, field: str) -> int:
        return self.take(1, field)[0]


def _digits(octets: bytes, count: int) -> str:
    nibbles = [n for octet in octets for n in (octet & 0x0F, octet >> 4)][:count]
    if 0x0F in nibbles:
        raise PduError("address digits hold a filler nibble before their end")
    return "".join(_BCD[n] for n in nibbles)


def _read_address(reader: _Reader, field: str) -> tuple[str, int]:
    """Decode an OA/DA/RA field; return (address, type-of-address)."""
    semi_octets = reader.octet(field)
    toa = reader.octet(field)
    value = reader.take((semi_octets + 1) // 2, field)
    if (toa >> 4) & 0x07 == 5:
        septets = unpack_septets(value, semi_octets * 4 // 7)
        if len(septets) % 8 == 0 and septets and septets[-1] == 0:
            septets.pop()
        return gsm7_text(septets), toa
    digits = _digits(value, semi_octets)
    return ("+" + digits if (toa >> 4) & 0x07 == 1 else digits), toa


def _read_smsc(reader: _Reader) -> str | None:
    length = reader.octet("SMSC field")
    if length == 0:
        return None
    toa = reader.octet("SMSC field")
    value = reader.take(length - 1, "SMSC field")
    count = 2 * len(value) - (1 if value and value[-1] >> 4 == 0x0F else 0)
    digits = _digits(value, count)
    return "+" + digits if (toa >> 4) & 0x07 == 1 else digits


def _read_timestamp(reader: _Reader, field: str) -> datetime:
    """Decode a 7-octet SCTS / TP-DT into an aware UTC datetime."""
    octets = reader.take(7, field)
    zone = octets[6]
    swapped = bytes(octets[:6]) + bytes([zone & 0xF7])
    if any(n > 9 for octet in swapped for n in (octet & 0x0F, octet >> 4)):
        raise PduError(f"{field} holds a non-decimal digit: {octets.hex()}")
    digits = _digits(swapped, 14)
    quarters = int(digits[12:]) * (-1 if zone & 0x08 else 1)
    try:
        local = datetime(2000 + int(digits[0:2]), int(digits[2:4]), int(digits[4:6]),
                         int(digits[6:8]), int(digits[8:10]), int(digits[10:12]),
                         tzinfo=timezone(timedelta(minutes=15 * quarters)))
    except ValueError as exc:
        raise PduError(f"{field} is not a valid time: {exc}") from None
    return local.astimezone(timezone.utc)


def _read_user_data(reader: _Reader, encoding: str, first: int) -> tuple[str, Concat | None]:
    length = reader.octet("TP-UDL")
    return decode_user_data(encoding, length, reader.data[reader.pos:], bool(first & 0x40))


def _deliver(reader: _Reader, first: int, smsc: str | None) -> Deliver:
    sender, toa = _read_address(reader, "TP-OA")
    reader.octet("TP-PID")
    encoding = coding(reader.octet("TP-DCS"))
    sent_at = _read_timestamp(reader, "TP-SCTS")
    text, concat = _read_user_data(reader, encoding, first)
    return Deliver(sender, toa, text, encoding, sent_at, concat, smsc)


def _submit(reader: _Reader, first: int) -> Submit:
    message_ref = reader.octet("TP-MR")
    number, toa = _read_address(reader, "TP-DA")
    reader.octet("TP-PID")
    encoding = coding(reader.octet("TP-DCS"))
    reader.take({0: 0, 2: 1}.get((first >> 3) & 0x03, 7), "TP-VP")
    text, concat = _read_user_data(reader, encoding, first)
    return Submit(number, toa, text, encoding, concat, message_ref, bool(first & 0x20))


def _status_report(reader: _Reader) -> StatusReport:
    message_ref = reader.octet("TP-MR")
    recipient, toa = _read_address(reader, "TP-RA")
    _read_timestamp(reader, "TP-SCTS")
    discharged_at = _read_timestamp(reader, "TP-DT")
    status = reader.octet("TP-ST")
    return StatusReport(message_ref, recipient, toa, status, status <= 0x1F,
                        not 0x20 <= status <= 0x3F, discharged_at)


def decode_pdu(hex_pdu: str) -> Deliver | StatusReport | Submit:
    """Decode a PDU as +CMGL/+CMGR/+CMT/+CDS give it (hex, SMSC field first)."""
    if not isinstance(hex_pdu, str):
        raise PduError(f"a PDU is a hex string, not {type(hex_pdu).__name__}")
    try:
        data = bytes.fromhex(hex_pdu.strip())
    except ValueError:
        raise PduError(f"PDU is not hex: {hex_pdu[:40]!r}") from None
    reader = _Reader(data)
    smsc = _read_smsc(reader)
    first = reader.octet("first octet")
    kind = first & 0x03
    if kind == 0x00:
        return _deliver(reader, first, smsc)
    if kind == 0x01:
        return _submit(reader, first)
    if kind == 0x02:
        return _status_report(reader)
    raise PduError(f"first octet {first:#04x} names a reserved message type")
