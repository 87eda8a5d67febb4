"""SMS-DELIVERs that are not a person's text: MMS notifications, WAP push and other application
data, message waiting indications, type 0 and flash messages (agent/sms/pdu.py).

The PDUs are built octet by octet from TS 23.040 / TS 23.038 (and WAP-230-WSP, OMA-MMS-ENC for
the push content), or copied from published captures, each cited where it is used.
"""

from datetime import datetime, timezone

import pytest
from gsmmodem import pdu as gsmpdu
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.sms.pdu import (
    CONTENTS,
    Concat,
    Deliver,
    Indication,
    PduError,
    classify_datagram,
    decode_pdu,
    describe_non_text,
    is_customer_text,
)

UTC = timezone.utc
SENDER = "0C91447700091030"  # TP-OA: 12 digits, international: +447700900103 (a drama number)
SCTS = "42208021054340"  # 2024-02-08 12:50:34 +01:00
PUSH_PORTS = bytes.fromhex("05040B8423F0")  # IEI 0x05: destination 2948 (WAP push), source 9200

PICTURE = "sent a picture message (it can't be shown here; call or text them back)"
DATA = "sent a data message (settings or an app message), not shown"


def deliver(ud: bytes, *, dcs: int = 0x04, pid: int = 0x00, udh: bytes | None = None,
            udl: int | None = None, first: int = 0x04) -> str:
    """An SMS-DELIVER (SMSC field "00") whose TP-UD is udh (IEs, without the length octet) + ud.

    For 8-bit and UCS-2 TP-UDL counts octets; pass udl for GSM-7 (septets).
    """
    header = b"" if udh is None else bytes([len(udh)]) + udh
    first |= 0x40 if udh is not None else 0
    length = len(header) + len(ud) if udl is None else udl
    return ("00" + bytes([first]).hex() + SENDER + bytes([pid, dcs]).hex() + SCTS
            + bytes([length]).hex() + (header + ud).hex()).upper()


def gsm7(text: str, udh: bytes | None = None, **fields) -> str:
    """A GSM-7 SMS-DELIVER: text of basic-alphabet letters, digits and spaces (their septet
    values equal ASCII), packed after the fill bits that align the header (23.040 9.2.3.24)."""
    fields.setdefault("dcs", 0x00)
    header_octets = 0 if udh is None else len(udh) + 1
    fill = -header_octets * 8 % 7
    header_septets = (header_octets * 8 + fill) // 7
    value = sum(ord(char) << (fill + 7 * index) for index, char in enumerate(text))
    packed = value.to_bytes((fill + 7 * len(text) + 7) // 8, "little")
    return deliver(packed, udh=udh, udl=header_septets + len(text), **fields)


def text_string(text: str) -> bytes:
    return text.encode("ascii") + b"\x00"


def mms_notification(url: str, content_type: bytes = b"\xbe") -> bytes:
    """A WSP push (WAP-230-WSP 8.2.4.1) carrying an m-notification-ind (OMA-MMS-ENC 6.2)."""
    headers = content_type + b"\xaf\x84"  # X-Wap-Application-Id: x-wap-application:mms.ua
    sender = b"\x80" + text_string("+447700900123/TYPE=PLMN")  # address-present-token
    mms = (b"\x8c\x82"  # X-Mms-Message-Type: m-notification-ind
           + b"\x98" + text_string("T4f2a91")  # X-Mms-Transaction-ID
           + b"\x8d\x92"  # X-Mms-MMS-Version: 1.2
           + b"\x89" + bytes([len(sender)]) + sender  # From
           + b"\x8a\x80"  # X-Mms-Message-Class: personal
           + b"\x8e\x02\x0b\x05"  # X-Mms-Message-Size: 2821 (long-integer)
           + b"\x88\x05\x81\x03\x03\xf4\x80"  # X-Mms-Expiry: relative, 259200 s
           + b"\x83" + text_string(url))  # X-Mms-Content-Location
    return b"\x01\x06" + bytes([len(headers)]) + headers + mms


# ---- MMS notifications ----------------------------------------------------------------------

# A real MMS notification, one SMS: oFono's unit/test-sms.c (wap_push_1), SMSC +491722270541.
# 8-bit class 1 (DCS 0xF5), TP-PID 0x39, UDH 06 05 04 0B84 23F0, content type as text.
OFONO_WAP_PUSH = (
    "0791947122725014440185F039F501801140311480720605040B8423F00106"
    "246170706C69636174696F6E2F766E642E7761702E6D6D732D6D657373616"
    "76500AF84B4868C82984F67514B4B42008D9089088045726F74696B009650"
    "696E2D557073008A808E0240008805810303F48083687474703A2F2F65707"
    "3332E64652F4F2F5A39495A4F00"
)

# Part 1 of 2 of a real MMS notification, printed in syenchuk/smspdudecoder pull request #11
# (2024-12-31): DCS 0x04, UDH 0B 05 04 0B84 23F0 00 03 40 02 01 (ports and concatenation), the
# URL cut after "http:/" at the part boundary. The From address digits were replaced by a
# fictitious number of the same length (+16825550199).
SMSPDUDECODER_PART_1 = (
    "07919107739667F9400A81111103010000044221134194920A8C0B05040B8423F000034002012D06226170706C"
    "69636174696F6E2F766E642E7761702E6D6D732D6D65737361676500AF848C8298414C4C423032303531323331"
    "313934393239323232303035303030313130303030008D918918802B31363832353535303139392F545950453D"
    "504C4D4E009602EA0086818A808E020FB18805810303F48083687474703A2F"
)


def test_real_single_sms_mms_notification():
    message = decode_pdu(OFONO_WAP_PUSH)
    assert isinstance(message, Deliver)
    assert (message.content, message.port, message.mms_url) == ("mms", 2948, "http://eps3.de/O/Z9IZO")
    assert (message.text, message.encoding, message.pid, message.flash) == ("", "8-bit", 0x39, False)
    assert message.data.startswith(b"\x01\x06\x24application/vnd.wap.mms-message\x00")
    assert message.concat is None and message.indication is None
    assert not is_customer_text(message)
    assert describe_non_text(message) == PICTURE


def test_mms_notification_built_from_spec_with_well_known_content_type():
    hex_pdu = deliver(mms_notification("http://mms.example.net/m/Xy7Q2"), udh=PUSH_PORTS)
    message = decode_pdu(hex_pdu)
    assert (message.content, message.mms_url, message.text, message.port) == (
        "mms", "http://mms.example.net/m/Xy7Q2", "", 2948)
    assert b"\x83http://mms.example.net/m/Xy7Q2\x00" in message.data


def test_real_first_part_of_a_two_part_mms_notification():
    message = decode_pdu(SMSPDUDECODER_PART_1)
    assert message.concat == Concat(ref=0x40, total=2, seq=1)
    assert (message.content, message.port, message.text) == ("mms", 2948, "")
    assert message.mms_url is None  # the URL runs on into part 2
    assert message.data.endswith(b"\x83http:/")
    assert len(message.data) == 140 - 12


def test_two_part_mms_notification_joined_by_data():
    # The notification above cut in two, each part repeating the port IE next to its concat IE.
    whole = mms_notification("http://mms.example.net/m/" + "k" * 120)
    cut = 100
    parts = [decode_pdu(deliver(chunk, udh=PUSH_PORTS + bytes([0x00, 3, 0x2A, 2, seq])))
             for seq, chunk in ((1, whole[:cut]), (2, whole[cut:]))]
    assert [p.concat for p in parts] == [Concat(0x2A, 2, 1), Concat(0x2A, 2, 2)]
    # each part says what its own headers say: the second holds only the URL's tail
    assert [(p.content, p.port, p.text, p.mms_url) for p in parts] == [
        ("mms", 2948, "", None), ("binary", 2948, "", None)]
    # what the inbound layer does: join the parts' data in seq order, then classify the whole
    joined = b"".join(p.data for p in sorted(parts, key=lambda p: p.concat.seq))
    assert classify_datagram(parts[0].port, joined) == ("mms", "http://mms.example.net/m/" + "k" * 120)


def test_later_part_without_port_ie_is_binary():
    whole = mms_notification("http://mms.example.net/m/" + "z" * 120)
    first = decode_pdu(deliver(whole[:100], udh=PUSH_PORTS + bytes([0x00, 3, 7, 2, 1])))
    second = decode_pdu(deliver(whole[100:], udh=bytes([0x00, 3, 7, 2, 2])))
    assert (first.content, second.content) == ("mms", "binary")
    assert (second.port, second.concat, second.text) == (None, Concat(7, 2, 2), "")


def test_mms_notification_with_content_type_in_general_form():
    # Content-general-form: Short-length 1, Well-known-media 0xBE (WAP-230-WSP 8.4.2.24)
    hex_pdu = deliver(mms_notification("http://a.example/1", content_type=b"\x01\xbe"), udh=PUSH_PORTS)
    assert decode_pdu(hex_pdu).mms_url == "http://a.example/1"


def test_mms_delivery_report_is_not_a_picture():
    # X-Mms-Message-Type 0x86 m-delivery-ind: an MMS PDU, but no picture from anyone
    push = b"\x01\x06\x01\xbe" + b"\x8c\x86\x8d\x92\x8b" + text_string("id1") + b"\x95\x81"
    message = decode_pdu(deliver(push, udh=PUSH_PORTS))
    assert (message.content, message.mms_url, message.text) == ("binary", None, "")


def test_unreadable_url_is_none_but_still_mms():
    hex_pdu = deliver(mms_notification("http://x.example/\x01bad"), udh=PUSH_PORTS)
    message = decode_pdu(hex_pdu)
    assert (message.content, message.mms_url) == ("mms", None)


# ---- other WAP push and application data ----------------------------------------------------

# A WAP push Service Indication (content type 0xAE, application/vnd.wap.sic) as published at
# sms.24cro.com/op_1_9_en.htm ("A Sample WAP Push string"): href www.24cro.com/music.gif.
SERVICE_INDICATION = bytes.fromhex(
    "DC0601AE02056A0045C60C037777772E323463726F2E636F6D2F6D757369632E6769660001034D75736963000101")

# An OMA client provisioning (OTA settings) push, built to the Wireshark wiki's decoding of one
# (page WAP_Binary_XML): TID 0x01, push, headers length 47, Content-Type
# application/vnd.wap.connectivity-wbxml (0xB6) in general form (Length-quote, 45) with SEC=USERPIN
# and MAC=0BB3BB551F0A93359EC29E6CEAC1440E4A617489, then WBXML 1.3, PROV 1.0, UTF-8.
OTA_PROVISIONING = (bytes.fromhex("01062F1F2DB6918192")
                    + text_string("0BB3BB551F0A93359EC29E6CEAC1440E4A617489")
                    + bytes.fromhex("030B6A054E41503100C54601"))


@pytest.mark.parametrize("push", [SERVICE_INDICATION, OTA_PROVISIONING], ids=["sic", "ota"])
def test_other_wap_push_is_binary(push):
    message = decode_pdu(deliver(push, dcs=0xF5, udh=PUSH_PORTS))
    assert (message.content, message.port, message.mms_url, message.text) == ("binary", 2948, None, "")
    assert message.data == push
    assert describe_non_text(message) == DATA
    assert not is_customer_text(message)


def test_ota_settings_on_port_49999():
    message = decode_pdu(deliver(OTA_PROVISIONING, dcs=0xF5, udh=bytes.fromhex("0504C34FC002")))
    assert (message.content, message.port, message.text) == ("binary", 49999, "")


def test_eight_bit_data_without_ports():
    message = decode_pdu(deliver(b"\x00\x01binary\xff"))
    assert (message.content, message.port, message.text, message.data) == (
        "binary", None, "", b"\x00\x01binary\xff")


def test_eight_bit_concatenated_part_without_ports():
    message = decode_pdu(deliver(b"\x10\x20", udh=bytes([0x00, 3, 9, 3, 2])))
    assert (message.content, message.concat, message.text) == ("binary", Concat(9, 3, 2), "")


def test_eight_bit_port_ie():
    # IEI 0x04, 8-bit ports (23.040 9.2.3.24.3): destination 0xF5, source 0xF6
    message = decode_pdu(deliver(b"\xca\xfe", dcs=0xF4, udh=bytes([0x04, 2, 0xF5, 0xF6])))
    assert (message.content, message.port, message.data, message.text) == ("binary", 245, b"\xca\xfe", "")


def test_text_with_port_header_is_application_data():
    message = decode_pdu(gsm7("HELLO APP", udh=bytes.fromhex("0504162A0000")))
    assert (message.encoding, message.content, message.port, message.text) == ("GSM-7", "binary", 5674, "")


def test_last_port_ie_counts_and_misshapen_ones_are_skipped():
    udh = bytes.fromhex("05040B8423F0") + bytes.fromhex("0504138A0000") + bytes.fromhex("05021122")
    assert decode_pdu(deliver(b"\x00", udh=udh)).port == 5002


@pytest.mark.parametrize("pid", [0x7C, 0x7D, 0x7E, 0x7F])
def test_data_for_the_equipment_or_sim_is_binary(pid):
    # 23.040 9.2.3.9: ANSI-136 R-DATA, ME data download, ME de-personalization, (U)SIM data download
    message = decode_pdu(deliver(b"\x02\x70\x00", dcs=0xF6, pid=pid))
    assert (message.content, message.pid, message.text) == ("binary", pid, "")


# ---- message waiting indications ------------------------------------------------------------

# A real voicemail indication: oFono's unit/test-sms.c (simple_mwi), SMSC +33660002028:
# DCS 0xC8 (message waiting, discard, voicemail, active), no user data.
OFONO_SIMPLE_MWI = "07913366002020F8040B913366600600F100C83180706174148000"

# The user data of the voicemail indication published at mobiletidings.com ("Setting Voicemail
# Waiting Indication via SMS", 2009): 15 septets, "1 new voicemail", sent with DCS 0xC8.
MOBILETIDINGS_UD = bytes.fromhex("3190BB7C07D9DFE971B91D4EB301")


def test_real_voicemail_indication_without_text():
    message = decode_pdu(OFONO_SIMPLE_MWI)
    assert message.content == "indication"
    assert message.indication == Indication(kind="voicemail", active=True, count=None, store=False)
    assert (message.text, message.sender) == ("", "+33660660001")
    assert describe_non_text(message) == "voicemail waiting indication"
    assert not is_customer_text(message)


def test_dcs_c8_voicemail_indication_with_gsm7_text():
    message = decode_pdu(deliver(MOBILETIDINGS_UD, dcs=0xC8, udl=15))
    assert (message.content, message.text, message.encoding) == ("indication", "1 new voicemail", "GSM-7")
    assert message.indication == Indication("voicemail", True, None, False)


def test_dcs_c0_discard_clears_voicemail_indication():
    message = decode_pdu(gsm7("No new voicemail", dcs=0xC0))
    assert (message.content, message.text) == ("indication", "No new voicemail")
    assert message.indication == Indication("voicemail", False, None, False)
    assert describe_non_text(message) == "voicemail waiting indication cleared"


@pytest.mark.parametrize(
    ("dcs", "indication", "words"),
    [(0xC9, Indication("fax", True, None, False), "fax waiting indication"),
     (0xD8, Indication("voicemail", True, None, True), "voicemail waiting indication"),
     (0xDA, Indication("email", True, None, True), "e-mail waiting indication"),
     (0xD3, Indication("other", False, None, True), "message waiting indication cleared")],
)
def test_dcs_message_waiting_groups(dcs, indication, words):
    message = decode_pdu(gsm7("You have mail", dcs=dcs))
    assert (message.content, message.indication, message.text) == ("indication", indication, "You have mail")
    assert describe_non_text(message) == words


def test_dcs_e0_store_ucs2_indication_keeps_text():
    message = decode_pdu(deliver("2 neue Sprachnachrichten".encode("utf-16-be"), dcs=0xE8))
    assert (message.encoding, message.text) == ("UCS-2", "2 neue Sprachnachrichten")
    assert message.indication == Indication("voicemail", True, None, True)


def test_special_sms_indication_ie_with_count_3():
    # IEI 0x01 (23.040 9.2.3.24.2): octet 1 0x80 = store, voicemail; octet 2 = 3 messages
    message = decode_pdu(gsm7("You have 3 new voicemails", udh=bytes([0x01, 2, 0x80, 3])))
    assert message.content == "indication"
    assert message.indication == Indication("voicemail", True, 3, True)
    assert message.text == "You have 3 new voicemails"
    assert describe_non_text(message) == "voicemail waiting indication (3 new)"


def test_special_indication_ie_wins_over_dcs_and_store_is_either():
    # DCS 0xD9 says fax, active, store; the IE says voicemail, 2 waiting, discard: the IE's kind
    # and count, but stored because the DCS says so (23.040 9.2.3.24.2)
    message = decode_pdu(gsm7("2 messages", udh=bytes([0x01, 2, 0x00, 2]), dcs=0xD9))
    assert message.indication == Indication("voicemail", True, 2, True)
    cleared = decode_pdu(gsm7("", udh=bytes([0x01, 2, 0x00, 0]), dcs=0xC0))
    assert cleared.indication == Indication("voicemail", False, 0, False)
    assert describe_non_text(cleared) == "voicemail waiting indication cleared"


def test_several_indication_ies_report_the_voicemail_one():
    udh = bytes([0x01, 2, 0x82, 4, 0x01, 2, 0x80, 1])  # e-mail (4), then voicemail (1)
    message = decode_pdu(gsm7("x", udh=udh))
    assert message.indication == Indication("voicemail", True, 1, True)


def test_video_message_waiting_is_other_and_255_means_at_least():
    # octet 1 0x87: store, extended type 001 (video message waiting), basic type 11 (extended)
    message = decode_pdu(gsm7("", udh=bytes([0x01, 2, 0x87, 255])))
    assert message.indication == Indication("other", True, 255, True)
    assert describe_non_text(message) == "message waiting indication (255+ new)"


def test_indication_in_8bit_has_no_text():
    message = decode_pdu(deliver(b"\x01\x02", udh=bytes([0x01, 2, 0x80, 1])))
    assert (message.content, message.text, message.data) == ("indication", "", b"\x01\x02")


def test_return_call_message():
    # TP-PID 0x5F (23.040 9.2.3.9): the user may call back the TP-OA; the text is displayable
    message = decode_pdu(gsm7("Call 121 for voicemail", pid=0x5F))
    assert (message.content, message.text) == ("indication", "Call 121 for voicemail")
    assert message.indication == Indication("other", True, None, True)
    assert describe_non_text(message) == "a call-back notice from the network (return call message)"


# ---- type 0, replace and flash --------------------------------------------------------------


def test_type_0_is_silent():
    # TP-PID 0x40 (23.040 9.2.3.9): acknowledged, its contents discarded, never shown
    message = decode_pdu(gsm7("ping", pid=0x40))
    assert (message.content, message.text, message.pid) == ("silent", "", 0x40)
    assert not is_customer_text(message)
    assert describe_non_text(message) == "a silent network message (type 0)"
    eight_bit = decode_pdu(deliver(b"\x00", pid=0x40))
    assert (eight_bit.content, eight_bit.text) == ("silent", "")


def test_type_0_wins_over_an_indication():
    message = decode_pdu(gsm7("hi", pid=0x40, dcs=0xC8))
    assert (message.content, message.indication, message.text) == ("silent", None, "")


@pytest.mark.parametrize("pid", range(0x41, 0x48))
def test_replace_short_message_types_are_texts(pid):
    message = decode_pdu(gsm7("Running late", pid=pid))
    assert (message.content, message.text, message.pid) == ("text", "Running late", pid)
    assert is_customer_text(message)


@pytest.mark.parametrize("dcs", [0x10, 0xF0])
def test_class_0_flash_gsm7_text(dcs):
    message = decode_pdu(gsm7("Call me now", dcs=dcs))
    assert (message.content, message.flash, message.text) == ("text", True, "Call me now")
    assert is_customer_text(message)
    assert describe_non_text(message) == ""


def test_class_0_flash_ucs2_text():
    message = decode_pdu(deliver("Grüße".encode("utf-16-be"), dcs=0x18))
    assert (message.content, message.flash, message.text, message.encoding) == (
        "text", True, "Grüße", "UCS-2")


@pytest.mark.parametrize("dcs", [0x00, 0x11, 0x12, 0x13, 0x01, 0xF1, 0xF3, 0x40, 0x51])
def test_other_classes_are_not_flash(dcs):
    assert decode_pdu(gsm7("hi", dcs=dcs)).flash is False


def test_flash_8bit_is_still_binary():
    message = decode_pdu(deliver(b"\x01", dcs=0x14))
    assert (message.flash, message.content) == (True, "binary")


def test_plain_text_keeps_the_old_shape():
    message = decode_pdu(gsm7("Yes please"))
    assert message == Deliver(
        sender="+447700900103", sender_toa=0x91, text="Yes please", encoding="GSM-7",
        sent_at=datetime(2024, 2, 8, 11, 50, 34, tzinfo=UTC), concat=None, smsc=None,
    )
    assert (message.content, message.port, message.flash, message.pid, message.indication,
            message.mms_url, message.data) == ("text", None, False, 0, None, None, b"")


# ---- classify_datagram ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("port", "data", "expected"),
    [(2948, b"", ("binary", None)), (2948, b"\x01", ("binary", None)),
     (2948, b"\x01\x06", ("binary", None)), (2948, b"\x01\x06\xff\xff\xff\xff\xff\xff", ("binary", None)),
     (2948, b"\x01\x06\x01\xbe", ("mms", None)), (2948, b"\x01\x06\x05\xbe", ("mms", None)),
     (9200, b"\x01\x06\x01\xbe\x8c\x82", ("binary", None)), (None, b"\x01\x06\x01\xbe", ("binary", None)),
     (2949, b"\x06\x01\xbe\x8c\x82\x83http://h/\x00", ("mms", "http://h/")),
     (2948, b"\x01\x07\x01\xbe\x8c\x82\x83\x7fhttp://q/\x00", ("mms", "http://q/")),
     (2948, b"\x01\x06\x01\xae\x8c\x82", ("binary", None))],
)
def test_classify_datagram_edges(port, data, expected):
    assert classify_datagram(port, data) == expected


# ---- the library ----------------------------------------------------------------------------


def test_library_bug_mms_notification_returned_as_text():
    # decodeSmsPdu hands the WSP/MMS octets back as the message text: the garbage that used to
    # be relayed as the caller's words. With DCS 0xF5 it unpacks them as GSM-7 septets instead.
    latin = gsmpdu.decodeSmsPdu(SMSPDUDECODER_PART_1)["text"]
    assert latin.startswith("-\x06\"application/vnd.wap.mms-message\x00¯\x84\x8c\x82")
    assert "/TYPE=PLMN" in latin
    septets = gsmpdu.decodeSmsPdu(OFONO_WAP_PUSH)["text"]
    assert "http" not in septets and septets.startswith("øΔÇ")
    assert decode_pdu(SMSPDUDECODER_PART_1).text == decode_pdu(OFONO_WAP_PUSH).text == ""


def test_library_bug_8bit_text_reads_past_udl():
    hex_pdu = deliver(b"AB") + "FFFF"  # two stray octets after the user data
    assert gsmpdu.decodeSmsPdu(hex_pdu)["text"] == "ABÿÿ"
    assert decode_pdu(hex_pdu).data == b"AB"


def test_library_bug_misshapen_port_ie_raises_index_error():
    hex_pdu = deliver(b"\x01\x02", udh=bytes([0x05, 2, 0x0B, 0x84]))  # 16-bit ports need 4 octets
    with pytest.raises(IndexError):
        gsmpdu.decodeSmsPdu(hex_pdu)
    message = decode_pdu(hex_pdu)  # skipped, as 23.040 9.2.3.24 has a receiver skip IEs it cannot use
    assert (message.port, message.content) == (None, "binary")


# ---- properties -----------------------------------------------------------------------------

EIGHT_BIT_DCS = [0x04, 0x14, 0x15, 0x16, 0x17, 0x44, 0xF4, 0xF5, 0xF6, 0xF7]


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=140), dcs=st.sampled_from(EIGHT_BIT_DCS), pid=st.integers(0, 255),
       destination=st.sampled_from([2948, 2949, 9200, 49999, 0, 0xFFFF]) | st.integers(0, 0xFFFF),
       source=st.integers(0, 0xFFFF), concat=st.none() | st.tuples(st.integers(0, 255), st.integers(0, 255),
                                                                 st.integers(0, 255)),
       udl_shift=st.sampled_from([0, 0, 0, -1, 1, -200]))
def test_random_8bit_port_data_is_never_text(data, dcs, pid, destination, source, concat, udl_shift):
    udh = bytes([0x05, 4]) + destination.to_bytes(2, "big") + source.to_bytes(2, "big")
    if concat is not None:
        udh += bytes([0x00, 3, *concat])
    data = data[:140 - len(udh) - 1]
    length = max(0, min(255, len(udh) + 1 + len(data) + udl_shift))
    try:
        message = decode_pdu(deliver(data, dcs=dcs, pid=pid, udh=udh, udl=length))
    except PduError:
        return
    assert message.text == ""
    assert message.content in CONTENTS and message.content != "text"
    assert message.port == destination
    if message.content == "mms":
        assert destination in (2948, 2949)
    else:
        assert message.mms_url is None


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.sampled_from([2948, 2949, None, 1]))
def test_classify_datagram_never_raises(data, port):
    content, url = classify_datagram(port, data)
    assert content in ("mms", "binary")
    assert url is None or (content == "mms" and url.isascii() and url.isprintable())


@settings(max_examples=300, deadline=None)
@given(udh=st.binary(max_size=40), ud=st.binary(max_size=100), dcs=st.integers(0, 255),
       pid=st.integers(0, 255))
def test_random_headers_keep_binary_out_of_text(udh, ud, dcs, pid):
    try:
        message = decode_pdu(deliver(ud, dcs=dcs, pid=pid, udh=udh, udl=min(255, len(udh) + 1 + len(ud))))
    except PduError:
        return
    assert message.content in CONTENTS
    assert (message.indication is not None) == (message.content == "indication")
    if message.content in ("mms", "binary", "silent") or message.encoding == "8-bit":
        assert message.text == ""
    if message.encoding != "8-bit":
        assert message.data == b""
    assert is_customer_text(message) == (message.content == "text")
    assert (describe_non_text(message) == "") == (message.content == "text")
