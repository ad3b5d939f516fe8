"""Serve a provider over go-plugin's gRPC handshake.

Differences from ``tf.runner.run_provider``:

* the gRPC thread pool is sized for ``terraform apply -parallelism=64`` (``tf`` hard-codes 10);
* the server certificate is an in-memory ECDSA P-256 certificate, cached only when a cache
  directory is writable: an unwritable or missing HOME no longer crashes the provider, and no RSA
  key generation sits on the start-up path;
* nothing is printed to stdout but the handshake line.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import sys
import tempfile
import time
from concurrent import futures
from datetime import UTC
from pathlib import Path
from typing import Any

MAX_WORKERS = int(os.environ.get("TF_PROVIDER_OPENAI_GRPC_WORKERS", "128"))
_CERT_LIFETIME = 7 * 24 * 3600
_CERT_MARGIN = 3600


def _cache_file() -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME") or (
        os.path.join(os.environ["HOME"], ".cache") if "HOME" in os.environ else None
    )
    if not base:
        return None
    return Path(base) / "terraform-provider-openai" / "grpc-cert.json"


def _load_cached_cert(path: Path | None) -> tuple[bytes, bytes, bytes] | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text())
        if float(data["not_after"]) - _CERT_MARGIN < time.time():
            return None
        return data["key_pem"].encode(), data["cert_pem"].encode(), base64.b64decode(data["cert_der"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _new_cert() -> tuple[bytes, bytes, bytes, float]:
    from datetime import datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    not_after = now + timedelta(seconds=_CERT_LIFETIME)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return (
        key_pem,
        cert.public_bytes(serialization.Encoding.PEM),
        cert.public_bytes(serialization.Encoding.DER),
        not_after.timestamp(),
    )


def server_certificate() -> tuple[bytes, bytes, bytes]:
    """(key PEM, certificate PEM, certificate DER): cached when possible, never fatal."""
    path = _cache_file()
    cached = _load_cached_cert(path)
    if cached is not None:
        return cached
    key_pem, cert_pem, cert_der, not_after = _new_cert()
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                json.dump(
                    {
                        "key_pem": key_pem.decode(),
                        "cert_pem": cert_pem.decode(),
                        "cert_der": base64.b64encode(cert_der).decode(),
                        "not_after": not_after,
                    },
                    f,
                )
            os.replace(tmp, path)
        except OSError:
            pass  # read-only HOME: use the certificate without caching it
    return key_pem, cert_pem, cert_der


def _configure_logging() -> None:
    level = os.environ.get("TF_LOG_PROVIDER") or os.environ.get("TF_LOG") or "WARN"
    level = {"TRACE": "DEBUG", "WARN": "WARNING", "JSON": "DEBUG"}.get(level.upper(), level.upper())
    # terraform copies the provider's stderr into its TF_LOG output: mask secrets on the way out
    from terraform_provider_openai.masking import SecretFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[%(levelname)s] %(name)s: %(message)s"))
    handler.addFilter(SecretFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(getattr(logging, level, logging.WARNING))
    # The HTTP stack logs request headers at DEBUG level: keep it quiet whatever TF_LOG says.
    for noisy in ("httpx", "httpx2", "httpcore", "httpcore2", "openai", "hpack", "grpc"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def run_provider(provider: Any, argv: list[str] | None = None) -> None:
    import grpc
    from tf.gen import grpc_controller_pb2 as controller_pb
    from tf.gen import grpc_controller_pb2_grpc as controller_rpc
    from tf.gen import grpc_stdio_pb2_grpc as stdio_rpc
    from tf.gen import tfplugin_pb2_grpc as rpc
    from tf.runner import _ShutdownInterceptor

    from terraform_provider_openai.framework.servicer import ProviderServicer

    _configure_logging()
    argv = argv or []
    stopper = _ShutdownInterceptor()
    server = grpc.server(
        thread_pool=futures.ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="tfplugin"),
        interceptors=[stopper],
    )
    stopper.server = server
    rpc.add_ProviderServicer_to_server(ProviderServicer(provider), server)

    class Controller(controller_rpc.GRPCControllerServicer):
        def Shutdown(self, request: Any, context: Any) -> Any:
            stopper.stopped = True
            return controller_pb.Empty()

    class Stdio(stdio_rpc.GRPCStdioServicer):
        def StreamStdio(self, request: Any, context: Any) -> Any:
            return iter([])

    controller_rpc.add_GRPCControllerServicer_to_server(Controller(), server)
    stdio_rpc.add_GRPCStdioServicer_to_server(Stdio(), server)

    with tempfile.TemporaryDirectory(prefix="tfpo-") as tmp:
        sock = f"{tmp}/plugin.sock"
        if "--dev" in argv:
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
            print(f"export TF_REATTACH_PROVIDERS='{json.dumps(conf)}'", flush=True)
            server.wait_for_termination()
            return

        key_pem, cert_pem, cert_der = server_certificate()
        creds = grpc.ssl_server_credentials([(key_pem, cert_pem)], require_client_auth=False)
        server.add_secure_port(f"unix://{sock}", creds)
        server.start()
        cert = base64.b64encode(cert_der).decode().rstrip("=")
        sys.stdout.write(f"1|6|unix|{sock}|grpc|{cert}\n")
        sys.stdout.flush()
        try:
            while server.wait_for_termination(0.05):
                if stopper.stopped:
                    break
        except KeyboardInterrupt:
            pass
        server.stop(grace=0.5)
