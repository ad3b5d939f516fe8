"""AutoMTLS in front of the gRPC server: Python's ``ssl`` terminates TLS, bytes go on in plain.

go-plugin's client certificate is EC P-521 (its ``generateCert``). gRPC's BoringSSL does not verify
P-521 signatures: under TLS 1.3 it cannot even ask for them, so with
``ssl_server_credentials(require_client_auth=True)`` Terraform sends no certificate and every
connection fails (PEER_DID_NOT_RETURN_A_CERTIFICATE). Python's ``ssl`` (OpenSSL) does verify them:
:class:`TlsFront` terminates TLS on the socket Terraform is given and relays the bytes to the gRPC
server's plain socket, which lives in a private (0700) directory of its own.

Every RPC crosses this relay twice, so it is on the hot path of every ``terraform plan``. It is one
thread per connection (Terraform opens one per provider process) running a ``selectors`` loop over
two non-blocking sockets, with TLS done on memory BIOs (``ssl.SSLObject``): OpenSSL never touches a
socket, so no TLS call ever blocks or has to be retried, and both directions are served by the same
thread (an ``SSL`` object must not be used from two threads at once). The crypto runs with the GIL
released. An asyncio relay (streams over ``start_unix_server(ssl=...)``) did the same with several
times more Python per frame: it was 21 % of the provider's CPU under a ``terraform plan`` of 1000.
"""

from __future__ import annotations

import logging
import selectors
import socket
import ssl
import threading
from collections.abc import Callable
from typing import cast

log = logging.getLogger(__name__)

#: Bytes read from a socket at a time.
CHUNK = 256 << 10
#: Stop reading a side while this much of what it sent still waits to be written to the other one
#: (a 256 MiB message then crosses in pieces instead of being held twice in memory).
HIGH_WATER = 4 << 20
#: A TLS handshake that takes longer than this is given up (Terraform's takes milliseconds).
HANDSHAKE_TIMEOUT_S = 10.0


class TlsFront:
    """Serves ``listener`` with ``context`` and relays each authenticated connection to ``backend``
    (a Unix socket path). ``on_stop`` is called if the relay itself dies."""

    def __init__(
        self, listener: socket.socket, backend: str, context: ssl.SSLContext, on_stop: Callable[[], None]
    ) -> None:
        self._listener = listener
        self._backend = backend
        self._context = context
        self._on_stop = on_stop
        threading.Thread(target=self._accept, name="tfpo-tls", daemon=True).start()

    def _accept(self) -> None:
        try:
            while True:
                conn, _ = self._listener.accept()
                threading.Thread(target=self._serve, args=(conn,), name="tfpo-tls-conn", daemon=True).start()
        except BaseException as exc:  # noqa: BLE001 - a dead relay must end the plugin, not hang it
            log.error("AutoMTLS relay stopped: %s: %s", type(exc).__name__, exc)
            self._on_stop()

    def _serve(self, conn: socket.socket) -> None:
        backend: socket.socket | None = None
        try:
            tls = self._handshake(conn)
            if tls is None:
                return
            backend = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                backend.connect(self._backend)
            except OSError as exc:
                log.error("AutoMTLS: cannot reach the gRPC server: %s", exc)
                return
            _Relay(conn, backend, *tls).run()
        except Exception as exc:  # noqa: BLE001 - one bad connection must not end the others
            log.debug("AutoMTLS relay: %s: %s", type(exc).__name__, exc)
        finally:
            if backend is not None:
                backend.close()
            conn.close()

    def _handshake(self, conn: socket.socket) -> tuple[ssl.SSLObject, ssl.MemoryBIO, ssl.MemoryBIO] | None:
        """The TLS handshake, client certificate included; None (logged) when it fails."""
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = self._context.wrap_bio(incoming, outgoing, server_side=True)
        conn.settimeout(HANDSHAKE_TIMEOUT_S)
        try:
            while True:
                try:
                    tls.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    if pending := outgoing.read():
                        conn.sendall(pending)
                    data = conn.recv(CHUNK)
                    if not data:
                        log.debug("AutoMTLS: the client left during the TLS handshake")
                        return None
                    incoming.write(data)
            if pending := outgoing.read():
                conn.sendall(pending)
        except (ssl.SSLError, OSError) as exc:  # a client without the certificate ends here
            log.warning("AutoMTLS: TLS handshake refused: %s", exc)
            try:
                if pending := outgoing.read():  # the alert, so the client learns why
                    conn.sendall(pending)
            except OSError:
                pass
            return None
        conn.setblocking(False)
        return tls, incoming, outgoing


class _Relay:
    """One authenticated connection: TLS bytes on ``conn``, plain bytes on ``backend``."""

    def __init__(
        self,
        conn: socket.socket,
        backend: socket.socket,
        tls: ssl.SSLObject,
        incoming: ssl.MemoryBIO,
        outgoing: ssl.MemoryBIO,
    ) -> None:
        self.conn, self.backend = conn, backend
        self.tls, self.incoming, self.outgoing = tls, incoming, outgoing
        backend.setblocking(False)
        self.to_backend = bytearray()  # decrypted, not yet written to the gRPC server
        self.to_client = bytearray()  # encrypted, not yet written to Terraform
        self.client_done = False  # Terraform closed its side (TLS close_notify or EOF)
        self.backend_done = False  # the gRPC server closed its side
        self.backend_shut = False  # the half-close was passed on to the gRPC server
        self.events: dict[socket.socket, int] = {}  # what the selector waits for, per socket
        # one buffer for every read: a fresh CHUNK-sized bytes per read is an mmap and page faults
        self.buffer = bytearray(CHUNK)
        self.view = memoryview(self.buffer)

    def run(self) -> None:
        # the client's first bytes (HTTP/2 preface, its first call) may have come in with the end of
        # the TLS handshake: already in `incoming`, they would wait for a socket read that never comes
        self._decrypt()
        with selectors.DefaultSelector() as sel:
            while not self._finished():
                self._interest(sel)
                for key, mask in sel.select():
                    if key.fileobj is self.conn:
                        if mask & selectors.EVENT_READ:
                            self._from_client()
                        if mask & selectors.EVENT_WRITE:
                            self._flush_client()
                    else:
                        if mask & selectors.EVENT_READ:
                            self._from_backend()
                        if mask & selectors.EVENT_WRITE:
                            self._flush_backend()

    def _finished(self) -> bool:
        # the gRPC server is done and everything it said has reached Terraform
        if self.backend_done and not self.to_client:
            return True
        # Terraform is gone and the server has everything: the server's answers can no longer land
        return self.client_done and self.backend_shut and self.backend_done

    def _interest(self, sel: selectors.BaseSelector) -> None:
        """What to wait for on each side; the selector is only touched when that changes."""
        client = 0 if self.client_done or len(self.to_backend) >= HIGH_WATER else selectors.EVENT_READ
        if self.to_client:
            client |= selectors.EVENT_WRITE
        backend = 0 if self.backend_done or len(self.to_client) >= HIGH_WATER else selectors.EVENT_READ
        if self.to_backend:
            backend |= selectors.EVENT_WRITE
        for sock, events in ((self.conn, client), (self.backend, backend)):
            before = self.events.get(sock, 0)
            if events == before:
                continue
            if not before:
                sel.register(sock, events)
            elif not events:
                sel.unregister(sock)
            else:
                sel.modify(sock, events)
            self.events[sock] = events

    def _from_client(self) -> None:
        try:
            count = self.conn.recv_into(self.buffer)
        except BlockingIOError:
            return
        except OSError:
            count = 0
        if count:
            self.incoming.write(self.view[:count])
        else:
            self.incoming.write_eof()
            self.client_done = True
        self._decrypt()

    def _decrypt(self) -> None:
        """Everything the TLS layer can decrypt now goes towards the gRPC server."""
        try:
            # with a buffer, read() returns a count (typeshed only knows the bytes form)
            while read := cast(int, self.tls.read(CHUNK, self.buffer)):
                self.to_backend += self.view[:read]
        except ssl.SSLWantReadError:
            pass
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            self.client_done = True
        except ssl.SSLError as exc:
            log.debug("AutoMTLS relay: %s", exc)
            self.client_done = True
        if self.outgoing.pending:  # TLS's own answers (key updates, tickets)
            self.to_client += self.outgoing.read()
        self._flush_backend()
        self._flush_client()

    def _from_backend(self) -> None:
        try:
            count = self.backend.recv_into(self.buffer)
        except BlockingIOError:
            return
        except OSError:
            count = 0
        if not count:
            self.backend_done = True
            return
        self.tls.write(self.view[:count])
        self.to_client += self.outgoing.read()
        self._flush_client()

    def _flush_client(self) -> None:
        if self.to_client:
            try:
                sent = self.conn.send(self.to_client)
            except BlockingIOError:
                return
            except OSError:  # Terraform is gone: nothing more can reach it
                self.to_client.clear()
                self.client_done = self.backend_done = True
                return
            del self.to_client[:sent]

    def _flush_backend(self) -> None:
        if self.to_backend:
            try:
                sent = self.backend.send(self.to_backend)
            except BlockingIOError:
                return
            except OSError:
                self.to_backend.clear()
                self.backend_done = True
                return
            del self.to_backend[:sent]
        if self.client_done and not self.to_backend and not self.backend_shut:
            # pass Terraform's half-close on: answers still in flight keep coming back
            try:
                self.backend.shutdown(socket.SHUT_WR)
            except OSError:
                self.backend_done = True
            self.backend_shut = True
