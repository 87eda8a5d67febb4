"""waitress connections with HTTPS, a deadline per request and a cap per client address.

waitress speaks plain HTTP only (its maintainers leave TLS to a proxy in front). A shop's box
has no proxy, so this channel does TLS itself with Python's ssl module over memory BIOs
(ssl.SSLContext.wrap_bio): waitress still reads, parses and limits every request
(max_request_body_size, channel_timeout, connection_limit), and nothing here blocks the
server's one event loop, not even a slow handshake.

One port serves both: a connection whose first byte is 0x16 (a TLS handshake record, RFC 8446
5.1) is TLS; any other first byte is plain HTTP, which the app answers with a redirect to
https:// on the same port. So http://textback.local:8080 typed on a phone just works.

Also, for every connection (TLS or not):
- a request must arrive whole within REQUEST_DEADLINE seconds of its first byte, so a client
  that trickles a byte at a time cannot hold a connection for ever (waitress alone only drops
  connections that are fully idle);
- at most PER_ADDRESS connections from one address: one phone on the shop's Wi-Fi cannot take
  every slot of connection_limit.

This leans on waitress's HTTPChannel methods (handle_read, send, writable, handle_write) as
they are in waitress 3.x, the version pyproject.toml pins; tests/web/test_security.py runs real
HTTPS and plain requests through it.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time

from waitress.channel import HTTPChannel
from waitress.task import WSGITask

__all__ = ["BoxChannel", "REQUEST_DEADLINE", "PER_ADDRESS", "TLS_RECORD"]

log = logging.getLogger(__name__)

REQUEST_DEADLINE = 20.0
PER_ADDRESS = 16
TLS_RECORD = 16 * 1024
_HANDSHAKE = 0x16


class SchemeTask(WSGITask):
    """The WSGI environ says how this connection came: https or http, and whether the server
    could have spoken TLS (then the app redirects plain requests), and the local address."""

    def get_environment(self):
        environ = super().get_environment()
        channel = self.channel
        environ["wsgi.url_scheme"] = "https" if channel.tls_mode == "tls" else "http"
        environ["textback.tls_available"] = channel.tls_context is not None
        environ["textback.local_address"] = channel.local_address
        return environ


class BoxChannel(HTTPChannel):
    task_class = SchemeTask

    def __init__(self, server, sock, addr, adj, map=None):
        self.tls_context: ssl.SSLContext | None = getattr(server, "tls_context", None)
        self.deadline = float(getattr(server, "request_deadline", REQUEST_DEADLINE))
        per_address = int(getattr(server, "per_address", PER_ADDRESS))
        self.tls_mode: str | None = None if self.tls_context is not None else "plain"
        self._tls: ssl.SSLObject | None = None
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._cipher_out = bytearray()
        self._tls_lock = threading.Lock()
        self._handshaken = False
        self.request_started: float | None = time.monotonic() if self.tls_context is not None else None
        try:
            self.local_address = sock.getsockname()[0]
        except OSError:
            self.local_address = ""
        super().__init__(server, sock, addr, adj, map)
        address = addr[0] if isinstance(addr, tuple) and addr else addr
        same = sum(1 for channel in list(server.active_channels.values())
                   if isinstance(channel.addr, tuple) and channel.addr and channel.addr[0] == address)
        if same > per_address:
            log.warning("refused a connection from %s: it already has %d open", address, same - 1)
            self.will_close = True

    # ---- the deadline ----------------------------------------------------------------------

    def _take(self, data: bytes) -> None:
        """Plain request bytes → waitress's parser, holding each request to REQUEST_DEADLINE."""
        now = time.monotonic()
        if self.request is None and self.request_started is None:
            self.request_started = now
        elif self.request_started is not None and now - self.request_started > self.deadline:
            log.info("closed a connection from %s: its request took over %.0f s to arrive", self.addr, self.deadline)
            self.will_close = True
            return
        self.received(data)
        if self.request is None:
            self.request_started = None

    # ---- reading -----------------------------------------------------------------------------

    def handle_read(self):
        try:
            raw = self.socket.recv(self.adj.recv_bytes)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.handle_close()
            return
        if not raw:
            self.handle_close()
            return
        self.last_activity = time.time()
        if self.tls_mode is None:
            if raw[0] == _HANDSHAKE:
                self.tls_mode = "tls"
                self._tls = self.tls_context.wrap_bio(self._incoming, self._outgoing, server_side=True)
            else:
                self.tls_mode = "plain"
                self.request_started = None
        if self.tls_mode == "plain":
            self._take(raw)
            return
        plain = self._decrypt(raw)
        self._flush_cipher(do_close=True)
        if plain:
            self._take(plain)

    def _decrypt(self, raw: bytes) -> bytes:
        plain = bytearray()
        with self._tls_lock:
            self._incoming.write(raw)
            try:
                if not self._handshaken:
                    if self.request_started is not None and time.monotonic() - self.request_started > self.deadline:
                        raise ssl.SSLError("the handshake took too long")
                    self._tls.do_handshake()
                    self._handshaken = True
                    self.request_started = None
                while True:
                    chunk = self._tls.read(64 * 1024)
                    if not chunk:
                        break
                    plain += chunk
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLZeroReturnError:
                self.close_when_flushed = True
            except ssl.SSLError as error:
                # a browser that does not (yet) trust the certificate hangs up here: normal
                log.debug("TLS with %s ended: %s", self.addr, error)
                self.will_close = True
            self._cipher_out += self._outgoing.read()
        return bytes(plain)

    # ---- writing -----------------------------------------------------------------------------

    def _flush_cipher(self, do_close: bool) -> None:
        with self._tls_lock:
            while self._cipher_out:
                try:
                    sent = self.socket.send(self._cipher_out)
                except (BlockingIOError, InterruptedError):
                    return
                except OSError:
                    self._cipher_out.clear()
                    if do_close:
                        self.will_close = True
                        return
                    raise
                if not sent:
                    return
                del self._cipher_out[:sent]
                self.last_activity = time.time()

    def send(self, data, do_close=True):
        """waitress hands over plain bytes; take up to one TLS record once what is already
        encrypted has gone out, and say how many plain bytes were taken."""
        if self.tls_mode != "tls":
            return super().send(data, do_close)
        self._flush_cipher(do_close=False)
        with self._tls_lock:
            if self._cipher_out or not self._handshaken:
                return 0
            try:
                taken = self._tls.write(bytes(data[:TLS_RECORD]))
            except ssl.SSLError as error:
                raise OSError(f"TLS write failed: {error}") from None
            self._cipher_out += self._outgoing.read()
        self._flush_cipher(do_close=False)
        return taken

    def writable(self):
        return bool(self._cipher_out) or super().writable()

    def handle_write(self):
        if self.tls_mode == "tls":
            try:
                self._flush_cipher(do_close=True)
            except OSError:
                self.will_close = True
            if self._cipher_out and not self.will_close and not self.total_outbufs_len:
                return          # the last encrypted bytes go before any close
        super().handle_write()
