"""SMS PDUs (3GPP TS 23.040): SMS-SUBMIT out, SMS-DELIVER and SMS-STATUS-REPORT in.

The alphabets, septet packing, segmentation and user data headers live in
agent/sms/user_data.py; this module adds addresses, timestamps and the PDU layouts.
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
- Every SMS-DELIVER gets a ``content`` (one of ``CONTENTS``), decided in this order:
  "silent" for TP-PID 0x40, short message type 0, which the receiver acknowledges and discards
  (23.040 9.2.3.9); "binary" for TP-PID 0x7C-0x7F, data for the equipment or the (U)SIM
  (9.2.3.9); "indication" for a message waiting indication: a special SMS message indication IE
  (IEI 0x01, 23.040 9.2.3.24.2), a TP-DCS message waiting group 0xC0-0xEF (TS 23.038 chapter 4)
  or a return call message, TP-PID 0x5F (9.2.3.9); "mms" or "binary" for an application port
  addressing IE (0x04 or 0x05, 23.040 9.2.3.24.3/9.2.3.24.4), "mms" being a WAP push of an MMS
  m-notification-ind (see ``classify_datagram``); "binary" for any other 8-bit data; else "text".
  A flash (class 0) text is "text" with flash True. Replace short message types (TP-PID
  0x41-0x47) are texts; pid tells them apart.
- Binary never reaches ``text``: it is "" for "mms", "binary" and "silent", and for 8-bit data
  whatever the content (the octets are in ``data``). An indication keeps its text when TP-DCS
  names an alphabet, since "You have 2 new voicemails" is how many arrive.
- The special SMS message indication IE is preferred to the TP-DCS group (its type and count;
  the message is stored if either says so, 9.2.3.24.2); of several IEs the voicemail one is
  reported. A return call message without either is Indication("other", True, None, True).
- Port IEs are read whatever their range (23.040 marks some ranges reserved; oFono ignores
  those): a port-addressed message is application data either way.
- Concatenated 8-bit parts are classified each by its own headers: the first part of an MMS
  notification says "mms" (its URL, cut at the part boundary, is None), the later ones "binary"
  (with the port when they repeat the port IE, as the captured notifications do and as oFono's
  reassembly expects: it drops a message whose parts' ports differ; port None otherwise).
  What the inbound layer must do: join parts by (sender, ref, total) as for text; treat the
  whole as "mms" if any part says "mms", and as no customer text if any part is not
  ``is_customer_text``; never relay or keyword-match such a message's text; show the owner
  ``describe_non_text``. To read the URL of a split notification, call
  ``classify_datagram(port, the parts' data joined in seq order)``.

Library problems worked around (python-gsmmodem-new 0.13.0, gsmmodem/pdu.py), each with a test
named test_library_bug_* in tests/unit/test_pdu.py or tests/unit/test_pdu_nontext.py:
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
- decodeSmsPdu raises StopIteration, IndexError or ValueError on truncated or junk PDUs; a
  16-bit port IE two octets long is enough for an IndexError.
- decodeSmsPdu returns 8-bit application data as its "text" (Latin-1 of the raw octets: an MMS
  notification reads "-\\x06\"application/vnd.wap.mms-message…/TYPE=PLMN…http:/…"); with DCS
  0xF5 (8-bit, class 1, which WAP push often carries) it unpacks those octets as GSM-7 septets.
  It has no notion of ports, TP-PID or message waiting beyond handing back the UDH IEs and
  protocol_id.
- For 8-bit data decodeSmsPdu reads every octet to the end of the PDU, past TP-UDL.
Checked and found correct: the sign and quarter hours of the SCTS time zone, 8-bit concatenation
with GSM-7 fill bits, packSeptets (once its padBits is understood).
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone


from agent.sms.user_data import (
    EIGHT_BIT,
    GSM7,
    Concat,
    Indication,
    PduError,
    Segmentation,
    coding,
    concat_ie,
    dcs_indication,
    encode_user_data,
    decode_user_data,
    gsm7_septets,
    gsm7_text,
    header_indication,
    message_class,
    pack_septets,
    read_user_data,
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
    "Indication",
    "StatusReport",
    "Submit",
    "CONTENTS",
    "decode_pdu",
    "classify_datagram",
    "is_customer_text",
    "describe_non_text",
    "encode_deliver",
    "encode_status_report",
]

CONTENTS = ("text", "mms", "binary", "indication", "silent")
PID_TYPE_0 = 0x40  # 23.040 9.2.3.9: short message type 0, acknowledged and discarded
PID_RETURN_CALL = 0x5F  # 23.040 9.2.3.9: return call message
_PID_TO_EQUIPMENT = range(0x7C, 0x80)  # ANSI-136 R-DATA, ME data download, ME depersonalisation,
#                                        (U)SIM data download (23.040 9.2.3.9)
WAP_PUSH_PORTS = (2948, 2949)  # wap-push and wap-push-secure (WDP over SMS, connectionless WSP)
MMS_CONTENT_TYPE = "application/vnd.wap.mms-message"
_MMS_WELL_KNOWN = 0x3E  # WSP well-known content type (0xBE on the wire)
_RETURN_CALL = Indication("other", True, None, True)
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
    """An incoming SMS (SMS-DELIVER).

    content says what it is (see ``CONTENTS`` and the module docstring): "text" is a person's
    text (a flash one too), "mms" an MMS notification, "binary" other application or OTA data,
    "indication" a message waiting indication, "silent" a type 0 message. text never holds
    binary: it is "" for "mms", "binary" and "silent", and for "indication" it is the message's
    text when TP-DCS names an alphabet (GSM-7 or UCS-2), else "". port is the destination port
    of an application port addressing IE; flash is message class 0; pid is TP-PID; indication is
    set for content "indication"; mms_url is the X-Mms-Content-Location of an MMS notification
    when this part holds all of it; data is the user data after the header of an 8-bit message
    (b"" for any other alphabet).
    """

    sender: str
    sender_toa: int
    text: str
    encoding: str
    sent_at: datetime
    concat: Concat | None
    smsc: str | None
    content: str = "text"
    port: int | None = None
    flash: bool = False
    pid: int = 0
    indication: Indication | None = None
    mms_url: str | None = None
    data: bytes = b""


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


def _semi_octets(digits: str) -> bytes:
    """Swapped BCD (TS 23.040 §9.1.2.3): "12345" → 21 43 F5, an odd count padded with F."""
    if len(digits) % 2:
        digits += "F"
    return bytes.fromhex("".join(digits[i + 1] + digits[i] for i in range(0, len(digits), 2)))


def _address(address: str, *, allow_alphanumeric: bool = False) -> bytes:
    """Address field: length in semi-octets, type of address, value."""
    if _NUMBER.fullmatch(address):
        toa = TOA_INTERNATIONAL if address.startswith("+") else TOA_UNKNOWN
        digits = address.lstrip("+")
        return bytes([len(digits), toa]) + _semi_octets(digits)
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
    octets = bytearray(_semi_octets(digits))
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
    pid = reader.octet("TP-PID")
    dcs = reader.octet("TP-DCS")
    encoding = coding(dcs)
    sent_at = _read_timestamp(reader, "TP-SCTS")
    length = reader.octet("TP-UDL")
    user_data = read_user_data(encoding, length, reader.data[reader.pos:], bool(first & 0x40))
    header = user_data.header
    port = header.ports[0] if header.ports else None
    data = user_data.body if encoding == EIGHT_BIT else b""
    indication = _indication(pid, dcs, header.indications)
    mms_url = None
    if pid == PID_TYPE_0:
        content = "silent"
    elif pid in _PID_TO_EQUIPMENT:
        content = "binary"
    elif indication is not None:
        content = "indication"
    elif port is not None:
        content, mms_url = classify_datagram(port, data) if encoding == EIGHT_BIT else ("binary", None)
    elif encoding == EIGHT_BIT:
        content = "binary"
    else:
        content = "text"
    keep_text = content == "text" or (content == "indication" and encoding != EIGHT_BIT)
    return Deliver(sender, toa, user_data.text if keep_text else "", encoding, sent_at, header.concat,
                   smsc, content=content, port=port, flash=message_class(dcs) == 0, pid=pid,
                   indication=indication if content == "indication" else None, mms_url=mms_url,
                   data=data)


def _indication(pid: int, dcs: int, ies: tuple[tuple[int, int], ...]) -> Indication | None:
    """The special SMS message indication IE (the voicemail one if there are several), else the
    TP-DCS message waiting group, else a return call message's implied indication."""
    if ies:
        voice = [ie for ie in ies if ie[0] & 0x03 == 0]
        return header_indication((voice or list(ies))[0], dcs)
    from_dcs = dcs_indication(dcs)
    if from_dcs is not None:
        return from_dcs
    return _RETURN_CALL if pid == PID_RETURN_CALL else None


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


# ---- non-text content -----------------------------------------------------------------------


def classify_datagram(port: int | None, data: bytes) -> tuple[str, str | None]:
    """Say what 8-bit application data is: ("mms", url or None) or ("binary", None).

    data is the user data after the UDH, or the joined data of every part of a concatenated
    message (in seq order). "mms" needs a WAP push to port 2948 or 2949 (WAP-259-WDP) whose WSP
    push PDU (WAP-230-WSP 8.2.4.1: transaction id, PDU type 0x06 push or 0x07 confirmed push,
    uintvar headers length, then the content type) names application/vnd.wap.mms-message
    (well-known 0x3E, or as text) and whose body is an m-notification-ind (OMA-MMS-ENC: the
    first header X-Mms-Message-Type 0x8C = 0x82), or has no readable message type (a part cut
    short). The URL is the
    X-Mms-Content-Location (0x83) text-string, read only if its closing NUL is there. Anything
    else, including other WAP push content (service indication 0xAE, OTA provisioning 0xB6,
    SyncML 0xC4) and other MMS PDUs, is "binary". Never raises.
    """
    if port not in WAP_PUSH_PORTS:
        return "binary", None
    push = _wsp_push(bytes(data))
    if push is None:
        return "binary", None
    content_type, body = push
    if content_type not in (_MMS_WELL_KNOWN, MMS_CONTENT_TYPE):
        return "binary", None
    headers = dict(_mms_headers(body))
    message_type = headers.get(0x8C)
    if message_type is not None and message_type != b"\x82":
        return "binary", None
    location = headers.get(0x83)
    return "mms", _url(location) if message_type is not None and location is not None else None


def _uintvar(data: bytes, pos: int) -> tuple[int, int] | None:
    """WSP uintvar (WAP-230-WSP 8.1.2): 7 bits an octet, high bit set on all but the last."""
    value = 0
    for count in range(5):
        if pos + count >= len(data):
            return None
        octet = data[pos + count]
        value = value << 7 | octet & 0x7F
        if not octet & 0x80:
            return value, pos + count + 1
    return None


def _text(data: bytes, pos: int) -> tuple[bytes, int] | None:
    """A WSP text-string from pos: the octets before the NUL, and the position after it."""
    end = data.find(b"\x00", pos)
    return None if end < 0 else (data[pos:end], end + 1)


def _wsp_push(data: bytes) -> tuple[int | str, bytes] | None:
    """(content type, body) of a WSP push PDU, or None. A well-known content type is its number
    (0x3E for MMS), a textual one its text. Tried with a transaction id first (connectionless
    push, WAP-230-WSP 8.2.1), then without."""
    for start in (1, 0):
        if len(data) <= start or data[start] not in (0x06, 0x07):
            continue
        length = _uintvar(data, start + 1)
        if length is None:
            return None
        headers_length, pos = length
        content_type = _content_type(data[pos:pos + headers_length])
        if content_type is None:
            return None
        return content_type, data[pos + headers_length:]
    return None


def _content_type(headers: bytes) -> int | str | None:
    """The Content-Type value that opens WSP push headers (WAP-230-WSP 8.4.2.24)."""
    if not headers:
        return None
    first = headers[0]
    if first >= 0x80:  # Constrained-media: short-integer
        return first & 0x7F
    if first >= 0x20:  # Constrained-media: Extension-Media text-string
        text = _text(headers, 0)
        return text[0].decode("latin-1") if text else None
    if first == 0x1F:  # Content-general-form: Length-quote, uintvar length, Media-type
        length = _uintvar(headers, 1)
        if length is None:
            return None
        pos = length[1]
    else:  # Content-general-form: Short-length, Media-type
        pos = 1
    if pos >= len(headers):
        return None
    media = headers[pos]
    if media >= 0x80:
        return media & 0x7F
    if media >= 0x20:
        text = _text(headers, pos)
        return text[0].decode("latin-1") if text else None
    if 0 < media <= 30 and pos + 1 + media <= len(headers):  # Long-integer well-known media
        return int.from_bytes(headers[pos + 1:pos + 1 + media], "big")
    return None


def _mms_headers(body: bytes):
    """Yield (field, value) for each MMS header (OMA-MMS-ENC 7.2) until the data runs out.

    Values follow the WSP generic rules: 0-30 a short length and that many octets, 31 a uintvar
    length, 32-127 a text-string up to NUL (returned without it), 128-255 one short-integer
    octet. A header cut short ends the walk.
    """
    pos = 0
    while pos < len(body):
        field = body[pos]
        if field < 0x20:
            return
        if field < 0x80:  # application header: token text, then a text value
            name = _text(body, pos)
            value = name and _text(body, name[1])
            if not value:
                return
            pos = value[1]
            continue
        pos += 1
        if pos >= len(body):
            return
        octet = body[pos]
        if octet <= 30:
            end = pos + 1 + octet
            value, pos = body[pos + 1:end], end
        elif octet == 31:
            length = _uintvar(body, pos + 1)
            if length is None:
                return
            end = length[1] + length[0]
            value, pos = body[length[1]:end], end
        elif octet < 0x80:
            text = _text(body, pos)
            if text is None:
                return
            value, pos = text
        else:
            value, pos = body[pos:pos + 1], pos + 1
        if pos > len(body):
            return
        yield field, value


def _url(value: bytes) -> str | None:
    """A Uri-value as text (a leading 0x7F quote dropped); None unless it is printable ASCII."""
    value = value[1:] if value.startswith(b"\x7f") else value
    if not value or any(not 0x21 <= octet <= 0x7E for octet in value):
        return None
    return value.decode("ascii")


def is_customer_text(deliver: Deliver) -> bool:
    """True for an ordinary text from a person (a flash text counts), the only content whose
    text may be relayed as the sender's words or matched against keywords."""
    return deliver.content == "text" and deliver.pid != PID_TYPE_0


_INDICATION_NAMES = {"voicemail": "voicemail", "fax": "fax", "email": "e-mail", "other": "message"}


def describe_non_text(deliver: Deliver) -> str:
    """Owner-facing words for a message that is not a text ("" for an ordinary text).

    "mms" and "binary" read after the sender ("<number> sent a picture message …"); an
    indication or a silent message is described on its own.
    """
    if deliver.content == "mms":
        return "sent a picture message (it can't be shown here; call or text them back)"
    if deliver.content == "binary":
        return "sent a data message (settings or an app message), not shown"
    if deliver.content == "silent":
        return "a silent network message (type 0)"
    if deliver.content == "indication":
        indication = deliver.indication or _RETURN_CALL
        if deliver.pid == PID_RETURN_CALL and indication == _RETURN_CALL:
            return "a call-back notice from the network (return call message)"
        name = _INDICATION_NAMES.get(indication.kind, "message")
        if not indication.active:
            return f"{name} waiting indication cleared"
        if indication.count is not None:
            more = "+" if indication.count == 255 else ""
            return f"{name} waiting indication ({indication.count}{more} new)"
        return f"{name} waiting indication"
    return ""
