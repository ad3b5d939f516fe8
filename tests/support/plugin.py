"""Start the provider process as Terraform does (go-plugin), and talk to it over gRPC.

    with PluginProcess.start(tmp_path) as plugin:
        plugin.provider.GetProviderSchema(pb.GetProviderSchema.Request())
        plugin.shutdown()  # go-plugin's GRPCController.Shutdown

The process gets Terraform's magic cookie, ``PLUGIN_PROTOCOL_VERSIONS=6`` and a client certificate
in ``PLUGIN_CLIENT_CERT`` (AutoMTLS), made here; HOME and XDG directories are the test's own.
Also: :class:`BlockingCompletionServer`, an OpenAI-compatible stub whose chat completion answers
wait until the test releases them, to hold a call in flight for as long as a test needs.
"""

from __future__ import annotations

import base64
import http.server
import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from tf.gen import grpc_controller_pb2 as controller_pb
from tf.gen import grpc_controller_pb2_grpc as controller_rpc

from terraform_provider_openai.framework.gen import tfplugin6_8_pb2_grpc as rpc

MAGIC_COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
HANDSHAKE_TIMEOUT_S = 30.0
_SCRUBBED_ENV_PREFIXES = ("TF_", "OPENAI_", "AZURE_OPENAI_", "PLUGIN_")


@dataclass(frozen=True)
class KeyPair:
    key_pem: bytes
    cert_pem: bytes


def make_certificate(curve: ec.EllipticCurve | None = None) -> KeyPair:
    """A self-signed client certificate like go-plugin's AutoMTLS one (CA, localhost). go-plugin's
    key is P-521 (``curve=ec.SECP521R1()``), which Python's ssl can present but gRPC's client cannot
    (BoringSSL signs with P-256/P-384 only): the default is P-256, for gRPC clients."""
    key = ec.generate_private_key(curve or ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "HashiCorp"),
            x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(seconds=30))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    return KeyPair(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        cert.public_bytes(serialization.Encoding.PEM),
    )


def plugin_env(root: Path, client_cert: bytes | None, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment go-plugin gives a plugin, with a HOME and XDG directories under ``root``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_ENV_PREFIXES)}
    home = root / "home"
    cache = root / "cache"
    for d in (home, cache):
        d.mkdir(parents=True, exist_ok=True)
    cli_config = root / "terraformrc"
    cli_config.write_text("")
    env.update(
        {
            "HOME": str(home),
            "XDG_CACHE_HOME": str(cache),
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "TF_PLUGIN_MAGIC_COOKIE": MAGIC_COOKIE,
            "PLUGIN_PROTOCOL_VERSIONS": "6",
            "PLUGIN_MIN_PORT": "10000",
            "PLUGIN_MAX_PORT": "25000",
        }
    )
    if client_cert is not None:
        env["PLUGIN_CLIENT_CERT"] = client_cert.decode()
    env.update(extra or {})
    return env


def read_line(stream: Any, timeout: float) -> str | None:
    """The next line of ``stream``; "" at EOF; None when nothing came within ``timeout``."""
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return got[0] if got else None


class PluginProcess:
    def __init__(self, process: subprocess.Popen[str], handshake: str, client: KeyPair | None) -> None:
        self.process = process
        self.handshake = handshake
        self.fields = handshake.split("|")
        self.client = client
        self._channels: list[grpc.Channel] = []
        self.channel = self.connect(client)
        self.provider = rpc.ProviderStub(self.channel)
        self.controller = controller_rpc.GRPCControllerStub(self.channel)

    @classmethod
    def start(
        cls, root: Path, client: KeyPair | None = None, *, with_client_cert: bool = True, **extra_env: str
    ) -> PluginProcess:
        """Start the provider; ``client`` is made unless given (``with_client_cert=False``: no AutoMTLS)."""
        if with_client_cert and client is None:
            client = make_certificate()
        if not with_client_cert:
            client = None
        root.mkdir(parents=True, exist_ok=True)
        stderr = open(root / "plugin.stderr", "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [sys.executable, "-m", "terraform_provider_openai"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=plugin_env(root, client.cert_pem if client else None, extra_env),
        )
        stderr.close()
        line = read_line(process.stdout, HANDSHAKE_TIMEOUT_S)
        if not line or not line.startswith("1|6|unix|"):
            process.kill()
            process.wait()
            raise AssertionError(
                f"no handshake line: {line!r}\n{(root / 'plugin.stderr').read_text(errors='replace')}"
            )
        return cls(process, line.strip(), client)

    @property
    def socket(self) -> str:
        return self.fields[3]

    @property
    def server_cert_der(self) -> bytes:
        field = self.fields[5]
        return base64.b64decode(field + "=" * (-len(field) % 4))

    @property
    def server_cert_pem(self) -> bytes:
        return x509.load_der_x509_certificate(self.server_cert_der).public_bytes(serialization.Encoding.PEM)

    def connect(self, client: KeyPair | None) -> grpc.Channel:
        """A TLS channel trusting the plugin's certificate, presenting ``client`` (or no certificate)."""
        creds = grpc.ssl_channel_credentials(
            root_certificates=self.server_cert_pem,
            private_key=client.key_pem if client else None,
            certificate_chain=client.cert_pem if client else None,
        )
        channel = grpc.secure_channel(
            f"unix://{self.socket}",
            creds,
            options=[
                ("grpc.ssl_target_name_override", "localhost"),
                ("grpc.max_send_message_length", -1),
                ("grpc.max_receive_message_length", -1),
            ],
        )
        self._channels.append(channel)
        return channel

    def shutdown(self, timeout: float = 30.0) -> int:
        """go-plugin's controller Shutdown, then wait for the process: its exit status."""
        self.controller.Shutdown(controller_pb.Empty(), timeout=timeout)
        return self.process.wait(timeout)

    def close(self) -> None:
        for channel in self._channels:
            channel.close()
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def completion_answer(body: dict[str, Any]) -> dict[str, Any]:
    """A chat completion answering ``body`` the way the local server does (echoing the prompt)."""
    prompt = body["messages"][-1]["content"]
    return {
        "id": "chatcmpl-held",
        "object": "chat.completion",
        "created": 1700000000,
        "model": body["model"],
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": f"Held reply to: {prompt}"},
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


class BlockingCompletionServer:
    """``POST .../chat/completions`` is answered only once :attr:`release` is set; :attr:`received`
    is set when such a request has arrived. Other paths get 404."""

    def __init__(self) -> None:
        self.received = threading.Event()
        self.release = threading.Event()
        self.bodies: list[dict[str, Any]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                if not self.path.endswith("/chat/completions"):
                    self.send_error(404)
                    return
                outer.bodies.append(body)
                outer.received.set()
                outer.release.wait(120)
                data = json.dumps(completion_answer(body)).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
