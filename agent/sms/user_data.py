"""TP-User-Data (3GPP TS 23.040 9.2.3.24, TS 23.038): alphabets, septets, parts, headers.

A text goes out in GSM-7 when every character is in the default alphabet or its extension table
(extension characters cost two septets: ESC 0x1B and the code); otherwise in UCS-2, where a
character outside the Basic Multilingual Plane (an emoji) costs two UTF-16 code units. A single
SMS holds 140 octets of user data: 160 septets or 70 code units. A part of a long text loses 6
octets to the concatenation header (7 with a 16-bit reference): 153 septets or 67 code units
(152 or 66). Parts are cut between characters, so an escape sequence or a surrogate pair is
never split.

The tables are TS 23.038 §6.2.1 (default alphabet) and §6.2.1.1 (extension table), written out
here so the codec needs no modem library (the web UI imports it). python-gsmmodem-new's tables
(gsmmodem.pdu.GSM7_BASIC, GSM7_EXTENDED) are the same but for three errors, each pinned by a
test: 0x5F is "§", not "`"; 0x1B is the escape code, not a character a text may contain; form
feed (ESC 0x0A) is in the extension table. Unpacking is done here because the library's
unpackSeptets drops a final "@"; packing here equals its packSeptets (a test checks both).

The user data header (TS 23.040 9.2.3.24) is read whole by ``parse_header``: the concatenation
IE (8- or 16-bit reference), the application port addressing IE (8-bit 0x04 or 16-bit 0x05,
9.2.3.24.3/9.2.3.24.4) and the special SMS message indication IE (0x01, 9.2.3.24.2). An IE whose
length does not fit its kind is skipped, and of repeated port IEs the last counts (23.040
9.2.3.24: a receiver uses the last occurrence of a duplicated IE that is not repeatable).
``message_class`` and ``dcs_indication`` read the class and the message waiting groups of
TP-DCS (TS 23.038 chapter 4).
"""

from dataclasses import dataclass

from agent.errors import TextBackError

__all__ = [
    "join_split_halves",
    "GSM7",
    "UCS2",
    "EIGHT_BIT",
    "PduError",
    "Segmentation",
    "Concat",
    "Indication",
    "UserDataHeader",
    "UserData",
    "segment_info",
    "split_text",
    "checked_text",
    "gsm7_septets",
    "gsm7_text",
    "pack_septets",
    "unpack_septets",
    "concat_ie",
    "coding",
    "message_class",
    "dcs_indication",
    "header_indication",
    "parse_header",
    "encode_user_data",
    "decode_user_data",
    "read_user_data",
]

GSM7 = "GSM-7"
UCS2 = "UCS-2"
EIGHT_BIT = "8-bit"
ESC = 0x1B
USER_DATA_OCTETS = 140

# TS 23.038 §6.2.1, code 0x00 … 0x7F; 0x1B (escape to the extension table) is not a character
_DEFAULT_ALPHABET = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
                     "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
BASIC: dict[str, int] = {char: code for code, char in enumerate(_DEFAULT_ALPHABET) if code != ESC}
# §6.2.1.1: after ESC
EXTENSION: dict[str, int] = {"\f": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F, "[": 0x3C, "~": 0x3D,
                             "]": 0x3E, "|": 0x40, "€": 0x65}
_BASIC_BY_CODE = {code: char for char, code in BASIC.items()}
_EXTENSION_BY_CODE = {code: char for char, code in EXTENSION.items()}


class PduError(TextBackError, ValueError):
    """A PDU or a text that cannot be decoded or encoded; the message says why."""


@dataclass(frozen=True)
class Concat:
    """The concatenation IE of one part of a long SMS."""

    ref: int
    total: int
    seq: int


@dataclass(frozen=True)
class Indication:
    """A message waiting indication (voicemail, fax, e-mail or other messages waiting).

    From a TP-DCS message waiting group (TS 23.038 chapter 4, groups 1100-1110) or a special SMS
    message indication IE (TS 23.040 9.2.3.24.2). kind is "voicemail", "fax", "email" or
    "other"; active says the indication is being set (False: cleared); count is the number of
    messages waiting, which only the IE carries (255 means 255 or more); store says the message
    is to be kept (False: the receiver may discard it after updating the indication).
    """

    kind: str
    active: bool
    count: int | None
    store: bool


@dataclass(frozen=True)
class UserDataHeader:
    """What a user data header says, as far as this codec reads it.

    ports is (destination, source) from an application port addressing IE; indications holds
    the two octets (type and storage, message count) of each special SMS message indication IE.
    """

    concat: Concat | None = None
    ports: tuple[int, int] | None = None
    indications: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class UserData:
    """TP-UD read: the text, the header, and the octets after the header (8-bit and UCS-2)."""

    text: str
    header: UserDataHeader
    body: bytes


@dataclass(frozen=True)
class Segmentation:
    """How many SMS a text needs, and how close it is to needing one more."""

    encoding: str
    parts: int
    units: int
    per_part: int
    remaining: int


def checked_text(text: str) -> str:
    """Return text with UTF-16 surrogate pairs joined; raise PduError on a lone surrogate."""
    try:
        return text.encode("utf-16-be", "surrogatepass").decode("utf-16-be")
    except UnicodeDecodeError as exc:
        raise PduError(f"text holds a lone UTF-16 surrogate at character {exc.start // 2}") from None


def _gsm7_cost(char: str) -> int:
    return 1 if char in BASIC else 2


def _ucs2_cost(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def _is_gsm7(text: str) -> bool:
    return all(char in BASIC or char in EXTENSION for char in text)


def _capacities(encoding: str, header_octets: int) -> tuple[int, int]:
    """Units in a single SMS, and in one part of a long text whose UDH takes header_octets."""
    if encoding == GSM7:
        return USER_DATA_OCTETS * 8 // 7, (USER_DATA_OCTETS - header_octets) * 8 // 7
    return USER_DATA_OCTETS // 2, (USER_DATA_OCTETS - header_octets) // 2


def split_text(text: str, header_octets: int = 6) -> tuple[str, list[str]]:
    """Return (encoding, parts): the text cut into the pieces that each fit one SMS.

    header_octets is the size of the user data header a part of a long text carries
    (6 for an 8-bit concatenation reference, 7 for a 16-bit one).
    """
    text = checked_text(text)
    encoding = GSM7 if _is_gsm7(text) else UCS2
    cost = _gsm7_cost if encoding == GSM7 else _ucs2_cost
    single, per_part = _capacities(encoding, header_octets)
    if sum(cost(char) for char in text) <= single:
        return encoding, [text]
    parts: list[str] = []
    start, used = 0, 0
    for index, char in enumerate(text):
        if used + cost(char) > per_part:
            parts.append(text[start:index])
            start, used = index, 0
        used += cost(char)
    parts.append(text[start:])
    return encoding, parts


def segment_info(text: str) -> Segmentation:
    """Say which encoding text needs, in how many parts, and how many units are left."""
    encoding, parts = split_text(text)
    cost = _gsm7_cost if encoding == GSM7 else _ucs2_cost
    single, multi = _capacities(encoding, 6)
    per_part = single if len(parts) == 1 else multi
    last = sum(cost(char) for char in parts[-1])
    units = sum(cost(char) for char in checked_text(text))
    return Segmentation(encoding, len(parts), units, per_part, per_part - last)


def gsm7_septets(text: str) -> list[int]:
    """Encode text as GSM-7 septet values (unpacked); PduError if a character does not fit."""
    septets: list[int] = []
    for char in text:
        if char in BASIC:
            septets.append(BASIC[char])
        elif char in EXTENSION:
            septets += [ESC, EXTENSION[char]]
        else:
            raise PduError(f"{char!r} is not in the GSM 7-bit alphabet")
    return septets


def gsm7_text(septets: list[int]) -> str:
    """Decode GSM-7 septet values.

    ESC followed by a code the extension table lacks shows the default-alphabet character for
    that code, and ESC ESC or a trailing ESC shows a space (TS 23.038, 6.2.1.1).
    """
    chars: list[str] = []
    codes = iter(septets)
    for code in codes:
        if code != ESC:
            chars.append(_BASIC_BY_CODE[code])
            continue
        follow = next(codes, ESC)
        if follow == ESC:
            chars.append(" ")
        else:
            chars.append(_EXTENSION_BY_CODE.get(follow) or _BASIC_BY_CODE[follow])
    return "".join(chars)


def pack_septets(septets: list[int], fill_bits: int = 0) -> bytes:
    """Pack septets into octets, after fill_bits zero bits (0-6) that align a user data header
    (TS 23.038 §6.1.2.1: the first septet's bits start at the lowest bit of the first octet)."""
    value, bits = 0, fill_bits
    for septet in septets:
        value |= (septet & 0x7F) << bits
        bits += 7
    return value.to_bytes((bits + 7) // 8, "little") if bits else b""


def unpack_septets(data: bytes, count: int, fill_bits: int = 0) -> list[int]:
    """Read count septets from data, skipping fill_bits leading bits; PduError if data is short."""
    if fill_bits + 7 * count > 8 * len(data):
        raise PduError(f"user data holds fewer than the {count} septets its length announces")
    value = int.from_bytes(data, "little")
    return [(value >> (fill_bits + 7 * index)) & 0x7F for index in range(count)]


def concat_ie(ref: int, total: int, seq: int) -> bytes:
    """The concatenation IE: 8-bit reference (00 03) up to 255, 16-bit (08 04) above."""
    if ref > 0xFF:
        return bytes([0x08, 4, ref >> 8, ref & 0xFF, total, seq])
    return bytes([0x00, 3, ref, total, seq])


def coding(dcs: int) -> str:
    """Alphabet named by TP-DCS (TS 23.038 chapter 4); compressed text is refused."""
    group = dcs >> 4
    if group <= 0x07:
        if dcs & 0x20:
            raise PduError(f"TP-DCS {dcs:#04x} announces compressed text, which is not supported")
        return {0: GSM7, 1: EIGHT_BIT, 2: UCS2}.get((dcs >> 2) & 0x03, GSM7)
    if group == 0x0E:
        return UCS2
    if group == 0x0F:
        return EIGHT_BIT if dcs & 0x04 else GSM7
    return GSM7


_KINDS = ("voicemail", "fax", "email", "other")


def message_class(dcs: int) -> int | None:
    """Message class 0-3 named by TP-DCS, or None (TS 23.038 chapter 4).

    Groups 00xx and 01xx carry a class when bit 4 is set; group 1111 always does. Class 0 is the
    "flash" message, shown at once and not stored.
    """
    group = dcs >> 4
    if group <= 0x07:
        return dcs & 0x03 if dcs & 0x10 else None
    if group == 0x0F:
        return dcs & 0x03
    return None


def dcs_indication(dcs: int) -> Indication | None:
    """The message waiting indication of TP-DCS groups 1100-1110, or None (TS 23.038 chapter 4).

    1100 "discard message" (GSM-7), 1101 "store message" (GSM-7), 1110 "store message" (UCS-2);
    bit 3 set means the indication is to be set active, bits 1-0 name the type (00 voicemail,
    01 fax, 10 e-mail, 11 other). Bit 2 is reserved.
    """
    group = dcs >> 4
    if not 0x0C <= group <= 0x0E:
        return None
    return Indication(_KINDS[dcs & 0x03], bool(dcs & 0x08), None, group != 0x0C)


def header_indication(octets: tuple[int, int], dcs: int) -> Indication:
    """Read a special SMS message indication IE (TS 23.040 9.2.3.24.2).

    Octet 1: bit 7 store (1) or discard (0) the message after updating the indication, bits 6-5
    the profile, bits 4-2 an extended type (001 video message), bits 1-0 the basic type (00 voice,
    01 fax, 10 e-mail, 11 extended, "other" in TS 23.038). Octet 2: the number of messages
    waiting, 0 clearing the indication. If TP-DCS disagrees about storing, the message is stored
    if either says so (9.2.3.24.2), so a DCS "store message" group counts too.
    """
    kind_and_store, count = octets
    from_dcs = dcs_indication(dcs)
    store = bool(kind_and_store & 0x80) or bool(from_dcs and from_dcs.store)
    return Indication(_KINDS[kind_and_store & 0x03], count > 0, count, store)


def encode_user_data(encoding: str, text: str, udh: bytes) -> bytes:
    """TP-UDL and TP-UD for one part; udh is the user data header without its length octet."""
    header = bytes([len(udh)]) + udh if udh else b""
    if encoding == GSM7:
        septets = gsm7_septets(text)
        fill = -len(header) * 8 % 7
        header_septets = (len(header) * 8 + fill) // 7
        return bytes([header_septets + len(septets)]) + header + pack_septets(septets, fill)
    body = header + text.encode("utf-16-be")
    return bytes([len(body)]) + body


def parse_header(header: bytes) -> UserDataHeader:
    """Read a user data header (without its length octet); PduError if an IE overruns it."""
    concat, ports, indications, pos = None, None, [], 0
    while pos < len(header):
        if pos + 2 > len(header) or pos + 2 + header[pos + 1] > len(header):
            raise PduError("user data header ends inside an information element")
        iei, body = header[pos], header[pos + 2:pos + 2 + header[pos + 1]]
        pos += 2 + len(body)
        if concat is None and (iei, len(body)) in ((0x00, 3), (0x08, 4)):
            ref = body[0] if iei == 0x00 else body[0] << 8 | body[1]
            total, seq = body[-2], body[-1]
            if 0 < seq <= total:
                concat = Concat(ref, total, seq)
        elif (iei, len(body)) == (0x04, 2):
            ports = (body[0], body[1])
        elif (iei, len(body)) == (0x05, 4):
            ports = (body[0] << 8 | body[1], body[2] << 8 | body[3])
        elif (iei, len(body)) == (0x01, 2):
            indications.append((body[0], body[1]))
    return UserDataHeader(concat, ports, tuple(indications))


def read_user_data(encoding: str, length: int, data: bytes, has_header: bool) -> UserData:
    """Read TP-UD (data: every octet after TP-UDL): text, header, and body octets.

    UCS-2 is read as UTF-16: surrogate pairs become one character, a lone half becomes U+FFFD
    (one at the edge of a part of a long text is kept until the parts are joined: join_split_halves).
    8-bit data is shown as Latin-1 in text (callers that know it is binary ignore it); body holds
    the octets after the header for 8-bit and UCS-2, and is empty for GSM-7.
    """
    header = b""
    if has_header:
        if not data or data[0] + 1 > len(data):
            raise PduError("user data header is longer than the PDU")
        header = data[1:data[0] + 1]
    parsed = parse_header(header) if has_header else UserDataHeader()
    header_octets = len(header) + 1 if has_header else 0
    if encoding == GSM7:
        fill = -header_octets * 8 % 7
        header_septets = (header_octets * 8 + fill) // 7
        if header_septets > length:
            raise PduError("TP-UDL is shorter than the user data header")
        septets = unpack_septets(data[header_octets:], length - header_septets, fill)
        return UserData(gsm7_text(septets), parsed, b"")
    if length > len(data) or header_octets > length:
        raise PduError(f"TP-UDL {length} does not fit the {len(data)} octets of user data")
    body = bytes(data[header_octets:length])
    if encoding == UCS2:
        return UserData(_ucs2_text(body, parsed.concat is not None), parsed, body)
    return UserData(body.decode("latin-1"), parsed, body)


# A sender may cut an emoji's UTF-16 surrogate pair between two parts of a long text (gammu#95;
# oFono joins the parts before decoding for this). A half at a part's edge is kept as a placeholder
# until the parts are joined: SPLIT_TAG and then the code unit as one character of U+E000–U+E7FF.
# A SPLIT_TAG the sender really sent is written twice, so the two can never be confused.
SPLIT_TAG = "\ufdd0"             # a Unicode noncharacter (for a program's own use)


def _ucs2_text(body: bytes, concatenated: bool) -> str:
    units = [body[i] << 8 | body[i + 1] for i in range(0, len(body) - 1, 2)]
    out: list[str] = []
    i = 0
    while i < len(units):
        unit = units[i]
        if 0xD800 <= unit < 0xDC00 and i + 1 < len(units) and 0xDC00 <= units[i + 1] < 0xE000:
            out.append(chr(0x10000 + ((unit - 0xD800) << 10) + (units[i + 1] - 0xDC00)))
            i += 2
            continue
        edge = (unit >= 0xDC00 and i == 0) or (unit < 0xDC00 and i == len(units) - 1)
        if 0xD800 <= unit < 0xE000:
            out.append(SPLIT_TAG + chr(0xE000 + unit - 0xD800) if concatenated and edge else "\ufffd")
        else:
            out.append(SPLIT_TAG * 2 if chr(unit) == SPLIT_TAG else chr(unit))
        i += 1
    if len(body) % 2:
        out.append("\ufffd")
    return "".join(out)


def join_split_halves(text: str) -> str:
    """A joined text: the two halves of a character cut between parts become it again; a half
    whose other half never came becomes U+FFFD."""
    out: list[str] = []
    pending: int | None = None          # a high half waiting for its low half
    i = 0
    while i < len(text):
        char = text[i]
        if char != SPLIT_TAG or i + 1 >= len(text):
            unit, step = None, 1
        elif text[i + 1] == SPLIT_TAG:
            unit, step, char = None, 2, SPLIT_TAG
        else:
            unit, step = ord(text[i + 1]) - 0xE000 + 0xD800, 2
        if pending is not None and not (unit is not None and 0xDC00 <= unit < 0xE000):
            out.append("\ufffd")
            pending = None
        if unit is None:
            out.append(char)
        elif unit < 0xDC00:
            pending = unit
        elif pending is not None:
            out.append(chr(0x10000 + ((pending - 0xD800) << 10) + (unit - 0xDC00)))
            pending = None
        else:
            out.append("\ufffd")
        i += step
    if pending is not None:
        out.append("\ufffd")
    return "".join(out)


def decode_user_data(
    encoding: str, length: int, data: bytes, has_header: bool
) -> tuple[str, Concat | None]:
    """Decode TP-UD (data: every octet after TP-UDL); return the text and any Concat.

    UCS-2 is read as UTF-16: surrogate pairs become one character, a lone half becomes U+FFFD
    (one at the edge of a part of a long text is kept until the parts are joined: join_split_halves).
    """
    user_data = read_user_data(encoding, length, data, has_header)
    return user_data.text, user_data.header.concat
