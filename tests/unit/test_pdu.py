"""Known-answer, cross-check and library-bug tests for the SMS PDU codec (agent/sms/pdu.py)."""

from datetime import datetime, timedelta, timezone

import pytest
from gsmmodem import pdu as gsmpdu
from gsmmodem.exceptions import EncodingError

from agent.sms.pdu import (
    Concat,
    Deliver,
    PduError,
    StatusReport,
    Submit,
    decode_pdu,
    encode_deliver,
    encode_status_report,
    encode_submit,
    segment_info,
)

UTC = timezone.utc
NOON = datetime(2024, 2, 8, 12, 0, tzinfo=UTC)
GRIN = "\U0001F600"

# The classic SMS-SUBMIT from the "SMS and the PDU format" tutorial (dreamfabric / turbocontrol).
HELLOHELLO = "0011000B916407281553F80000AA0AE8329BFD4697D9EC37"
# gammu/gammu#126, a Huawei E1752 answering AT+CMGL=4.
GAMMU_CMGL = ("+CMGL: 0,0,,23", "07913366003051F5040B913366304381F9000051807191203480" "04D4F29C0E")
# A +CMGL line from an Etisalat SIM (codewithsundeep.com/discussion/solution/40373979):
# alphanumeric sender, UCS-2 Arabic, part 1 of 3.
ETISALAT_CMGL = (
    "+CMGL: 0,1,,86",
    "0791021197003899440ED0657A7A1E6687E93408610192016390004205000365030106440642062F0020"
    "06270633062A064706440643062A0020064306440020062706440648062D062F0627062A0020062706440645"
    "062C06270646064A",
)
# Vectors from python-gsmmodem's own test suite (test/test_pdu.py).
UCS2_SUBMIT = "07914346466554F601000B914316565811F9000806304253F68449"
STATUS_REPORT = "0006D60B911326880736F4111011719551401110117195714000"
AIRTIME = (
    "0591721891F1400781721881F800003160526104848059050003C30101916536FB1DCABEEB2074D85E0649"
    "41B19CAB060319A5C522289C96D3D3ED32286C0FA7D96131BBEC024941B19CAB0603DDD36C36A88C87A7E5"
    "65D0DB0D82C55EB0DB4B068BCD5C20"
)


def octets(hex_pdu: str) -> bytes:
    return bytes.fromhex(hex_pdu)


def deliver_hex(dcs: str, user_data: str, first: str = "04", scts: str = "42208021054340") -> str:
    """An SMS-DELIVER from +47770009103 with the given DCS, SCTS and TP-UDL+TP-UD."""
    return "00" + first + "0B917477009001F3" + "00" + dcs + scts + user_data


# ---- known answers --------------------------------------------------------------------------


def test_hellohello_decodes():
    assert decode_pdu(HELLOHELLO) == Submit(
        number="+46708251358", number_toa=0x91, text="hellohello", encoding="GSM-7",
        concat=None, message_ref=0, status_report=False,
    )


def test_hellohello_encodes_with_our_24_hour_validity():
    (pdu,) = encode_submit("+46708251358", "hellohello", status_report=False)
    assert pdu.hex == HELLOHELLO.replace("0000AA0A", "0000A70A")
    assert (pdu.tpdu_length, pdu.part, pdu.parts) == (23, 1, 1)


def test_real_cmgl_deliver_from_huawei():
    header, hex_pdu = GAMMU_CMGL
    message = decode_pdu(hex_pdu)
    assert message == Deliver(
        sender="+33660334189", sender_toa=145, text="Test", encoding="GSM-7",
        sent_at=datetime(2015, 8, 17, 17, 2, 43, tzinfo=UTC), concat=None, smsc="+33660003155",
    )
    smsc_octets = octets(hex_pdu)[0] + 1
    assert len(octets(hex_pdu)) - smsc_octets == int(header.rsplit(",", 1)[1])


def test_real_cmgl_alphanumeric_sender_ucs2_multipart():
    header, hex_pdu = ETISALAT_CMGL
    message = decode_pdu(hex_pdu)
    assert message.sender == "etisalat"
    assert message.sender_toa == 0xD0
    assert message.encoding == "UCS-2"
    assert message.text == "لقد استهلكت كل الوحدات المجاني"
    assert message.concat == Concat(ref=0x65, total=3, seq=1)
    assert message.sent_at == datetime(2016, 10, 29, 10, 36, 9, tzinfo=UTC)
    assert message.smsc == "+201179008399"
    assert len(octets(hex_pdu)) - 8 == int(header.rsplit(",", 1)[1])


def test_published_ucs2_submit():
    message = decode_pdu(UCS2_SUBMIT)
    assert (message.number, message.text, message.encoding) == ("+34616585119", "あ叶葉", "UCS-2")


def test_published_status_report():
    assert decode_pdu(STATUS_REPORT) == StatusReport(
        message_ref=214, recipient="+31628870634", recipient_toa=145, status=0,
        delivered=True, final=True, discharged_at=datetime(2011, 1, 11, 16, 59, 17, tzinfo=UTC),
    )


def test_published_gsm7_part_with_8bit_concat_and_national_sender():
    message = decode_pdu(AIRTIME)
    assert (message.sender, message.sender_toa) == ("2781188", 0x81)
    assert message.text.startswith("Hello!You have R 19.50 FREE airtime available.")
    assert message.concat == Concat(ref=0xC3, total=1, seq=1)


@pytest.mark.parametrize(
    ("zone", "offset"),
    [("40", timedelta(hours=1)), ("0A", timedelta(hours=-5)), ("2B", timedelta(hours=-8)),
     ("32", timedelta(hours=5, minutes=45)), ("00", timedelta(0))],
)
def test_scts_offset_sign_and_quarter_hours(zone, offset):
    local = datetime(2024, 2, 8, 12, 50, 34)
    message = decode_pdu(deliver_hex("00", "02C834", scts="422080210543" + zone))
    assert message.sent_at == (local - offset).replace(tzinfo=UTC)
    assert message.sent_at.tzinfo is UTC


# ---- encode_submit --------------------------------------------------------------------------


@pytest.mark.parametrize(("number", "toa"), [("+447700900123", 0x91), ("07700900123", 0x81)])
def test_number_type_of_address(number, toa):
    raw = octets(encode_submit(number, "hi")[0].hex)
    assert raw[4] == toa
    assert decode_pdu(encode_submit(number, "hi")[0].hex).number == number


@pytest.mark.parametrize("number", ["", "+", "07700 900123", "+44abc", "Vodafone", "1" * 21, "٣٣"])
def test_invalid_number_is_pdu_error(number):
    with pytest.raises(PduError):
        encode_submit(number, "hi")


def test_first_octet_flags_and_validity():
    single = octets(encode_submit("+4477", "hi")[0].hex)
    assert single[1] == 0x31  # SUBMIT, relative VP, status report requested
    assert octets(encode_submit("+4477", "hi", status_report=False)[0].hex)[1] == 0x11
    assert octets(encode_submit("+4477", "x" * 161)[0].hex)[1] == 0x71  # + UDHI
    assert gsmpdu.decodeSmsPdu(encode_submit("+4477", "hi")[0].hex)["validity"] == timedelta(days=1)


def test_empty_text_is_one_part_with_empty_user_data():
    (pdu,) = encode_submit("+4477", "")
    assert pdu.hex.endswith("0000A700")
    assert pdu.hex == pdu.hex.upper() and pdu.hex.startswith("00")
    assert decode_pdu(pdu.hex).text == ""


def test_refs_out_of_range():
    with pytest.raises(PduError):
        encode_submit("+4477", "hi", message_ref=256)
    with pytest.raises(PduError):
        encode_submit("+4477", "x" * 200, concat_ref=256)


def test_lone_surrogate_refused_and_pairs_joined():
    with pytest.raises(PduError):
        encode_submit("+4477", "a\ud83d")
    joined = encode_submit("+4477", "\ud83d\ude00")
    assert decode_pdu(joined[0].hex).text == GRIN


def test_escape_sequence_never_split():
    pdus = encode_submit("+4477", "a" * 152 + "€" + "b" * 10, concat_ref=9)
    first, second = (decode_pdu(p.hex) for p in pdus)
    assert first.text == "a" * 152
    assert second.text == "€" + "b" * 10
    assert (first.concat, second.concat) == (Concat(9, 2, 1), Concat(9, 2, 2))


def test_surrogate_pair_never_split():
    pdus = encode_submit("+4477", "é" * 66 + GRIN + "é" * 5)
    assert [decode_pdu(p.hex).text for p in pdus] == ["é" * 66, GRIN + "é" * 5]


def test_multipart_gsm7_fill_bits_and_lengths():
    pdus = encode_submit("+4477", "x" * 306)
    assert [p.parts for p in pdus] == [2, 2]
    raw = octets(pdus[0].hex)
    assert raw[-141] == 160  # TP-UDL: 7 header septets + 153
    assert raw[-140:-134].hex() == "050003000201"
    assert pdus[0].tpdu_length == len(raw) - 1


# ---- segment_info ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("GSM-7", 1, 0, 160, 160)),
        ("a" * 160, ("GSM-7", 1, 160, 160, 0)),
        ("a" * 161, ("GSM-7", 2, 161, 153, 145)),
        ("€" * 80, ("GSM-7", 1, 160, 160, 0)),
        ("a" * 152 + "€", ("GSM-7", 1, 154, 160, 6)),
        ("a" * 160 + "€", ("GSM-7", 2, 162, 153, 153 - 9)),
        ("a" * 152 + "€" + "a" * 7, ("GSM-7", 2, 161, 153, 153 - 9)),
        ("é" * 70 + "ŵ", ("UCS-2", 2, 71, 67, 63)),
        (GRIN * 35, ("UCS-2", 1, 70, 70, 0)),
        (GRIN * 36, ("UCS-2", 2, 72, 67, 61)),
        ("a" * 66 + GRIN + "a" * 3, ("UCS-2", 2, 71, 67, 62)),
        ("§`", ("UCS-2", 1, 2, 70, 68)),
        ("§@£\f", ("GSM-7", 1, 5, 160, 155)),
    ],
)
def test_segment_info(text, expected):
    info = segment_info(text)
    assert (info.encoding, info.parts, info.units, info.per_part, info.remaining) == expected
    assert info.parts == len(encode_submit("+4477", text))


# ---- decode_pdu: other shapes ---------------------------------------------------------------


def test_16bit_concat_ref_decoded():
    (part1, part2) = encode_deliver("+4477", "z" * 200, sent_at=NOON, concat_ref=0x1234)
    assert decode_pdu(part1).concat == Concat(0x1234, 2, 1)
    assert decode_pdu(part1).text + decode_pdu(part2).text == "z" * 200
    assert octets(part1)[1] == 0x44


def test_eight_bit_data_is_binary_never_text():
    message = decode_pdu(deliver_hex("04", "03414243"))
    assert (message.encoding, message.content, message.text, message.data) == (
        "8-bit", "binary", "", b"ABC")


def test_escape_followed_by_unknown_code_shows_basic_character():
    user_data = "02" + gsmpdu.packSeptets(bytearray([0x1B, 0x41])).hex()
    assert decode_pdu(deliver_hex("00", user_data)).text == "A"


@pytest.mark.parametrize(
    "junk",
    ["", "zz", "0", "00", "0004", "0011000B91", HELLOHELLO[:-2], "0043010C910661345542F6",
     deliver_hex("00", "05C834"), deliver_hex("04", "05C834"), deliver_hex("20", "02C834"),
     deliver_hex("00", "02C834", scts="42138021054340"), "0007", "0002FF", b"00"],
)
def test_junk_is_pdu_error(junk):
    with pytest.raises(PduError):
        decode_pdu(junk)


# ---- status reports -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "delivered", "final"),
    [(0x00, True, True), (0x1F, True, True), (0x20, False, False), (0x3F, False, False),
     (0x40, False, True), (0x60, False, True)],
)
def test_status_report_round_trip(status, delivered, final):
    at = datetime(2024, 7, 1, 9, 30, tzinfo=timezone(timedelta(hours=-4)))
    report = decode_pdu(encode_status_report(42, "+447700900123", status, at))
    assert report == StatusReport(42, "+447700900123", 0x91, status, delivered, final,
                                  at.astimezone(UTC))


# ---- encode_deliver -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sender", "toa"),
    [("+447700900123", 0x91), ("07700900123", 0x81), ("Vodafone", 0xD0), ("TextBck", 0xD0),
     ("O2", 0xD0), ("Shop{1}", 0xD0), ("ABCDEFGHIJK", 0xD0)],
)
def test_deliver_sender_round_trip(sender, toa):
    (hex_pdu,) = encode_deliver(sender, "hi", sent_at=NOON)
    message = decode_pdu(hex_pdu)
    assert (message.sender, message.sender_toa, message.text, message.sent_at) == (
        sender, toa, "hi", NOON)


def test_deliver_rejects_long_alphanumeric_sender_and_naive_time():
    with pytest.raises(PduError):
        encode_deliver("ABCDEFGHIJKL", "hi", sent_at=NOON)
    with pytest.raises(PduError):
        encode_deliver("+4477", "hi", sent_at=datetime(2024, 1, 1))


# ---- the library reads what we write (where it decodes correctly) ---------------------------


@pytest.mark.parametrize(
    "text", ["Sorry we missed your call - Joe's Plumbing", "x" * 400, "Price: 10€ [approx] {ok}",
             "Grüße aus Köln, ça va? Ελλάδα", "日本語のテキスト" * 12],
)
def test_library_decodes_our_submit(text):
    pdus = encode_submit("+447700900123", text, concat_ref=77, message_ref=5)
    decoded = [gsmpdu.decodeSmsPdu(p.hex) for p in pdus]
    assert "".join(d["text"] for d in decoded) == text
    assert {d["number"] for d in decoded} == {"+447700900123"}
    assert {d["reference"] for d in decoded} == {5}
    assert all(d["tpdu_length"] == p.tpdu_length for d, p in zip(decoded, pdus))
    if len(pdus) > 1:
        assert [(d["udh"][0].reference, d["udh"][0].number) for d in decoded] == [
            (77, n) for n in range(1, len(pdus) + 1)]


def test_library_agrees_on_negative_time_zone():
    hex_pdu = encode_deliver("+4477", "hi", sent_at=datetime(
        2024, 3, 1, 8, 15, tzinfo=timezone(timedelta(hours=-3, minutes=-30))))[0]
    assert gsmpdu.decodeSmsPdu(hex_pdu)["time"] == decode_pdu(hex_pdu).sent_at


# ---- library bugs we route around -----------------------------------------------------------


def test_library_bug_emoji_encodeUcs2():
    with pytest.raises(ValueError):
        gsmpdu.encodeUcs2(GRIN)
    with pytest.raises(ValueError):
        gsmpdu.encodeSmsSubmitPdu("+447700900123", "Thanks " + GRIN)
    (pdu,) = encode_submit("+447700900123", "Thanks " + GRIN)
    assert octets(pdu.hex)[-4:].hex().upper() == "D83DDE00"
    assert decode_pdu(pdu.hex).text == "Thanks " + GRIN


def test_library_bug_ucs2_multipart_split():
    text = "é" * 66 + "\ud83d\ude00" + "é" * 5  # how the library itself holds an emoji
    library_parts = gsmpdu.divideTextUcs2(text)
    assert library_parts[0].endswith("\ud83d") and library_parts[1].startswith("\ude00")
    ours = [decode_pdu(p.hex).text for p in encode_submit("+4477", text)]
    assert ours == ["é" * 66, GRIN + "é" * 5]


def test_library_bug_lone_surrogates_on_decode():
    hex_pdu = deliver_hex("08", "060068D83DDE00")
    assert gsmpdu.decodeSmsPdu(hex_pdu)["text"] == "h\ud83d\ude00"
    assert decode_pdu(hex_pdu).text == "h" + GRIN


def test_lone_surrogate_in_incoming_ucs2_becomes_replacement_character():
    assert decode_pdu(deliver_hex("08", "04D83D0068")).text == "\ufffdh"


def test_library_bug_unpack_drops_trailing_at():
    hex_pdu = encode_deliver("+4477", "meet@", sent_at=NOON)[0]
    hex_pdu8 = encode_deliver("+4477", "abcdefg@", sent_at=NOON)[0]
    assert gsmpdu.decodeSmsPdu(hex_pdu)["text"] == "meet@"
    assert gsmpdu.decodeSmsPdu(hex_pdu8)["text"] == "abcdefg"
    assert decode_pdu(hex_pdu8).text == "abcdefg@"


def test_library_bug_16bit_concat_loses_first_gsm7_character():
    hex_pdu = encode_deliver("+4477", "hello " * 30, sent_at=NOON, concat_ref=0x0102)[0]
    ours = decode_pdu(hex_pdu)
    assert ours.text.startswith("hello") and ours.concat == Concat(0x0102, 2, 1)
    assert gsmpdu.decodeSmsPdu(hex_pdu)["text"].startswith("ello")


def test_library_bug_dcs_coding_groups():
    eight_bit = deliver_hex("F4", "024142")
    ucs2_stored = deliver_hex("E0", "0400680069")
    assert gsmpdu.decodeSmsPdu(eight_bit)["text"] != "AB"
    assert gsmpdu.decodeSmsPdu(ucs2_stored)["text"] != "hi"
    assert (decode_pdu(eight_bit).data, decode_pdu(eight_bit).encoding) == (b"AB", "8-bit")
    assert decode_pdu(eight_bit).text == ""  # 8-bit data is never shown as text
    assert (decode_pdu(ucs2_stored).text, decode_pdu(ucs2_stored).encoding) == ("hi", "UCS-2")
    assert decode_pdu(ucs2_stored).content == "indication"  # 0xE0: voicemail, store, UCS-2


def test_library_bug_backtick_is_section_sign():
    assert gsmpdu.encodeGsm7("`") == bytearray([0x5F])
    with pytest.raises(ValueError):
        gsmpdu.encodeGsm7("§")
    assert segment_info("`").encoding == "UCS-2"
    assert segment_info("§").encoding == "GSM-7"
    assert decode_pdu(encode_submit("+4477", "§ and `")[0].hex).text == "§ and `"


def test_library_bug_escape_is_not_a_character():
    assert gsmpdu.encodeGsm7("\x1b") == bytearray([0x1B])
    assert segment_info("\x1b").encoding == "UCS-2"
    assert decode_pdu(encode_submit("+4477", "a\x1bb")[0].hex).text == "a\x1bb"


def test_library_bug_form_feed_extension():
    with pytest.raises(ValueError):
        gsmpdu.encodeGsm7("\f")
    assert gsmpdu.decodeGsm7(bytearray([0x1B, 0x0A])) == ""
    info = segment_info("a\fb")
    assert (info.encoding, info.units) == ("GSM-7", 4)
    assert decode_pdu(encode_submit("+4477", "a\fb")[0].hex).text == "a\fb"


def test_library_bug_national_number_toa():
    assert gsmpdu._encodeAddressField("07700900123")[1] == 0xA1
    assert octets(encode_submit("07700900123", "hi")[0].hex)[4] == 0x81


def test_library_bug_alphanumeric_address_length():
    assert gsmpdu._encodeAddressField("TextBck")[0] == 14  # 7 septets need 13 semi-octets
    (ours,) = encode_deliver("TextBck", "hi", sent_at=NOON)
    assert octets(ours)[2] == 13
    sloppy = "00040ED0" + gsmpdu._encodeAddressField("TextBck")[2:].hex() + "0000" + \
        "42208021054340" + "02C834"
    assert decode_pdu(sloppy).sender == "TextBck"


@pytest.mark.parametrize("junk", ["00", "0004FF", "0011000B91640728", "0002D6"])
def test_library_bug_junk_raises_stopiteration(junk):
    with pytest.raises(StopIteration):            # the library's bug: not its own EncodingError
        gsmpdu.decodeSmsPdu(junk)
    with pytest.raises(PduError):
        decode_pdu(junk)
