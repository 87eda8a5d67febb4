"""The checks on save: one test per warning, each naming its reason; the standard texts and a good
first text draw none; nothing is refused."""

from __future__ import annotations

import pytest

from agent.rules.template_checks import COMPLIANCE, COST, FILTERING, URL_SHORTENERS, template_warnings
from agent.rules.templates import DEFAULT_TEMPLATES, check_template

GOOD = "{business}: sorry we missed your call! How can we help? Reply here. Reply STOP to opt out."
SHOP = {"business": "Brightside Dental"}


def _checks(name: str, body: str, values: dict[str, str] | None = None) -> dict[str, tuple[str, str]]:
    check_template(name, body)            # every text below can be saved: the checks only warn
    return {w.check: (w.reason, w.message) for w in template_warnings(name, body, values or SHOP)}


@pytest.mark.parametrize("name", sorted(DEFAULT_TEMPLATES))
def test_standard_texts_draw_no_warning(name):
    assert template_warnings(name, DEFAULT_TEMPLATES[name], SHOP) == ()


def test_first_text_without_the_business_name_warns_for_compliance():
    reason, message = _checks("missed_open", "Sorry we missed your call! Reply here. Reply STOP to opt out.")[
        "business_name"]
    assert reason == COMPLIANCE and "does not say who it is from" in message and "{business}" in message


def test_business_name_written_out_counts_as_the_name():
    assert "business_name" not in _checks("missed_closed", "BRIGHTSIDE dental: we open {next_open}. "
                                                           "Reply STOP to opt out.")


def test_first_text_without_an_opt_out_line_warns_for_compliance():
    checks = _checks("missed_closed", "{business}: sorry we missed you. We open {next_open}.")
    reason, message = checks["opt_out"]
    assert reason == COMPLIANCE and "how to stop" in message and "Reply STOP to opt out." in message
    assert list(checks) == ["opt_out"]


@pytest.mark.parametrize("line", ["Reply STOP to opt out.", "Text STOP to end these texts.", "Opt-out: reply END",
                                  "To unsubscribe, reply here.", "Reply \u201cQUIT\u201d to stop."])
def test_opt_out_lines_in_other_words_count(line):
    assert "opt_out" not in _checks("missed_open", f"{{business}}: sorry we missed you. {line}")


def test_stop_in_a_sentence_is_not_an_opt_out_line():
    assert "opt_out" in _checks("missed_open", "{business}: sorry we missed you. Do stop by the shop!")


def test_only_the_first_texts_need_name_and_opt_out():
    assert _checks("followup", "Just checking we got back to you.") == {}
    assert _checks("owner_relay", "#{ref} {caller}: {text} BIT.LY/x!!!") == {}


@pytest.mark.parametrize("link", ["bit.ly/3xYz", "https://tinyurl.com/shop", "see t.co/abc", "www.Bit.ly/x",
                                  "cutt.ly/booking"])
def test_public_url_shortener_warns_for_carrier_filtering(link):
    reason, message = _checks("followup", f"{{business}}: book online at {link}. Reply STOP to opt out.")[
        "url_shortener"]
    assert reason == FILTERING and "link shortener" in message and "in full" in message
    assert message.split(" ")[0] in URL_SHORTENERS


@pytest.mark.parametrize("text", ["visit brightside.co.uk/book", "at.co", "t.com/x", "this.gd", "Email: a@b.co"])
def test_own_addresses_are_not_shorteners(text):
    assert "url_shortener" not in _checks("missed_open", f"{{business}}: {text}. Reply STOP to opt out.")


def test_mostly_capitals_warns_for_carrier_filtering():
    reason, message = _checks("missed_open", "{business}: SORRY WE MISSED YOUR CALL, CALL US BACK NOW. "
                                             "Reply STOP to opt out.")["capitals"]
    assert reason == FILTERING and "capitals" in message and "sentence case" in message


def test_keywords_and_the_name_in_capitals_are_not_shouting():
    body = "{business}: sorry we missed you. Reply URGENT if it can't wait, HELP for help. Reply STOP to opt out."
    assert _checks("missed_open", body) == {}
    assert _checks("missed_open", "{business}: OK. Reply STOP to opt out.") == {}


def test_several_exclamation_marks_warn_for_carrier_filtering():
    reason, message = _checks("missed_open", "{business}: sorry we missed you!! Reply STOP to opt out.")[
        "exclamations"]
    assert reason == FILTERING and "2 exclamation marks in a row" in message
    assert "exclamations" in _checks("missed_open", "{business}: hi! Sorry! Call back! Reply STOP to opt out.")
    assert "exclamations" not in _checks("missed_open", GOOD)


def test_more_than_one_gsm7_sms_warns_for_cost():
    body = GOOD + " We fix bikes of every make, e-bikes and cargo bikes too, and sell coffee all day long."
    reason, message = _checks("missed_open", body)["cost"]
    assert reason == COST and "takes 2 SMS" in message and "GSM-7" in message and "Cut 24 characters" in message


def test_a_character_that_forces_ucs2_is_named():
    body = "{business}: sorry we missed your call \u2013 we\u2019ll call you back soon. Reply STOP to opt out."
    reason, message = _checks("missed_open", body)["cost"]
    assert reason == COST and "takes 2 SMS" in message and "UCS-2" in message
    assert "\u201c\u2013\u201d (en dash)" in message and "\u201c\u2019\u201d (right single quotation mark)" in message
    assert "Without them the text fits 1 SMS." in message
    short = "{business}: sorry we missed you \u2013 we\u2019ll call back. Reply STOP to opt out."
    assert "cost" not in _checks("missed_open", short, {"business": "Bo's"})  # UCS-2, but within 70


def test_an_accent_in_the_business_name_is_named_as_such():
    body = "{business}: sorry we missed your call. Reply here and we'll get back to you. Reply STOP to opt out."
    message = _checks("missed_open", body, {"business": "Łódź Bike Repairs"})["cost"][1]
    assert ("\u201c\u0141\u201d (latin capital letter l with stroke), \u201c\u00f3\u201d (latin small letter o "
            "with acute), \u201c\u017a\u201d (latin small letter z with acute) (in the business name) are not") in message


def test_warnings_come_together_in_a_fixed_order():
    body = "SORRY WE MISSED YOU!!! CALL US AT BIT.LY/SHOP"
    assert [w.check for w in template_warnings("missed_open", body, SHOP)] == [
        "business_name", "opt_out", "url_shortener", "capitals", "exclamations"]
