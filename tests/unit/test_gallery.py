"""Every gallery text is a good first text: it starts with the business name, carries the opt-out
line, fits one GSM-7 SMS at its longest and draws none of the checks' warnings."""

from __future__ import annotations

import pytest

from agent.rules.gallery import CASE_TEMPLATES, CASES, GALLERY, KINDS, MENU_SAMPLE, OPT_OUT_LINE, gallery_entry, \
    measure_entry
from agent.rules.template_checks import template_warnings
from agent.rules.templates import DEFAULT_TEMPLATES, SAMPLE_VALUES, render
from agent.sms.user_data import segment_info

LONGEST = {**SAMPLE_VALUES, "menu": MENU_SAMPLE}      # the menu texts at a three-option menu


def test_every_kind_of_business_has_every_case():
    assert {(entry.kind, entry.case) for entry in GALLERY} == {(kind, case) for kind in KINDS for case in CASES}
    assert len({entry.key for entry in GALLERY}) == len(GALLERY)
    assert set(CASE_TEMPLATES.values()) <= set(DEFAULT_TEMPLATES)


@pytest.mark.parametrize("entry", GALLERY, ids=lambda entry: entry.key)
def test_entry_starts_with_the_business_and_ends_with_the_opt_out_line(entry):
    assert entry.body.startswith("{business}: ")
    assert entry.body.endswith(" " + OPT_OUT_LINE)


@pytest.mark.parametrize("entry", GALLERY, ids=lambda entry: entry.key)
def test_entry_fits_one_gsm7_sms_with_the_longest_values(entry):
    size = measure_entry(entry)       # the owner's template check: refuses nothing here
    assert (size.encoding, size.parts) == ("GSM-7", 1) and size.units <= 160, (entry.key, size)
    filled = segment_info(render(entry.body, LONGEST))        # measured once more, independently
    assert (filled.encoding, filled.parts) == ("GSM-7", 1) and filled.units == size.units


@pytest.mark.parametrize("entry", GALLERY, ids=lambda entry: entry.key)
def test_entry_draws_no_warning(entry):
    assert template_warnings(entry.template, entry.body, LONGEST) == ()


def test_menu_entries_use_the_menu_and_busy_ones_say_where_they_go():
    for entry in GALLERY:
        assert ("{menu}" in entry.body) == (entry.case == "menu")
        if entry.case in ("busy", "menu"):
            assert entry.template == "missed_open" and "while open" in entry.note
    assert gallery_entry("retail-after-hours").template == "missed_closed"


def test_unknown_entry_names_the_known_ones():
    with pytest.raises(KeyError, match='no gallery text "plumbing-open".*repairs-open'):
        gallery_entry("plumbing-open")
