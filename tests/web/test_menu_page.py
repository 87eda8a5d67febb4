"""The reply menu and urgent words on the phone: saved to the settings the agent reads, every
mistake named next to the form, nothing half-saved."""

from __future__ import annotations

from agent.rules.menu import MenuOption
from tests.web.conftest import NOW, add_inbound


def _form(rows: list[tuple[str, str, str]], urgent: str = "URGENT, EMERGENCY") -> dict:
    data = {"urgent": urgent}
    for n, (key, label, reply) in enumerate(rows, start=1):
        data.update({f"key-{n}": key, f"label-{n}": label, f"reply-{n}": reply})
    return data


def test_the_menu_is_saved_and_the_next_reply_uses_it(owner, store):
    response = owner.post("/menu", _form([("1", "Book", "{business}: great! Which day suits you?"),
                                          ("3", "Call me back", "{business}: we'll call you back soon.")],
                                         urgent="urgent flood"), token_from="/menu")
    assert response.status_code == 302
    settings = store.load_settings()
    assert settings.menu_options == (MenuOption("1", "Book", "{business}: great! Which day suits you?"),
                                     MenuOption("3", "Call me back", "{business}: we'll call you back soon."))
    assert settings.urgent_words == ("urgent", "flood")
    page = owner.client.get("/menu").get_data(as_text=True)
    assert 'value="Call me back"' in page and 'value="urgent, flood"' in page
    add_inbound(store, "+447911123456", "book", NOW)
    kinds = [m.kind for m in store.messages_for("+447911123456")]
    assert "menu_answer" in kinds                              # answered by the agent's own inbound path


def test_mistakes_are_named_and_nothing_is_saved(owner, store):
    before = store.load_settings()
    for rows, urgent, says in [
        ([("1", "Book", "ok"), ("1", "Call", "ok")], "URGENT", "already"),
        ([("1", "Stop", "{business}: ok")], "URGENT", "keyword"),
        ([("1", "Book", "{buisness}: ok")], "URGENT", "buisness"),
        ([("1", "Book", "")], "URGENT", "reply"),
        ([("1", "Book", "ok")], "URG-ENT", "URG-ENT"),
    ]:
        response = owner.post("/menu", _form(rows, urgent), token_from="/menu")
        assert response.status_code == 400, rows
        assert says in response.get_data(as_text=True), (rows, says)
    assert store.load_settings().menu_options == before.menu_options
    assert store.load_settings().urgent_words == before.urgent_words


def test_an_empty_form_clears_the_menu(owner, store):
    owner.post("/menu", _form([("1", "Book", "ok")]), token_from="/menu")
    assert store.load_settings().menu_options
    owner.post("/menu", _form([], urgent=""), token_from="/menu")
    assert store.load_settings().menu_options == () and store.load_settings().urgent_words == ()


def test_the_menu_page_needs_login_and_a_form_token(client, owner):
    assert owner.client.post("/menu", data=_form([("1", "Book", "ok")])).status_code in (400, 403)
    owner.client.post("/logout", data={"csrf_token": owner.token("/menu")})
    response = client.get("/menu")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
