"""Sessions the owner controls: server-side, ended by logout for good, all at once, by age and idleness;
the login limiter counts and checks in one step, even under parallel tries through the real server."""

from __future__ import annotations

import threading
import urllib.parse
import urllib.request
from datetime import timedelta

from agent.passwords import PASSWORD_KEY, set_password
from agent.store import Store
from tests.conftest import make_config
from tests.web.conftest import FAST_HASH, NOW, PASSWORD, Owner
from web import create_app
from web.owner_session import token_hash


def _cookie(client) -> str:
    return client.get_cookie("textback_session").value


def test_a_cookie_replayed_after_logout_gets_the_login_page(app, owner, store):
    stolen = _cookie(owner.client)
    assert owner.client.get("/calls").status_code == 200
    assert owner.post("/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("textback_session", stolen)
    response = replay.get("/calls")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert store.web_sessions() == []


def test_the_database_holds_only_a_hash_of_the_token(app, owner, store):
    serializer = app.session_interface.get_signing_serializer(app)
    token = serializer.loads(_cookie(owner.client))["sid"]
    [row] = store.web_sessions()
    assert row.token_hash == token_hash(token) and token not in repr(row)


def test_log_out_all_devices(app, owner, store, clock):
    phone = Owner(app.test_client(), store, clock)
    assert phone.login().status_code == 302
    assert len(store.web_sessions()) == 2
    response = owner.post("/logout/all", token_from="/account")
    assert response.status_code == 302 and response.location == "/login"
    assert phone.client.get("/").status_code == 302 and owner.client.get("/").status_code == 302
    assert store.web_sessions() == []


def test_the_account_page_lists_the_devices(app, owner, store, clock):
    phone = Owner(app.test_client(), store, clock)
    phone.client.environ_base["HTTP_USER_AGENT"] = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) "
                                                    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/604.1")
    phone.login()
    page = owner.client.get("/account").get_data(as_text=True)
    assert "Safari on an iPhone" in page and "(this one)" in page and "Log out all devices" in page


def test_a_session_ends_after_7_days_idle(owner, clock):
    clock.advance(timedelta(days=6, hours=23).total_seconds())
    assert owner.client.get("/").status_code == 200
    clock.advance(timedelta(days=7, seconds=1).total_seconds())
    assert owner.client.get("/").status_code == 302


def test_a_session_lasts_30_days_at_most_however_busy(owner, clock):
    for _ in range(5):
        clock.advance(timedelta(days=5, hours=23).total_seconds())
        assert owner.client.get("/").status_code == 200
    clock.advance(timedelta(days=1).total_seconds())               # 30 days and 19 hours after login, used all along
    response = owner.client.get("/")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_a_new_password_ends_every_session(owner, store, clock):
    set_password(store, "another password", clock.now())
    assert owner.client.get("/").status_code == 302


def test_the_limiter_counts_and_checks_in_one_step_across_connections(tmp_path):
    path = tmp_path / "race.db"
    stores = [Store.open(path) for _ in range(12)]
    results: list[float] = []
    gate = threading.Barrier(len(stores))

    def attempt(store: Store) -> None:
        gate.wait()
        results.append(store.take_attempt("password", "10.0.0.5", NOW, 300, 5))

    threads = [threading.Thread(target=attempt, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(r == 0.0 for r in results).count(True) == 5 and len(results) == 12
    for store in stores:
        store.close()


def test_parallel_wrong_passwords_through_the_server_get_five_tries(tmp_path, serve):
    config = make_config(tmp_path, web={"tls": False})
    app = create_app({"TEXTBACK_CONFIG": config})
    store = app.extensions["textback"].store
    store.set_setting(PASSWORD_KEY, FAST_HASH, NOW)
    _server, url = serve(config, app)
    codes: list[int] = []

    def guess(n: int) -> None:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        page = opener.open(url + "/login", timeout=20).read().decode()
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        data = urllib.parse.urlencode({"password": f"guess {n}", "csrf_token": token}).encode()
        try:
            codes.append(opener.open(url + "/login", data=data, timeout=20).status)
        except urllib.error.HTTPError as error:
            codes.append(error.code)
            error.close()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(codes) == [401] * 5 + [429] * 5
    store.close()


def test_logging_in_again_after_the_limit_works_once_the_window_passes(client, store, clock):
    person = Owner(client, store, clock)
    person.set_password()
    for _ in range(5):
        person.login("wrong")
    assert person.login(PASSWORD).status_code == 429
    clock.advance(301)
    assert person.login(PASSWORD).status_code == 302
