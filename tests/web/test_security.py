"""The server holds under abuse, and HTTPS works: TextBack's own waitress server (web/server.py)
on 127.0.0.1, spoken to with raw sockets, http.client and ssl, as a phone or an attacker would."""

from __future__ import annotations

import html
import http.client
import socket
import ssl
import time
from pathlib import Path

import pytest

from agent.passwords import PASSWORD_KEY
from tests.conftest import make_config, wait_for
from tests.web.conftest import FAST_HASH, NOW, PASSWORD, Owner
from web import create_app
from web.server import CHANNEL_TIMEOUT, CONNECTION_LIMIT, MAX_BODY


_OPEN: list[socket.socket] = []


@pytest.fixture(autouse=True)
def _close_sockets():
    yield
    while _OPEN:
        _OPEN.pop().close()


def _raw(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    _OPEN.append(sock)
    return sock


def _read_all(sock: socket.socket, limit: float = 10.0) -> bytes:
    sock.settimeout(limit)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    return data


def _plain_config(tmp_path: Path):
    return make_config(tmp_path, web={"tls": False})


def test_the_server_runs_with_the_limits(tmp_path, serve):
    server, _url = serve(_plain_config(tmp_path))
    assert server.adj.max_request_body_size == MAX_BODY == 64 * 1024
    assert server.adj.channel_timeout == CHANNEL_TIMEOUT and server.adj.connection_limit == CONNECTION_LIMIT


def test_a_10_mb_post_is_refused_before_its_body_is_read(tmp_path, serve):
    config = _plain_config(tmp_path)
    app = create_app({"TEXTBACK_CONFIG": config})
    store = app.extensions["textback"].store
    store.set_setting(PASSWORD_KEY, FAST_HASH, NOW)
    _server, url = serve(config, app)
    sock = _raw(url)
    started = time.monotonic()
    sock.sendall(b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                 b"Content-Length: 10485760\r\n\r\npassword=")          # 9 bytes of the 10 MB body, then nothing
    answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert time.monotonic() - started < 5                               # answered without waiting for the body
    assert store.take_attempt("password", "127.0.0.1", NOW, 300, 5) == 0.0   # the app never counted a try
    sock.close()


def test_a_chunked_body_over_64_kib_is_cut_off(tmp_path, serve):
    _server, url = serve(_plain_config(tmp_path))
    sock = _raw(url)
    sock.sendall(b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n%s\r\n" % (16 * 1024, b"a" * 16 * 1024)
    try:
        for _ in range(8):                                   # 128 KiB offered; the server stops at 64
            sock.sendall(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert _read_all(sock).startswith(b"HTTP/1.1 413")


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8080", "textback.local.evil.example", "10.9.9.9",
                                  "[2001:db8::1]:8080", ""])
def test_a_foreign_host_header_gets_400(client, store, clock, host):
    Owner(client, store, clock).set_password()
    response = client.get("/login", headers={"Host": host})
    assert response.status_code == 400
    assert "answers only to its own name" in response.get_data(as_text=True)


@pytest.mark.parametrize("host", ["textback.local", "TextBack.local:8080", "localhost:8080", "127.0.0.1:8080",
                                  "[::1]:8080", socket.gethostname(), f"{socket.gethostname()}.local."])
def test_the_box_own_names_are_served(client, store, clock, host):
    Owner(client, store, clock).set_password()
    assert client.get("/login", headers={"Host": host}).status_code == 200


def test_a_foreign_host_gets_400_from_the_real_server_too(tmp_path, serve):
    _server, url = serve(_plain_config(tmp_path))
    sock = _raw(url)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: rebind.evil.example:8080\r\nConnection: close\r\n\r\n")
    assert _read_all(sock).startswith(b"HTTP/1.1 400")
    sock = _raw(url)
    port = url.rsplit(":", 1)[1]
    sock.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
    assert _read_all(sock).startswith(b"HTTP/1.1 503")        # the box itself: the setup-code page


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example", "http://evil.example/", "https:evil",
                                    "/calls\r\nSet-Cookie: x=1", "/calls\tx", " /calls", "/calls x", "calls",
                                    "/\x0bevil", "/calls\u2028", "/%0d%0a" + "\n"])
def test_next_after_login_takes_only_a_plain_local_path(client, store, clock, target):
    person = Owner(client, store, clock)
    person.set_password()
    response = client.post("/login", data={"password": PASSWORD, "csrf_token": person.token(), "next": target})
    assert response.status_code == 302 and response.location == "/"


def test_next_keeps_a_plain_path_with_its_query(client, store, clock):
    person = Owner(client, store, clock)
    person.set_password()
    response = client.post("/login", data={"password": PASSWORD, "csrf_token": person.token(),
                                           "next": "/conversation/%2B447400123456?x=1"})
    assert response.location == "/conversation/%2B447400123456?x=1"


@pytest.mark.parametrize("field", ["body", "number", "name"])
def test_nul_bytes_are_refused_in_every_text_field(owner, store, field):
    data = {"body": "hello", "number": "+447400123456", "name": "missed_open", field: "bad\x00text"}
    before = store.templates()
    response = owner.post("/templates", data)
    assert response.status_code == 400
    assert f'The field "{field}" contains a NUL character' in html.unescape(response.get_data(as_text=True))
    assert store.templates() == before


def test_nul_bytes_are_refused_in_the_query_and_path(owner):
    assert owner.client.get("/calls?number=%2B44%00").status_code == 400
    assert owner.client.get("/conversation/%2B447400123456%00").status_code == 400


def test_a_request_trickled_byte_by_byte_is_cut_off(tmp_path, serve):
    _server, url = serve(_plain_config(tmp_path), request_deadline=1.0)
    sock = _raw(url)
    request = b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 400
    started = time.monotonic()
    closed = False
    for byte in request:
        try:
            sock.send(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            closed = True
            break
        time.sleep(0.01)
        if time.monotonic() - started > 1.5:
            sock.settimeout(3)
            try:
                closed = sock.recv(1) == b""
            except ConnectionResetError:
                closed = True
            break
    assert closed, "a request still arriving after its deadline must lose its connection"


def test_one_address_cannot_take_every_connection(tmp_path, serve):
    _server, url = serve(_plain_config(tmp_path), per_address=4)
    held = [_raw(url) for _ in range(4)]
    extra = _raw(url)
    extra.settimeout(5)
    assert extra.recv(1) == b""                               # closed at once, without an answer
    for sock in held:                                         # the first four still work
        sock.sendall(b"GET /static/style.css HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        sock.settimeout(5)
        assert sock.recv(12).startswith(b"HTTP/1.1 200")
        sock.close()


# ---- HTTPS ------------------------------------------------------------------------------

@pytest.fixture
def tls_box(tmp_path, serve):
    config = make_config(tmp_path, web={"tls": True})
    app = create_app({"TEXTBACK_CONFIG": config})
    store = app.extensions["textback"].store
    server, url = serve(config, app)
    port = int(url.rsplit(":", 1)[1])
    trust = ssl.create_default_context(cafile=str(tmp_path / "tls" / "ca.pem"))
    yield {"store": store, "port": port, "trust": trust, "folder": tmp_path}
    store.close()


class _Connection(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1, checking the certificate for the box's name (as a phone at textback.local does)."""

    def __init__(self, port: int, trust: ssl.SSLContext, name: str):
        super().__init__("127.0.0.1", port, context=trust, timeout=10)
        self.name = name

    def connect(self):
        self.sock = self._context.wrap_socket(socket.create_connection(("127.0.0.1", self.port), timeout=10),
                                              server_hostname=self.name)


def _https(box, name: str = "textback.local") -> http.client.HTTPSConnection:
    connection = _Connection(box["port"], box["trust"], name)
    connection.connect()
    _OPEN.append(connection)
    return connection


def test_https_with_the_box_certificate_trusted_through_its_own_authority(tls_box):
    connection = _https(tls_box)
    for _ in range(2):                                        # two requests on one kept-alive TLS connection
        connection.request("GET", "/static/style.css", headers={"Host": "textback.local"})
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200
        assert body == (Path(__file__).resolve().parents[2] / "web/static/style.css").read_bytes()
    connection.request("GET", "/", headers={"Host": "textback.local"})
    page = connection.getresponse()
    text = page.read().decode()
    assert page.status == 503 and "Set up TextBack" in text
    cert = ssl.DER_cert_to_PEM_cert(connection.sock.getpeercert(binary_form=True))
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    served = x509.load_pem_x509_certificate(cert.encode()).fingerprint(hashes.SHA256())
    assert ":".join(f"{b:02X}" for b in served) in text   # the page shows the fingerprint the browser sees


def test_plain_http_on_the_same_port_is_sent_to_https(tls_box):
    connection = http.client.HTTPConnection("127.0.0.1", tls_box["port"], timeout=10)
    _OPEN.append(connection)
    connection.request("GET", "/calls?page=2", headers={"Host": "textback.local:8080"})
    response = connection.getresponse()
    assert response.status == 302
    assert response.getheader("Location") == "https://textback.local:8080/calls?page=2"


def test_cookies_over_https_are_secure(tls_box):
    tls_box["store"].set_setting(PASSWORD_KEY, FAST_HASH, NOW)
    connection = _https(tls_box)
    connection.request("GET", "/login", headers={"Host": "textback.local"})
    response = connection.getresponse()
    response.read()
    cookie = response.getheader("Set-Cookie")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_a_browser_that_refuses_the_certificate_does_not_hurt_the_server(tls_box):
    untrusting = ssl.create_default_context()                 # does not know the box's authority
    plain = socket.create_connection(("127.0.0.1", tls_box["port"]), timeout=10)
    _OPEN.append(plain)
    with pytest.raises(ssl.SSLCertVerificationError):
        untrusting.wrap_socket(plain, server_hostname="textback.local")
    connection = _https(tls_box)
    connection.request("GET", "/static/counter.js", headers={"Host": "textback.local"})
    assert connection.getresponse().status == 200


def test_the_certificate_names_the_box_and_is_renewed_before_it_ends(tmp_path):
    from datetime import timedelta

    from cryptography import x509

    from agent.tools.certificate import RENEW_DAYS, SERVER_DAYS, ensure_certificate

    config = make_config(tmp_path, web={"tls": True})
    first = ensure_certificate(config, NOW, addresses=["192.168.1.50", "127.0.0.1"])
    cert = x509.load_pem_x509_certificate(first.cert_path.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "textback.local" in names.get_values_for_type(x509.DNSName)
    assert first.action == "made" and (first.not_after - NOW).days in (SERVER_DAYS - 1, SERVER_DAYS)
    assert (first.key_path.stat().st_mode & 0o777) == 0o600
    kept = ensure_certificate(config, NOW + timedelta(days=SERVER_DAYS - RENEW_DAYS - 2),
                              addresses=["192.168.1.50", "127.0.0.1"])
    assert kept.action == "kept" and kept.fingerprint == first.fingerprint
    renewed = ensure_certificate(config, NOW + timedelta(days=SERVER_DAYS - RENEW_DAYS + 1),
                                 addresses=["192.168.1.50", "127.0.0.1"])
    assert renewed.action == "renewed" and renewed.fingerprint != first.fingerprint
    assert renewed.ca_fingerprint == first.ca_fingerprint        # a phone that trusts the box keeps trusting it
    moved = ensure_certificate(config, NOW + timedelta(days=SERVER_DAYS - RENEW_DAYS + 1),
                               addresses=["192.168.1.77", "127.0.0.1"])
    assert moved.action == "renewed"                             # a new address is covered at start-up


def test_a_missing_certificate_of_the_owners_own_is_a_clear_error(tmp_path):
    from agent.errors import ConfigError
    from agent.tools.certificate import ensure_certificate

    config = make_config(tmp_path, web={"tls": True, "cert": str(tmp_path / "mine.pem"), "key": str(tmp_path / "k.pem")})
    with pytest.raises(ConfigError, match=r"\[web\] cert = .*mine.pem.*no such file.*tls = false"):
        ensure_certificate(config, NOW)


def test_the_start_up_log_says_the_certificate_was_made(tmp_path, serve, caplog):
    config = make_config(tmp_path, web={"tls": True})
    with caplog.at_level("WARNING"):
        serve(config)
    assert any("HTTPS certificate" in r.getMessage() and "made (there was none)" in r.getMessage()
               for r in caplog.records)
    assert any("setup code" in r.getMessage() for r in caplog.records)
    wait_for(lambda: (tmp_path / "tls" / "cert.pem").exists(), 1, "the certificate file")
