"""Serve a provider over go-plugin's gRPC handshake, the way a Go provider does.

Differences from ``tf.runner.run_provider``:

* the gRPC thread pool is sized for ``terraform apply -parallelism=64`` (``tf`` hard-codes 10);
* messages up to 256 MiB each way, as terraform-plugin-go allows (gRPC's default is 4 MiB, and a
  state entry above it made every later UpgradeResourceState/ReadResource/Plan fail with
  ResourceExhausted);
* AutoMTLS as go-plugin does it: when Terraform passes its certificate in ``PLUGIN_CLIENT_CERT``
  only a client proving it holds that certificate is served. gRPC's own TLS (BoringSSL) cannot
  verify go-plugin's P-521 certificate, so Python's ``ssl`` terminates TLS in front of the gRPC
  server (:class:`TlsFront`; the plaintext socket behind it is in a private 0700 directory of its
  own: as for any plugin, processes of the same user are trusted). The server key and self-signed certificate (EC P-256) are made per
  process, in memory, never written anywhere (``tf`` cached them under ``~/.cache``);
* StopProvider does not stop the server (``tf`` stopped it at once, killing the calls in flight):
  it only records the stop (:mod:`framework.stop`) and the calls in flight go on. Only go-plugin's
  ``GRPCController.Shutdown``, sent when Terraform is done with the provider, ends the server,
  after a short grace; so does the death of the parent process (Terraform killed outright);
* in plugin mode SIGINT is ignored (``main`` does it first thing): the terminal sends Ctrl-C to
  Terraform *and* its providers, and Terraform then asks for a graceful stop itself;
* nothing is printed to stdout but the handshake line.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent import futures
from datetime import UTC, datetime, timedelta
from typing import Any

from terraform_provider_openai.framework import heap
from terraform_provider_openai.framework.tlsrelay import TlsFront

log = logging.getLogger(__name__)

MAX_WORKERS = int(os.environ.get("TF_PROVIDER_OPENAI_GRPC_WORKERS", "128"))
#: terraform-plugin-go's server limit; go-plugin's client allows up to MaxInt32.
MAX_MESSAGE_BYTES = 256 << 20
#: How long calls still running when Shutdown arrives may go on before the server ends.
SHUTDOWN_GRACE_S = 0.5
#: How often the serving loop checks that its parent (Terraform) is still alive.
PARENT_POLL_S = 1.0
CLIENT_CERT_ENV = "PLUGIN_CLIENT_CERT"
_CERT_LIFETIME = timedelta(days=30)


def server_options() -> list[tuple[str, Any]]:
    return [
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ]


# ---- the server certificate --------------------------------------------------------------------
# Built as DER by hand: `cryptography.x509` costs ~40 ms of imports on every start (Terraform starts
# the provider several times per command), the EC primitives alone ~10 ms.


def _der(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


def _seq(*parts: bytes) -> bytes:
    return _der(0x30, b"".join(parts))


def _int(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _oid(dotted: str) -> bytes:
    first, second, *rest = (int(p) for p in dotted.split("."))
    body = bytearray()
    for arc in [40 * first + second, *rest]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(reversed(chunk))
    return _der(0x06, bytes(body))


def _time(moment: datetime) -> bytes:
    if moment.year < 2050:
        return _der(0x17, moment.strftime("%y%m%d%H%M%SZ").encode())
    return _der(0x18, moment.strftime("%Y%m%d%H%M%SZ").encode())


def _extension(oid: str, value: bytes, critical: bool = False) -> bytes:
    return _seq(_oid(oid), b"\x01\x01\xff" if critical else b"", _der(0x04, value))


_EC_PUBLIC_KEY = "1.2.840.10045.2.1"
_P256 = "1.2.840.10045.3.1.7"
_ECDSA_SHA256 = "1.2.840.10045.4.3.2"


def _pem(label: str, der: bytes) -> bytes:
    b64 = base64.b64encode(der).decode()
    lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
    return (f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n").encode()


def _sign(key: Any, data: bytes) -> bytes:
    """ECDSA-SHA256 signature (DER). ``ec.ECDSA()`` imports the OpenSSL backend (~9 ms, half the
    certificate's cost) only to vet deterministic signing, which is not used: a subclass that
    answers the two public properties the signer reads skips that; the plain class is the fallback."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    class _Sha256Ecdsa(ec.ECDSA):
        def __init__(self) -> None:  # no super().__init__: that is the import being skipped
            pass

        algorithm = hashes.SHA256()
        deterministic_signing = False

    try:
        return key.sign(data, _Sha256Ecdsa())  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 - a cryptography release that reads the object otherwise
        return key.sign(data, ec.ECDSA(hashes.SHA256()))  # type: ignore[no-any-return]


def new_server_certificate(now: datetime | None = None) -> tuple[bytes, bytes, bytes]:
    """(key PEM, certificate PEM, certificate DER): a fresh EC P-256 key and a self-signed
    certificate for ``localhost``, like go-plugin's (CA, server and client auth). Kept in memory
    only."""
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    numbers = key.private_numbers()
    point = (
        b"\x04" + numbers.public_numbers.x.to_bytes(32, "big") + numbers.public_numbers.y.to_bytes(32, "big")
    )
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    name = _seq(_der(0x31, _seq(_oid("2.5.4.3"), _der(0x0C, b"localhost"))))  # CN=localhost
    algorithm = _seq(_oid(_ECDSA_SHA256))
    tbs = _seq(
        _der(0xA0, _int(2)),  # v3
        _int(int.from_bytes(os.urandom(16), "big") >> 1 | 1),  # serial: positive, random
        algorithm,
        name,
        _seq(_time(now - timedelta(minutes=5)), _time(now + _CERT_LIFETIME)),
        name,
        _seq(_seq(_oid(_EC_PUBLIC_KEY), _oid(_P256)), _der(0x03, b"\x00" + point)),
        _der(
            0xA3,
            _seq(
                # basicConstraints: CA (the client trusts this very certificate as its root)
                _extension("2.5.29.19", _seq(b"\x01\x01\xff"), critical=True),
                # keyUsage: digitalSignature, keyEncipherment, keyAgreement, keyCertSign
                _extension("2.5.29.15", b"\x03\x02\x02\xac", critical=True),
                # extKeyUsage: serverAuth, clientAuth
                _extension("2.5.29.37", _seq(_oid("1.3.6.1.5.5.7.3.1"), _oid("1.3.6.1.5.5.7.3.2"))),
                # subjectAltName: DNS:localhost (go-plugin's client checks the name "localhost")
                _extension("2.5.29.17", _seq(_der(0x82, b"localhost"))),
            ),
        ),
    )
    signature = _sign(key, tbs)
    cert_der = _seq(tbs, algorithm, _der(0x03, b"\x00" + signature))
    key_der = _seq(  # PKCS#8 PrivateKeyInfo holding an RFC 5915 ECPrivateKey
        _int(0),
        _seq(_oid(_EC_PUBLIC_KEY), _oid(_P256)),
        _der(
            0x04,
            _seq(
                _int(1),
                _der(0x04, numbers.private_value.to_bytes(32, "big")),
                _der(0xA1, _der(0x03, b"\x00" + point)),
            ),
        ),
    )
    return _pem("PRIVATE KEY", key_der), _pem("CERTIFICATE", cert_der), cert_der


def client_certificate_from_env() -> bytes | None:
    """Terraform's certificate (PEM) from ``PLUGIN_CLIENT_CERT``; None when it sent none."""
    value = os.environ.get(CLIENT_CERT_ENV, "").strip()
    if not value:
        return None
    if "-----BEGIN CERTIFICATE-----" not in value:
        raise ValueError("holds no PEM certificate")
    return value.encode() + b"\n"


def tls_credentials(key_pem: bytes, cert_pem: bytes) -> Any:
    """gRPC's own TLS, without client authentication: for a go-plugin that sends no certificate."""
    import grpc

    return grpc.ssl_server_credentials([(key_pem, cert_pem)], require_client_auth=False)


# ---- AutoMTLS ----------------------------------------------------------------------------------
# Why Python's `ssl` and not gRPC's TLS terminates Terraform's connection: see framework/tlsrelay.py.


def _load_key_pair(context: Any, key_pem: bytes, cert_pem: bytes) -> None:
    """`ssl` loads a key only from a path: hand it over through pipes, never through a file."""
    fd_dir = "/dev/fd" if os.path.isdir("/dev/fd") else "/proc/self/fd"
    fds: list[int] = []
    try:
        paths = []
        for data in (cert_pem, key_pem):  # a few hundred bytes: far below a pipe's capacity
            read_end, write_end = os.pipe()
            fds.append(read_end)
            try:
                os.write(write_end, data)
            finally:
                os.close(write_end)
            paths.append(f"{fd_dir}/{read_end}")
        context.load_cert_chain(paths[0], paths[1])
    finally:
        for fd in fds:
            os.close(fd)


def mtls_context(key_pem: bytes, cert_pem: bytes, client_cert_pem: bytes) -> Any:
    """go-plugin's server TLS: our certificate, TLS 1.2+, HTTP/2, and only a client that proves it
    holds ``client_cert_pem`` (``RequireAndVerifyClientCert`` with that certificate as the CA)."""
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    _load_key_pair(context, key_pem, cert_pem)
    context.load_verify_locations(cadata=client_cert_pem.decode())
    context.verify_mode = ssl.CERT_REQUIRED
    context.set_alpn_protocols(["h2"])  # grpc-go clients insist on it
    return context


# ---- the server --------------------------------------------------------------------------------


def _temporary_roots() -> list[str]:
    """Where `tempfile` would look, in its order (TMPDIR, TEMP, TMP, then the usual places)."""
    named = [os.environ.get(name) for name in ("TMPDIR", "TEMP", "TMP")]
    # absolute, as tempfile makes them: the socket address Terraform is given must not depend on
    # its working directory, and gRPC refuses relative unix: paths
    return [os.path.abspath(d) for d in (*named, "/tmp", "/var/tmp", "/usr/tmp") if d]


@contextlib.contextmanager
def private_directory() -> Iterator[str]:
    """A new directory that only this user can enter (made with mode 0700 under a random name that
    must not exist yet, as `tempfile.mkdtemp` does; 8 random hex digits, as short as tempfile's, since a
    socket path may not exceed 104-108 bytes), removed with the sockets in it afterwards.
    Not `tempfile` itself: with `shutil`, `random`, `bz2` and `lzma` it is ~4 ms of imports before
    the handshake, paid by every provider process."""
    path = None
    for root in _temporary_roots():
        for _ in range(100):
            candidate = os.path.join(root, "tfpo-" + os.urandom(4).hex())
            try:
                os.mkdir(candidate, 0o700)
            except FileExistsError:
                continue
            except OSError:  # missing or not writable: the next root
                break
            path = candidate
            break
        if path is not None:
            break
    if path is None:
        raise FileNotFoundError(f"no usable temporary directory among {_temporary_roots()}")
    try:
        yield path
    finally:
        with contextlib.suppress(OSError), os.scandir(path) as entries:
            for entry in entries:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
        with contextlib.suppress(OSError):
            os.rmdir(path)


class Lifecycle:
    """When the server must end: go-plugin's controller Shutdown, never StopProvider."""

    def __init__(self) -> None:
        self._shutdown = threading.Event()

    def shutdown(self) -> None:
        self._shutdown.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._shutdown.wait(timeout)


class DeferredServicer:
    """The provider's servicer, made on a thread of its own once the handshake line is out.

    Importing the provider (its schemas, the rule table, `tf`'s protobuf messages) was most of the
    time to the handshake line, and Terraform starts the provider three times per command. gRPC
    only needs the method names to register them: each one here waits for the real servicer when
    first called. :meth:`start` runs after the handshake is written (a loader running beside the
    start-up code would only halve its share of the GIL), so the import overlaps Terraform's
    connection and TLS set-up. An import that fails makes every call fail with its error, which is
    also logged.
    """

    def __init__(self, make_provider: Callable[[], Any]) -> None:
        self._make_provider = make_provider
        self._servicer: futures.Future[Any] = futures.Future()

    def start(self) -> None:
        threading.Thread(target=self._load, name="tfpo-load", daemon=True).start()

    def _load(self) -> None:
        try:
            self._load_servicer()
        finally:
            heap.loaded()  # the start-up is over, loaded or not: the collector goes back on

    def _load_servicer(self) -> None:
        try:
            from terraform_provider_openai.framework.servicer import ProviderServicer

            servicer = ProviderServicer(self._make_provider())
        except BaseException as exc:  # noqa: BLE001 - handed to every call
            log.error("the provider failed to load: %s: %s", type(exc).__name__, exc)
            self._servicer.set_exception(exc)
            return
        self._servicer.set_result(servicer)
        # Terraform's first call usually arrives while this runs; the resource modules are needed by
        # every kind of process Terraform starts (schema, validate, plan, apply), so load them now
        # rather than on that call. A failure here surfaces again, named, on the call that needs them.
        try:
            servicer.preload()
        except Exception as exc:  # noqa: BLE001 - logged; the calls report it
            log.error("the provider's resources failed to load: %s: %s", type(exc).__name__, exc)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        servicer = self._servicer

        def call(request: Any, context: Any) -> Any:
            return getattr(servicer.result(), name)(request, context)

        return call


def build_server(provider: Any, lifecycle: Lifecycle) -> Any:
    """The gRPC server with the provider (or a :class:`DeferredServicer`), go-plugin's controller
    and stdio services; not started."""
    import grpc
    from tf.gen import grpc_controller_pb2 as controller_pb
    from tf.gen import grpc_controller_pb2_grpc as controller_rpc
    from tf.gen import grpc_stdio_pb2_grpc as stdio_rpc

    from terraform_provider_openai.framework.gen import tfplugin6_8_pb2_grpc as rpc

    if isinstance(provider, DeferredServicer):
        servicer: Any = provider
    else:
        from terraform_provider_openai.framework.servicer import ProviderServicer

        servicer = ProviderServicer(provider)
    server = grpc.server(
        thread_pool=futures.ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="tfplugin"),
        options=server_options(),
    )
    rpc.add_ProviderServicer_to_server(servicer, server)

    class Controller(controller_rpc.GRPCControllerServicer):
        def Shutdown(self, request: Any, context: Any) -> Any:
            log.debug("go-plugin controller: Shutdown")
            lifecycle.shutdown()
            return controller_pb.Empty()

    class Stdio(stdio_rpc.GRPCStdioServicer):
        def StreamStdio(self, request: Any, context: Any) -> Any:
            return iter([])

    controller_rpc.add_GRPCControllerServicer_to_server(Controller(), server)
    stdio_rpc.add_GRPCStdioServicer_to_server(Stdio(), server)
    return server


def _configure_logging() -> None:
    """go-hclog JSON lines on stderr at the level Terraform shows (framework/hclog.py); nothing at all
    when it shows none (TF_LOG and TF_LOG_PROVIDER unset or OFF)."""
    from terraform_provider_openai.framework import hclog

    root = logging.getLogger()
    level = hclog.level_from_env()
    if level is None:
        root.setLevel(logging.CRITICAL + 1)
        return
    # terraform copies the provider's stderr into its TF_LOG output: mask secrets on the way out
    from terraform_provider_openai.masking import SecretFilter, mask

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(hclog.Formatter(mask=mask))
    handler.addFilter(SecretFilter())
    root.addHandler(handler)
    root.setLevel(level)
    # The HTTP stack logs request headers at DEBUG level: keep it quiet whatever TF_LOG says (the
    # provider's own client logs each call: client.py).
    for noisy in ("httpx", "httpx2", "httpcore", "httpcore2", "openai", "hpack", "grpc", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _serve_until_shutdown(lifecycle: Lifecycle, parent: int) -> None:
    """Wait for Shutdown; give up when the parent is gone (Terraform killed: no Shutdown will come).
    ``parent`` is read before the handshake line goes out: read later, a parent that dies right after
    reading it would already be replaced by the reaper, and the plugin would wait forever."""
    while not lifecycle.wait(PARENT_POLL_S):
        if os.getppid() != parent:
            log.warning("the parent process (Terraform) is gone: stopping")
            return


def run_provider(provider: Any, argv: list[str] | None = None) -> int:
    """Serve until Shutdown (plugin mode) or Ctrl-C (``--dev``); the process's exit status.
    ``provider``: the provider, or a function making it (loaded while the handshake goes out)."""
    _configure_logging()
    argv = argv or []
    lifecycle = Lifecycle()
    dev = "--dev" in argv
    parent = os.getppid()
    deferred: DeferredServicer | None = None
    if callable(provider):
        if dev:
            provider = provider()  # the reattach line names it
        else:
            deferred = provider = DeferredServicer(provider)
    server = build_server(provider, lifecycle)
    key_pem = cert_pem = cert_der = b""
    front_context: Any = None
    if not dev:
        key_pem, cert_pem, cert_der = new_server_certificate()
        try:
            client_cert = client_certificate_from_env()
            if client_cert is not None:
                front_context = mtls_context(key_pem, cert_pem, client_cert)
        except (ValueError, OSError) as exc:  # ssl.SSLError is an OSError
            print(f"terraform-provider-openai: {CLIENT_CERT_ENV}: {exc}", file=sys.stderr)
            return 1

    # private directories (0700): only this user reaches the sockets in them
    with private_directory() as tmp, private_directory() as backend_dir:
        sock = f"{tmp}/plugin.sock"
        try:
            if dev:
                server.add_insecure_port(f"unix://{sock}")
                server.start()
                conf = {
                    provider.full_name(): {
                        "Protocol": "grpc",
                        "ProtocolVersion": 6,
                        "Pid": os.getpid(),
                        "Test": True,
                        "Addr": {"Network": "unix", "String": sock},
                    }
                }
                import json

                try:
                    print(f"export TF_REATTACH_PROVIDERS='{json.dumps(conf)}'", flush=True)
                    while not lifecycle.wait(PARENT_POLL_S):
                        pass
                except KeyboardInterrupt:
                    pass
                return 0
            if front_context is None:
                server.add_secure_port(f"unix://{sock}", tls_credentials(key_pem, cert_pem))
                server.start()
            else:
                # the plaintext gRPC socket behind the relay lives in a private directory of its own,
                # not next to the socket the handshake names
                backend = f"{backend_dir}/grpc.sock"
                server.add_insecure_port(f"unix://{backend}")
                server.start()
                # bound and listening before the handshake line: Terraform's connection waits in
                # the backlog until the relay's thread accepts it
                listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                listener.bind(sock)
                listener.listen(64)
                TlsFront(listener, backend, front_context, lifecycle.shutdown)
            cert = base64.b64encode(cert_der).decode().rstrip("=")
            sys.stdout.write(f"1|6|unix|{sock}|grpc|{cert}\n")
            sys.stdout.flush()
            if deferred is not None:
                deferred.start()  # it tells `heap` once the provider has loaded
            else:
                heap.loaded()
            _serve_until_shutdown(lifecycle, parent)
        finally:
            server.stop(grace=SHUTDOWN_GRACE_S).wait()
    return 0
