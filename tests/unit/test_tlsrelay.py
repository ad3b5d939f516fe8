"""The AutoMTLS relay (framework/tlsrelay.py) in process: a TLS client in front, a plain echo server
behind, bytes counted both ways."""

from __future__ import annotations

import selectors
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from terraform_provider_openai.framework import runner
from terraform_provider_openai.framework.tlsrelay import TlsFront
from tests.support.plugin import KeyPair, make_certificate

TIMEOUT = 30.0


def _echo_server(path: str) -> socket.socket:
    """A Unix socket that echoes every connection back until the other side half-closes."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(8)

    def serve(conn: socket.socket) -> None:
        with conn:
            while data := conn.recv(1 << 16):
                conn.sendall(data)

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[tuple[str, bytes, KeyPair]]:
    """(front socket path, the server's certificate, the client's key pair)."""
    key_pem, cert_pem, _ = runner.new_server_certificate()
    client = make_certificate()
    backend = _echo_server(str(tmp_path / "backend.sock"))
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(tmp_path / "front.sock"))
    listener.listen(8)
    stopped = threading.Event()
    TlsFront(
        listener,
        str(tmp_path / "backend.sock"),
        runner.mtls_context(key_pem, cert_pem, client.cert_pem),
        stopped.set,
    )
    yield str(tmp_path / "front.sock"), cert_pem, client
    listener.close()
    backend.close()
    assert not stopped.is_set()


def _client_context(server_cert: bytes, client: KeyPair, tmp_path: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cadata=server_cert.decode())
    (tmp_path / "c.pem").write_bytes(client.cert_pem)
    (tmp_path / "k.pem").write_bytes(client.key_pem)
    context.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")
    return context


def _client_handshake(
    raw: socket.socket, path: str, tls: ssl.SSLObject, incoming: ssl.MemoryBIO, outgoing: ssl.MemoryBIO
) -> None:
    """Connect and run the client's side of the handshake on memory BIOs, leaving in `outgoing`
    whatever the last step produced (TLS 1.3: the client's Finished), unsent."""
    raw.settimeout(TIMEOUT)
    raw.connect(path)
    while True:
        try:
            tls.do_handshake()
            return
        except ssl.SSLWantReadError:
            if pending := outgoing.read():
                raw.sendall(pending)
            incoming.write(raw.recv(1 << 16))


def _read_exactly(tls: ssl.SSLObject, incoming: ssl.MemoryBIO, raw: socket.socket, size: int) -> bytes:
    out = b""
    while len(out) < size:
        try:
            out += tls.read(size - len(out))
        except ssl.SSLWantReadError:
            data = raw.recv(1 << 16)
            assert data, f"the relay closed after {len(out)} of {size} bytes"
            incoming.write(data)
    return out


def test_bytes_sent_together_with_the_end_of_the_handshake_are_relayed(
    relay: tuple[str, bytes, KeyPair], tmp_path: Path
) -> None:
    """A client's first bytes may arrive in the same read as its TLS Finished message; the relay
    must pass them on without waiting for more (the client waits for the answer: nothing more comes)."""
    path, server_cert, client = relay
    context = _client_context(server_cert, client, tmp_path)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="localhost")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as raw:
        _client_handshake(raw, path, tls, incoming, outgoing)
        message = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"x" * 1000
        tls.write(message)
        raw.sendall(outgoing.read())  # the Finished message and the first bytes in one write
        assert _read_exactly(tls, incoming, raw, len(message)) == message


def test_a_large_exchange_crosses_in_both_directions(
    relay: tuple[str, bytes, KeyPair], tmp_path: Path
) -> None:
    """6 MiB each way, written before anything is read back: more than the relay holds before it
    stops reading a side, so its back-pressure has to let both directions go on."""
    path, server_cert, client = relay
    context = _client_context(server_cert, client, tmp_path)
    payload = bytes(range(256)) * (24 << 10)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="localhost")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as raw:
        _client_handshake(raw, path, tls, incoming, outgoing)
        tls.write(payload)
        to_send = bytearray(outgoing.read())
        received = bytearray()
        raw.setblocking(False)
        with selectors.DefaultSelector() as sel:
            sel.register(raw, selectors.EVENT_READ | selectors.EVENT_WRITE)
            while len(received) < len(payload):
                events = sel.select(TIMEOUT)
                assert events, f"stalled after {len(received)} of {len(payload)} bytes"
                for _, mask in events:
                    if mask & selectors.EVENT_WRITE and to_send:
                        del to_send[: raw.send(to_send)]
                    if mask & selectors.EVENT_READ:
                        data = raw.recv(1 << 16)
                        assert data, "the relay closed the connection"
                        incoming.write(data)
                        try:
                            while chunk := tls.read(1 << 16):
                                received += chunk
                        except ssl.SSLWantReadError:
                            pass
                sel.modify(raw, selectors.EVENT_READ | (selectors.EVENT_WRITE if to_send else 0))
        assert bytes(received) == payload


def test_a_client_without_the_certificate_is_refused(
    relay: tuple[str, bytes, KeyPair], tmp_path: Path
) -> None:
    path, server_cert, _ = relay
    stranger = make_certificate()
    context = _client_context(server_cert, stranger, tmp_path)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as raw:
        raw.settimeout(TIMEOUT)
        raw.connect(path)
        with (
            pytest.raises((ssl.SSLError, ConnectionError)),
            context.wrap_socket(raw, server_hostname="localhost") as tls,
        ):
            tls.sendall(b"hello")
            assert tls.recv(5) == b""  # TLS 1.3: the refusal comes after the client's Finished
            raise ConnectionError("closed without an answer")
