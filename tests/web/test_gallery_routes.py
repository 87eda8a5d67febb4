"""The template gallery and the checks on save, through the web routes: one tap (a POST with the
CSRF token) copies a gallery text into the owner's template; every warning is shown next to the
field after saving, with its reason, and none of them stops the save."""

from __future__ import annotations

import html

import pytest

from agent.rules.gallery import CASES, GALLERY, KINDS, gallery_entry
from agent.rules.templates import DEFAULT_TEMPLATES, render
from tests.web.conftest import NOW, Owner


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_gallery_lists_every_kind_and_case_previewed_for_this_shop(owner):
    response = owner.client.get("/templates/gallery")
    page = _page(response)
    assert response.status_code == 200
    for label in KINDS.values():
        assert f"<summary>{label}</summary>" in page
    for entry in GALLERY:
        if "{menu}" in entry.body:
            assert f'id="gallery-{entry.key}"' in page
            continue
        assert f'value="{entry.key}"' in page and CASES[entry.case] in page
        assert render(entry.body, {"business": "Brightside Dental", "next_open": "today 13:00"}) in page \
            or "{next_open}" in entry.body
    assert 'name="csrf_token"' in page and page.count(">Use this text</button>") == len(GALLERY)
    assert "The box cannot tell a busy line from an unanswered one" in page
    assert "No menu options are set yet: the preview shows an example menu" in page
    assert "we're on a job. Reply 1 Book, 2 Question, 3 Call me back. Reply STOP" in page


def test_one_tap_copies_the_entry_into_the_template_it_is_for(owner, store):
    entry = gallery_entry("retail-after-hours")
    response = owner.post("/templates/gallery", {"entry": entry.key}, token_from="/templates/gallery")
    assert response.status_code == 302 and response.headers["Location"].endswith("/templates#missed_closed")
    assert store.templates()["missed_closed"] == entry.body
    assert store.templates()["missed_open"] == DEFAULT_TEMPLATES["missed_open"]
    page = _page(owner.client.get("/templates"))
    assert "Copied \u201cRetail and showroom: Missed call after hours\u201d into \u201cMissed call while closed\u201d" \
        in page
    assert entry.body in page and "warning" not in page.lower()


def test_busy_and_menu_entries_copy_into_the_open_hours_text(owner, store):
    owner.post("/templates/gallery", {"entry": "emergency-busy"}, token_from="/templates/gallery")
    assert store.templates()["missed_open"] == gallery_entry("emergency-busy").body
    owner.post("/templates/gallery", {"entry": "appointments-menu"}, token_from="/templates/gallery")
    assert store.templates()["missed_open"] == gallery_entry("appointments-menu").body


def test_copy_needs_the_csrf_token_and_a_known_entry(owner, store):
    before = store.templates()
    refused = owner.client.post("/templates/gallery", data={"entry": "repairs-open"})
    assert refused.status_code == 400 and store.templates() == before
    unknown = owner.post("/templates/gallery", {"entry": "plumbing-open"}, token_from="/templates/gallery")
    assert unknown.status_code == 400 and "There is no such text in the gallery." in _page(unknown)
    assert store.templates() == before


def test_gallery_needs_a_login(client, store, clock):
    Owner(client, store, clock).set_password()
    for response in (client.get("/templates/gallery"), client.post("/templates/gallery", data={"entry": "retail-open"})):
        assert response.status_code in (302, 400) and "retail-open" not in response.get_data(as_text=True)
    assert client.get("/templates/gallery").location.startswith("/login?next=")
    assert store.templates()["missed_open"] == DEFAULT_TEMPLATES["missed_open"]


def test_a_long_business_name_makes_the_gallery_warn_about_cost(owner, store):
    store.set_setting("business_name", "Riverside Bicycle Repairs, Servicing & Coffee House Ltd", NOW)
    page = _page(owner.client.get("/templates/gallery"))
    assert 'id="warnings-repairs-open"' in page and "At its longest it takes 2 SMS" in page


WARNINGS = {
    "business_name": ("missed_open", "Sorry we missed your call. Reply STOP to opt out.", "Compliance.",
                      "does not say who it is from"),
    "opt_out": ("missed_closed", "{business}: sorry we missed you. We open {next_open}.", "Compliance.",
                "does not say how to stop the texts"),
    "url_shortener": ("missed_open", "{business}: book at bit.ly/3abc. Reply STOP to opt out.", "Carrier filtering.",
                      "bit.ly is a public link shortener"),
    "capitals": ("followup", "{business}: DID WE GET BACK TO YOU? CALL US. Reply STOP to opt out.",
                 "Carrier filtering.", "are capitals"),
    "exclamations": ("missed_open", "{business}: sorry we missed you!! Reply STOP to opt out.", "Carrier filtering.",
                     "2 exclamation marks in a row"),
    "cost": ("missed_open", "{business}: sorry we missed your call \u2013 we\u2019re with a patient. Reply here and "
                            "we\u2019ll get back to you. Reply STOP to opt out.", "Cost.",
             "\u201c\u2013\u201d (en dash), \u201c\u2019\u201d (right single quotation mark) are not in the plain SMS "
             "alphabet (GSM-7), so the whole text goes as UCS-2"),
}


@pytest.mark.parametrize("check", sorted(WARNINGS))
def test_each_warning_is_shown_next_to_the_field_after_saving(owner, store, check):
    name, body, reason, words = WARNINGS[check]
    response = owner.post("/templates", {"name": name, "body": body, "action": "save"})
    assert response.status_code == 302, "a warning never stops a save"
    assert store.templates()[name] == body
    page = _page(owner.client.get("/templates"))
    assert "The next text of this kind uses it. Read the warning next to it." in page
    block = page.split(f'id="warnings-{name}"', 1)[1].split("</div>", 1)[0]
    assert f'data-check="{check}"><strong>{reason}</strong>' in block and words in block
    assert page.count('id="warnings-') == 1      # only the edited template warns
    assert f'aria-describedby="warnings-{name} count-{name}"' in page


def test_check_shows_preview_and_warnings_without_saving(owner, store):
    before = store.templates()
    typed = "{business}: SORRY WE MISSED YOU!! Reply STOP to opt out."
    response = owner.post("/templates", {"name": "missed_open", "body": typed, "action": "check"})
    page = _page(response)
    assert response.status_code == 200 and store.templates() == before
    assert "Preview, checked and not saved yet" in page
    assert "Brightside Dental: SORRY WE MISSED YOU!! Reply STOP to opt out." in page
    block = page.split('id="warnings-missed_open"', 1)[1].split("</div>", 1)[0]
    assert 'data-check="capitals"' in block and 'data-check="exclamations"' in block
    fine = owner.post("/templates", {"name": "missed_open", "body": DEFAULT_TEMPLATES["missed_open"],
                                      "action": "check"})
    assert 'id="checked-missed_open" role="status">No warnings.' in _page(fine)


def test_a_template_that_cannot_be_saved_shows_its_error_not_warnings(owner):
    response = owner.post("/templates", {"name": "missed_open", "body": "{buisness} HELLO!!", "action": "check"})
    page = _page(response)
    assert response.status_code == 400 and "did you mean '{business}'" in page
    assert 'id="warnings-missed_open"' not in page
