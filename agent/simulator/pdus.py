"""Raw SMS-DELIVER / SMS-SUBMIT PDUs for the simulator, built straight from the specifications.

Written on its own, from 3GPP TS 23.040 (PDU layout, user data header) and TS 23.038 (GSM 7-bit
default alphabet, data coding scheme), WAP-230-WSP and OMA-MMS-ENC (MMS notifications), so the
agent's decoder (agent/sms/pdu.py) is tested against an encoder that shares none of its code.

Every builder returns the PDU as hex with a leading SMSC field of "00" (no SMSC address), the
way a modem prints a stored message in +CMGR / +CMGL / +CMT when the SMSC is not kept.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

__all__ = [
    "GSM7_BASIC", "GSM7_EXTENSION", "gsm7_septets", "pack_septets", "fits_gsm7",
    "deliver_pdu", "deliver_pdus", "wap_push_mms_pdu", "mms_notification", "binary_pdu",
    "voicemail_indication_pdu", "flash_pdu", "submit_pdu", "tpdu_length",
]

# TS 23.038 §6.2.1: the GSM 7-bit default alphabet, code point = position (0x1B is the escape
# to the extension table, shown here as a placeholder that no text can contain).
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x00ÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
assert len(GSM7_BASIC) == 128
_BASIC = {char: code for code, char in enumerate(GSM7_BASIC) if code != 0x1B}

# TS 23.038 §6.2.1.1: the default extension table, reached by 0x1B.
GSM7_EXTENSION = {"\f": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F, "[": 0x3C, "~": 0x3D,
                  "]": 0x3E, "|": 0x40, "€": 0x65}

_ALPHABETS = ("gsm7", "8bit", "ucs2")


def fits_gsm7(text: str) -> bool:
    return all(char in _BASIC or char in GSM7_EXTENSION for char in text)


def gsm7_septets(text: str) -> list[int]:
    """Text as GSM-7 septet values; an extension character is two septets (0x1B, code)."""
    septets: list[int] = []
    for char in text:
        if char in _BASIC:
            septets.append(_BASIC[char])
        elif char in GSM7_EXTENSION:
            septets += [0x1B, GSM7_EXTENSION[char]]
        else:
            raise ValueError(f"{char!r} is not in the GSM 7-bit default alphabet")
    return septets


def pack_septets(septets: list[int], fill_bits: int = 0) -> bytes:
    """TS 23.038 §6.1.2.1.1: septets packed least significant bit first into octets, after
    `fill_bits` zero bits (the padding that puts the first septet after a user data header)."""
    value = 0
    bits = fill_bits
    for septet in septets:
        value |= (septet & 0x7F) << bits
        bits += 7
    return value.to_bytes((bits + 7) // 8, "little") if bits else b""


def _semi_octets(digits: str) -> bytes:
    """Digits swapped in pairs, an odd count padded with F (TS 23.040 §9.1.2.3)."""
    if len(digits) % 2:
        digits += "F"
    return bytes(int(digits[i + 1] + digits[i], 16) for i in range(0, len(digits), 2))


def _address(address: str) -> bytes:
    """TS 23.040 §9.1.2.5: length (useful semi-octets), type of address, value.

    "+447…" is international (0x91), a string of digits national/unknown (0x81), anything else
    an alphanumeric sender such as "Vodafone" (0xD0, GSM-7 packed)."""
    if address.startswith("+") and address[1:].isdigit():
        return bytes([len(address) - 1, 0x91]) + _semi_octets(address[1:])
    if address.isdigit() or address == "":
        return bytes([len(address), 0x81]) + _semi_octets(address)
    septets = gsm7_septets(address)
    packed = pack_septets(septets)
    semi = (len(septets) * 7 + 3) // 4
    return bytes([semi, 0xD0]) + packed


def _timestamp(moment: datetime) -> bytes:
    """TS 23.040 §9.2.3.11: YY MM DD hh mm ss as swapped semi-octets, then the time zone in
    quarters of an hour, its sign in bit 3 of the first semi-octet. A naive time is UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    offset = moment.utcoffset() or timedelta(0)
    quarters = int(offset.total_seconds() // 900)
    fields = _semi_octets(moment.strftime("%y%m%d%H%M%S"))
    zone = abs(quarters)
    octet = (zone % 10) << 4 | (zone // 10)
    if quarters < 0:
        octet |= 0x08
    return fields + bytes([octet])


def _alphabet_of(dcs: int) -> str:
    """TS 23.038 §4: which alphabet a TP-DCS names."""
    group = dcs >> 4
    if group <= 0x7:                       # general data coding (00xx, 01xx automatic deletion)
        if dcs & 0x20:
            raise ValueError("compressed text is not built here")
        return _ALPHABETS[(dcs >> 2) & 0x03] if (dcs >> 2) & 0x03 < 3 else "gsm7"
    if group in (0xC, 0xD):                # message waiting: discard / store, GSM-7
        return "gsm7"
    if group == 0xE:                       # message waiting: store, UCS-2
        return "ucs2"
    if group == 0xF:                       # data coding / message class
        return "8bit" if dcs & 0x04 else "gsm7"
    return "gsm7"                          # reserved groups: treated as GSM-7 (TS 23.038 §4)


def _ucs2(text: str) -> bytes:
    """UCS-2 as phones send it: UTF-16 big-endian, a character outside the BMP as a surrogate
    pair (what every phone does with emoji)."""
    return text.encode("utf-16-be", "surrogatepass")


def _iei(iei: int, data: bytes) -> bytes:
    return bytes([iei, len(data)]) + data


def _concat_ie(concat: tuple[int, int, int]) -> bytes:
    """TS 23.040 §9.2.3.24.1: IEI 0x00, 8-bit reference, total parts, this part's number."""
    ref, total, seq = concat
    if not (0 <= ref <= 255 and 1 <= total <= 255 and 1 <= seq <= total):
        raise ValueError(f"bad concatenation {concat}")
    return _iei(0x00, bytes([ref, total, seq]))


def _port_ie(destination: int, source: int) -> bytes:
    """TS 23.040 §9.2.3.24.4: IEI 0x05, 16-bit destination then source port."""
    return _iei(0x05, destination.to_bytes(2, "big") + source.to_bytes(2, "big"))


def _user_data(alphabet: str, payload: str | bytes, header: bytes) -> tuple[int, bytes]:
    """(TP-UDL, TP-UD). A header is its length octet (UDHL) and its IEs; GSM-7 text after a
    header starts on the next septet boundary (TS 23.040 §9.2.3.16, fill bits)."""
    udh = bytes([len(header)]) + header if header else b""
    if alphabet == "gsm7":
        septets = gsm7_septets(payload) if isinstance(payload, str) else list(payload)
        header_septets = (len(udh) * 8 + 6) // 7
        fill = header_septets * 7 - len(udh) * 8
        body = pack_septets(septets, fill)
        # pack_septets counted the fill bits from bit 0: drop nothing, the header goes before
        udl = header_septets + len(septets)
        if len(udh) + len(body) > 140 or udl > 160:
            raise ValueError("user data longer than one SMS (140 octets)")
        return udl, udh + body
    data = _ucs2(payload) if alphabet == "ucs2" and isinstance(payload, str) else (
        payload if isinstance(payload, bytes) else payload.encode("latin-1"))
    if len(udh) + len(data) > 140:
        raise ValueError("user data longer than one SMS (140 octets)")
    return len(udh) + len(data), udh + data


def _deliver(sender: str, *, sent_at: datetime, pid: int, dcs: int, udl: int, ud: bytes,
             udhi: bool, smsc: bytes = b"\x00") -> str:
    """SMS-DELIVER (TS 23.040 §9.2.2.1): TP-MTI 00, TP-MMS 1 (no more messages waiting),
    TP-UDHI when a header is there; then OA, PID, DCS, SCTS, UDL, UD."""
    first = 0x04 | (0x40 if udhi else 0)
    tpdu = bytes([first]) + _address(sender) + bytes([pid & 0xFF, dcs & 0xFF]) + _timestamp(sent_at) \
        + bytes([udl]) + ud
    return (smsc + tpdu).hex().upper()


def _choose(text: str, encoding: str, dcs: int | None, flash: bool) -> tuple[str, int]:
    if dcs is not None:
        return (_alphabet_of(dcs) if encoding == "auto" else encoding), dcs
    if encoding == "auto":
        encoding = "gsm7" if fits_gsm7(text) else "ucs2"
    if encoding not in _ALPHABETS:
        raise ValueError(f"encoding must be auto, gsm7, ucs2 or 8bit, not {encoding!r}")
    coding = {"gsm7": 0x00, "8bit": 0x04, "ucs2": 0x08}[encoding]
    return encoding, coding | (0x10 if flash else 0)     # bit 4: a message class is given; 0 = class 0


def deliver_pdu(sender: str, text: str, *, sent_at: datetime, encoding: str = "auto",
                concat: tuple[int, int, int] | None = None, dcs: int | None = None, pid: int = 0,
                flash: bool = False) -> str:
    """One SMS-DELIVER part carrying `text` (the whole of it: split long texts with
    deliver_pdus, or pass each part's text with its `concat` = (ref, total, seq)).

    encoding "auto" picks GSM-7 when every character is in the default alphabet or its
    extension table, else UCS-2 (TS 23.038 §6.2.1, §5); "gsm7", "ucs2" and "8bit" force one
    ("8bit" takes the text's code points as octets). `dcs` overrides the data coding scheme (its
    alphabet is then read from it, TS 23.038 §4); `flash` sets message class 0 (DCS bit 4, bits
    1-0 = 00); `pid` is TP-PID (0x40 would be a "type 0", silent, message)."""
    alphabet, coding = _choose(text, encoding, dcs, flash)
    header = _concat_ie(concat) if concat else b""
    udl, ud = _user_data(alphabet, text, header)
    return _deliver(sender, sent_at=sent_at, pid=pid, dcs=coding, udl=udl, ud=ud, udhi=bool(header))


def _units(text: str, alphabet: str) -> list[tuple[str, int]]:
    """(chunk, size) per character: septets for GSM-7 (2 for an extension character), UTF-16
    code units for UCS-2, so a split never cuts an escape or a surrogate pair in two."""
    if alphabet == "gsm7":
        return [(char, 2 if char in GSM7_EXTENSION else 1) for char in text]
    return [(char, len(_ucs2(char)) // 2) for char in text]


def deliver_pdus(sender: str, text: str, *, sent_at: datetime, ref: int = 0, encoding: str = "auto") -> list[str]:
    """A text as the network delivers it: one PDU when it fits (160 GSM-7 septets, 70 UCS-2
    characters), else parts of 153 septets / 67 UCS-2 code units, each with a concatenation IE
    (TS 23.040 §9.2.3.24.1; 6 header octets leave 134 for the text)."""
    alphabet, _ = _choose(text, encoding, None, False)
    whole = sum(size for _, size in _units(text, alphabet))
    single, part = (160, 153) if alphabet == "gsm7" else (70, 67)
    if alphabet == "8bit":
        single, part = 140, 134
    if whole <= single:
        return [deliver_pdu(sender, text, sent_at=sent_at, encoding=alphabet)]
    chunks: list[str] = []
    current, used = "", 0
    for char, size in _units(text, alphabet):
        if used + size > part:
            chunks.append(current)
            current, used = "", 0
        current += char
        used += size
    chunks.append(current)
    return [deliver_pdu(sender, chunk, sent_at=sent_at, encoding=alphabet, concat=(ref, len(chunks), seq))
            for seq, chunk in enumerate(chunks, start=1)]


# ---- WAP push: an MMS notification ---------------------------------------------------------------

def _uintvar(value: int) -> bytes:
    """WAP-230-WSP §8.1.2: 7 bits an octet, most significant first, continuation bit on all but
    the last."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def _text_string(value: str) -> bytes:
    """WAP-230-WSP §8.4.2.1 Text-string: the octets and a NUL (a quote 0x7F before a first
    octet of 0x80 or more)."""
    raw = value.encode("utf-8")
    return (b"\x7f" if raw and raw[0] >= 0x80 else b"") + raw + b"\x00"


def _value_length(length: int) -> bytes:
    """WAP-230-WSP §8.4.2.2: short-length 0-30, else 31 (length-quote) and a uintvar."""
    return bytes([length]) if length <= 30 else b"\x1f" + _uintvar(length)


def _long_integer(value: int) -> bytes:
    """WAP-230-WSP §8.4.2.1 Long-integer: short-length, then the value big-endian."""
    raw = value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
    return bytes([len(raw)]) + raw


def mms_notification(sender: str, url: str, *, transaction_id: str = "T1a2b3c4d", size: int = 48213,
                     expiry_seconds: int = 604800, message_class: int = 0x80) -> bytes:
    """An m-notification-ind (OMA-MMS-ENC v1.2 §6.2, header codes from §7.4 table 12), with the
    sender in the "+447…/TYPE=PLMN" form of §8 (address encoding)."""
    sender_value = b"\x80" + _text_string(f"{sender}/TYPE=PLMN")            # Address-present-token
    expiry_value = b"\x81" + _long_integer(expiry_seconds)                   # Relative-token
    return (b"\x8c\x82"                                                      # X-Mms-Message-Type: m-notification-ind
            + b"\x98" + _text_string(transaction_id)                         # X-Mms-Transaction-ID
            + b"\x8d\x92"                                                    # X-Mms-MMS-Version: 1.2
            + b"\x89" + _value_length(len(sender_value)) + sender_value      # From
            + b"\x8a" + bytes([message_class])                               # X-Mms-Message-Class: personal
            + b"\x8e" + _long_integer(size)                                  # X-Mms-Message-Size
            + b"\x88" + _value_length(len(expiry_value)) + expiry_value      # X-Mms-Expiry
            + b"\x83" + _text_string(url))                                   # X-Mms-Content-Location


def _wsp_push(content: bytes, *, transaction: int = 0x01) -> bytes:
    """A connectionless WSP push PDU (WAP-230-WSP §8.2.4.1, §8.2.1): transaction id, PDU type
    0x06, uintvar headers length, content type 0xBE (well-known 0x3E,
    application/vnd.wap.mms-message) and X-Wap-Application-Id 0xAF = 0x84 (mms.ua)."""
    headers = b"\xbe\xaf\x84"
    return bytes([transaction, 0x06]) + _uintvar(len(headers)) + headers + content


def _datagram_parts(sender: str, data: bytes, *, sent_at: datetime, destination: int, source: int,
                    ref: int, dcs: int = 0x04) -> list[str]:
    """8-bit data with an application port IE; a concatenation IE as well when it needs more
    than one SMS (TS 23.040 §9.2.3.24.4 has the port IE in every part; WAP-259-WDP §6.5)."""
    port = _port_ie(destination, source)
    room_single = 140 - 1 - len(port)
    if len(data) <= room_single:
        udl, ud = _user_data("8bit", data, port)
        return [_deliver(sender, sent_at=sent_at, pid=0, dcs=dcs, udl=udl, ud=ud, udhi=True)]
    room = 140 - 1 - len(port) - 5
    chunks = [data[i:i + room] for i in range(0, len(data), room)]
    pdus = []
    for seq, chunk in enumerate(chunks, start=1):
        udl, ud = _user_data("8bit", chunk, port + _concat_ie((ref, len(chunks), seq)))
        pdus.append(_deliver(sender, sent_at=sent_at, pid=0, dcs=dcs, udl=udl, ud=ud, udhi=True))
    return pdus


def wap_push_mms_pdu(sender: str, url: str, *, sent_at: datetime, ref: int = 0x5A,
                     transaction_id: str = "T1a2b3c4d", size: int = 48213) -> list[str]:
    """The SMS a phone gets when someone sends it a picture: a WAP push (to port 2948 from 9200)
    of an MMS m-notification-ind naming `url`, in 8-bit data, split into parts with a
    concatenation IE when longer than one SMS. The body begins 01 06 03 BE AF 84 … as in the
    captures of such messages (they contain "http://mms…" and "/TYPE=PLMN")."""
    body = _wsp_push(mms_notification(sender, url, transaction_id=transaction_id, size=size))
    return _datagram_parts(sender, body, sent_at=sent_at, destination=2948, source=9200, ref=ref)


def binary_pdu(sender: str, data: bytes, *, sent_at: datetime, port: int | None = None) -> str:
    """One SMS of 8-bit data (DCS 0x04); with `port`, an application port addressing IE
    (16-bit, destination and source both `port`), as an app or OTA settings message carries."""
    if port is None:
        udl, ud = _user_data("8bit", bytes(data), b"")
        return _deliver(sender, sent_at=sent_at, pid=0, dcs=0x04, udl=udl, ud=ud, udhi=False)
    udl, ud = _user_data("8bit", bytes(data), _port_ie(port, port))
    return _deliver(sender, sent_at=sent_at, pid=0, dcs=0x04, udl=udl, ud=ud, udhi=True)


def voicemail_indication_pdu(sender: str, count: int, *, sent_at: datetime, active: bool = True,
                             store: bool = False, special_ie: bool = True, text: str = "") -> str:
    """A voicemail waiting indication, as carriers send after a caller leaves a message.

    TP-DCS from the message waiting indication groups of TS 23.038 §4: 1100 "discard message"
    (0xC8 with the indication active, 0xC0 cleared) or, with `store`, 1101 "store message"
    (0xD8 / 0xD0); bit 3 is the sense (active), bits 1-0 the kind (00 voicemail). With
    `special_ie` the user data header also carries the special SMS message indication IE
    (IEI 0x01, TS 23.040 §9.2.3.24.2): octet 1 bit 7 store, bits 1-0 voicemail; octet 2 the
    number of messages waiting."""
    if not 0 <= count <= 255:
        raise ValueError("count is 0-255")
    dcs = (0xD0 if store else 0xC0) | (0x08 if active else 0x00)
    header = _iei(0x01, bytes([(0x80 if store else 0x00), count if active else 0])) if special_ie else b""
    udl, ud = _user_data("gsm7", text, header)
    return _deliver(sender, sent_at=sent_at, pid=0, dcs=dcs, udl=udl, ud=ud, udhi=bool(header))


def flash_pdu(sender: str, text: str, *, sent_at: datetime) -> str:
    """A flash SMS (message class 0, shown and not stored by a phone): DCS 0x10 for GSM-7 text,
    0x18 for UCS-2 (TS 23.038 §4, general data coding with a message class)."""
    return deliver_pdu(sender, text, sent_at=sent_at, flash=True)


def submit_pdu(number: str, text: str, *, message_ref: int = 0) -> str:
    """An SMS-SUBMIT (TS 23.040 §9.2.2.2) as a phone keeps a draft or a sent text on its SIM:
    TP-MTI 01 with a relative validity period (TP-VPF 10, 0xA7 = 24 h), no status report."""
    alphabet, coding = _choose(text, "auto", None, False)
    udl, ud = _user_data(alphabet, text, b"")
    tpdu = bytes([0x11, message_ref & 0xFF]) + _address(number) + bytes([0x00, coding, 0xA7, udl]) + ud
    return ("00" + tpdu.hex()).upper()


def tpdu_length(pdu_hex: str) -> int:
    """The <length> +CMGL / +CMGR / +CMT give: octets of the PDU after its SMSC field."""
    smsc = int(pdu_hex[:2], 16)
    return len(pdu_hex) // 2 - 1 - smsc
