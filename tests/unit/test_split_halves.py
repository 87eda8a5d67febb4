"""An emoji cut between two parts of a long UCS-2 text is whole again once the parts are joined."""

from __future__ import annotations

from hypothesis import given, strategies as st

from agent.sms.user_data import UCS2, join_split_halves, read_user_data

HEADER = bytes([5, 0x00, 0x03, 0x4C, 2, 1])       # a concatenation header (23.040 §9.2.3.24.1)


def part(units: bytes, concatenated: bool = True) -> str:
    data = (HEADER if concatenated else b"") + units
    return read_user_data(UCS2, len(data), data, concatenated).text


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40), st.data())
def test_any_cut_at_a_code_unit_joins_back_to_the_text(text, data):
    units = text.encode("utf-16-be")
    cut = data.draw(st.integers(0, len(units) // 2)) * 2
    joined = join_split_halves(part(units[:cut]) + part(units[cut:]))
    assert joined == text


def test_a_half_whose_other_half_never_came_is_a_replacement_character():
    high = "\U0001F64F".encode("utf-16-be")[:2]
    assert join_split_halves(part("Friday? ".encode("utf-16-be") + high) + "[part 2 of 2 missing]") == \
        "Friday? \ufffd[part 2 of 2 missing]"


def test_a_lone_half_inside_a_part_or_in_a_single_text_is_a_replacement_character():
    low = "\U0001F64F".encode("utf-16-be")[2:]
    assert part("a".encode("utf-16-be") + low + "b".encode("utf-16-be")) == "a\ufffdb"
    assert part(low + "b".encode("utf-16-be"), concatenated=False) == "\ufffdb"


def test_the_placeholders_own_characters_sent_for_real_come_through_unchanged():
    for text in ("\ufdd0", "a\ufdd0\ufdd0b", "\U000fd800", "\ufdd0\ue000", "x\ufdd0"):
        units = text.encode("utf-16-be")
        for cut in range(0, len(units) + 1, 2):
            assert join_split_halves(part(units[:cut]) + part(units[cut:])) == text
