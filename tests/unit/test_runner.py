"""The plugin's process and gRPC transport (`framework.runner`, `main`, StopProvider): the
certificate, AutoMTLS, message limits, and a graceful stop like a Go provider's.

Most tests start the provider process the way Terraform does (tests/support/plugin.py)."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from terraform_provider_openai.framework import runner, stop
from terraform_provider_openai.framework.gen import tfplugin6_8_pb2 as pb
from terraform_provider_openai.framework.gen import tfplugin6_8_pb2_grpc as rpc
from terraform_provider_openai.framework.schema import encode_state
from terraform_provider_openai.framework.servicer import read_dynamic_value, to_dynamic_value
from terraform_provider_openai.main import _plugin_mode
from terraform_provider_openai.provider import OpenAIProvider
from terraform_provider_openai.resources.chat_completion import ChatCompletionResource
from tests.support.plugin import (
    BlockingCompletionServer,
    KeyPair,
    PluginProcess,
    make_certificate,
    plugin_env,
    read_line,
)

TYPE = "openai_chat_completion"
SCHEMA = ChatCompletionResource.get_schema()
PROVIDER_SCHEMA = OpenAIProvider().get_provider_schema(None)  # type: ignore[arg-type]
RPC_TIMEOUT = 60.0


def dv(values: dict[str, Any] | None) -> pb.DynamicValue:
    return to_dynamic_value(encode_state(SCHEMA, values))


def provider_config(base_url: str) -> pb.DynamicValue:
    return to_dynamic_value(
        encode_state(PROVIDER_SCHEMA, {"api_key": "sk-test", "base_url": base_url, "max_retries": 0})
    )


def sigint_ignored(pid: int) -> bool:
    """Whether the kernel discards SIGINT for ``pid`` (its disposition is SIG_IGN)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    raise AssertionError("no SigIgn line")


@pytest.fixture
def plugin(tmp_path: Path) -> Iterator[PluginProcess]:
    with PluginProcess.start(tmp_path) as proc:
        yield proc


# ---- certificate -------------------------------------------------------------------------------


def test_server_certificate_is_a_fresh_self_signed_p256_certificate_for_localhost() -> None:
    key_pem, cert_pem, cert_der = runner.new_server_certificate()
    cert = x509.load_der_x509_certificate(cert_der)
    assert x509.load_pem_x509_certificate(cert_pem) == cert
    public = cert.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert public.curve.name == "secp256r1"
    public.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256()))  # self-signed
    key = serialization.load_pem_private_key(key_pem, None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert key.public_key().public_numbers() == public.public_numbers()
    assert cert.subject == cert.issuer
    assert cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName
    ) == ["localhost"]
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert {x509.oid.ExtendedKeyUsageOID.SERVER_AUTH, x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH} <= set(usage)
    assert cert.not_valid_before_utc <= datetime.now(UTC) < cert.not_valid_after_utc
    assert cert.serial_number > 0
    # one per process and per call: never a shared or cached key
    assert runner.new_server_certificate()[0] != key_pem


def test_server_certificate_dates_after_2049_use_generalized_time() -> None:
    _, _, cert_der = runner.new_server_certificate(datetime(2049, 12, 20, tzinfo=UTC))
    cert = x509.load_der_x509_certificate(cert_der)
    assert cert.not_valid_after_utc.year == 2050


def test_client_certificate_comes_from_plugin_client_cert(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(runner.CLIENT_CERT_ENV, raising=False)
    assert runner.client_certificate_from_env() is None
    pem = make_certificate().cert_pem
    monkeypatch.setenv(runner.CLIENT_CERT_ENV, pem.decode())
    assert runner.client_certificate_from_env() == pem.strip() + b"\n"
    monkeypatch.setenv(runner.CLIENT_CERT_ENV, "not a certificate")
    with pytest.raises(ValueError, match="no PEM certificate"):
        runner.client_certificate_from_env()


def test_server_allows_messages_of_256_mib() -> None:
    options = dict(runner.server_options())
    assert options["grpc.max_send_message_length"] == 256 * 1024 * 1024
    assert options["grpc.max_receive_message_length"] == 256 * 1024 * 1024


# ---- plugin mode and SIGINT --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "cookie", "plugin_mode"),
    [
        ([], True, True),
        ([], False, False),
        (["--dev"], True, False),
        (["serve", "--port", "0"], True, False),
        (["install"], True, False),
        (["version"], True, False),
        (["--help"], True, False),
    ],
)
def test_only_the_plugin_started_by_terraform_ignores_sigint(
    monkeypatch: pytest.MonkeyPatch, args: list[str], cookie: bool, plugin_mode: bool
) -> None:
    if cookie:
        monkeypatch.setenv("TF_PLUGIN_MAGIC_COOKIE", "x")
    else:
        monkeypatch.delenv("TF_PLUGIN_MAGIC_COOKIE", raising=False)
    assert _plugin_mode(args) is plugin_mode


# ---- the process, as Terraform starts it --------------------------------------------------------


def test_plugin_serves_only_a_client_holding_terraforms_certificate(plugin: PluginProcess) -> None:
    assert plugin.fields[:3] == ["1", "6", "unix"] and plugin.fields[4] == "grpc"
    assert not plugin.fields[5].endswith("=")
    x509.load_der_x509_certificate(plugin.server_cert_der)

    for stranger in (None, make_certificate()):
        stub = rpc.ProviderStub(plugin.connect(stranger))
        with pytest.raises(grpc.RpcError) as refused:
            stub.GetProviderSchema(pb.GetProviderSchema.Request(), timeout=RPC_TIMEOUT)
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE

    schema = plugin.provider.GetProviderSchema(pb.GetProviderSchema.Request(), timeout=RPC_TIMEOUT)
    assert TYPE in schema.resource_schemas
    assert plugin.shutdown() == 0


def test_without_plugin_client_cert_the_plugin_serves_tls_without_client_auth(tmp_path: Path) -> None:
    with PluginProcess.start(tmp_path, with_client_cert=False) as plugin:
        schema = plugin.provider.GetProviderSchema(pb.GetProviderSchema.Request(), timeout=RPC_TIMEOUT)
        assert TYPE in schema.resource_schemas
        assert plugin.shutdown() == 0


@pytest.mark.parametrize(
    "value", ["garbage", "-----BEGIN CERTIFICATE-----\nZ2FyYmFnZQ==\n-----END CERTIFICATE-----\n"]
)
def test_a_plugin_client_cert_that_is_no_certificate_ends_the_plugin_with_an_error(
    tmp_path: Path, value: str
) -> None:
    ended = subprocess.run(
        [sys.executable, "-m", "terraform_provider_openai"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=plugin_env(tmp_path, None, {"PLUGIN_CLIENT_CERT": value}),
        timeout=60,
    )
    assert ended.returncode == 1
    assert ended.stdout == ""  # no handshake: Terraform reports the plugin's exit and its stderr
    assert "PLUGIN_CLIENT_CERT" in ended.stderr


def test_go_plugins_p521_client_certificate_is_verified(tmp_path: Path) -> None:
    """Terraform's certificate is EC P-521 (go-plugin's `generateCert`), which gRPC's own TLS cannot
    verify: the plugin's TLS front must accept it, and refuse another P-521 certificate."""
    terraform = make_certificate(ec.SECP521R1())
    with PluginProcess.start(tmp_path, terraform) as p521:
        assert h2_preface_after_tls(p521, terraform, tmp_path)
        assert not h2_preface_after_tls(p521, make_certificate(ec.SECP521R1()), tmp_path)
        assert p521.shutdown() == 0


def h2_preface_after_tls(plugin: PluginProcess, client: KeyPair, tmp_path: Path) -> bool:
    """Whether the plugin, reached over TLS with ``client``'s certificate, starts talking HTTP/2."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cadata=plugin.server_cert_pem.decode())
    pair = tmp_path / "client.pem"
    pair.write_bytes(client.cert_pem + client.key_pem)
    context.load_cert_chain(pair)
    context.set_alpn_protocols(["h2"])
    with socket.socket(socket.AF_UNIX) as raw:
        raw.settimeout(RPC_TIMEOUT)
        raw.connect(plugin.socket)
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            assert tls.selected_alpn_protocol() == "h2"
            try:
                frame = tls.recv(9)  # the server's HTTP/2 SETTINGS frame header
            except ssl.SSLError:  # TLS 1.3: a refused certificate shows as an alert after the handshake
                return False
            return len(frame) > 0 and frame[3] == 0x4  # frame type SETTINGS


def test_sigint_neither_ends_the_plugin_nor_can_be_undone_by_its_imports(plugin: PluginProcess) -> None:
    if not Path(f"/proc/{plugin.process.pid}/status").exists():
        pytest.skip("needs /proc")
    # after the handshake grpc, cryptography and the provider are all imported and serving
    assert sigint_ignored(plugin.process.pid)
    plugin.process.send_signal(signal.SIGINT)
    plugin.process.send_signal(signal.SIGINT)  # Go's go-plugin counts and drops them; so do we
    schema = plugin.provider.GetProviderSchema(pb.GetProviderSchema.Request(), timeout=RPC_TIMEOUT)
    assert TYPE in schema.resource_schemas
    assert plugin.process.poll() is None
    assert plugin.shutdown() == 0


def test_sigint_while_the_plugin_starts_never_leaves_it_hanging(tmp_path: Path) -> None:
    """Sent at once, SIGINT lands somewhere between the interpreter's start and the handshake: the
    plugin either ends (before `main` ignores SIGINT) or reaches its handshake; never neither."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "terraform_provider_openai"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=plugin_env(tmp_path, make_certificate().cert_pem),
    )
    try:
        proc.send_signal(signal.SIGINT)
        line = read_line(proc.stdout, 60)
        assert line is not None, "the plugin neither ended nor reached its handshake"
        if line:
            assert line.startswith("1|6|unix|")
            proc.send_signal(signal.SIGINT)
            assert proc.poll() is None or proc.returncode == 0
        else:
            assert proc.wait(60) != 0
    finally:
        proc.kill()
        proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()


def test_ctrl_c_keeps_a_create_in_flight_and_its_answer_reaches_terraform(plugin: PluginProcess) -> None:
    """What a terminal's Ctrl-C does during `terraform apply`: SIGINT to Terraform and the provider,
    then Terraform calls StopProvider and waits for the calls in flight."""
    config = {"model": "gpt-4o", "messages": [{"role": "user", "content": "wait for me"}]}
    with BlockingCompletionServer() as api:
        configured = plugin.provider.ConfigureProvider(
            pb.ConfigureProvider.Request(config=provider_config(api.base_url)), timeout=RPC_TIMEOUT
        )
        assert not configured.diagnostics, configured.diagnostics
        planned = plugin.provider.PlanResourceChange(
            pb.PlanResourceChange.Request(
                type_name=TYPE, prior_state=dv(None), proposed_new_state=dv(config), config=dv(config)
            ),
            timeout=RPC_TIMEOUT,
        )
        assert not planned.diagnostics, planned.diagnostics
        applying = plugin.provider.ApplyResourceChange.future(
            pb.ApplyResourceChange.Request(
                type_name=TYPE, prior_state=dv(None), planned_state=planned.planned_state, config=dv(config)
            ),
            timeout=RPC_TIMEOUT,
        )
        assert api.received.wait(RPC_TIMEOUT), "the create never reached the API"

        plugin.process.send_signal(signal.SIGINT)
        plugin.provider.StopProvider(pb.StopProvider.Request(), timeout=RPC_TIMEOUT)
        schema = plugin.provider.GetProviderSchema(pb.GetProviderSchema.Request(), timeout=RPC_TIMEOUT)
        assert TYPE in schema.resource_schemas  # the server still serves after StopProvider
        assert not applying.done()  # and the create is still waiting for the API

        api.release.set()
        applied = applying.result()
    assert not [d for d in applied.diagnostics if d.severity == pb.Diagnostic.ERROR], applied.diagnostics
    state = read_dynamic_value(applied.new_state)
    assert state["id"] == "chatcmpl-held"
    assert state["content"] == "Held reply to: wait for me"
    assert len(api.bodies) == 1
    assert plugin.process.poll() is None
    if Path("/proc/self/status").exists():  # nor did the API client's imports restore SIGINT
        assert sigint_ignored(plugin.process.pid)
    assert plugin.shutdown() == 0


def test_controller_shutdown_ends_the_plugin_with_status_0(plugin: PluginProcess) -> None:
    plugin.provider.StopProvider(pb.StopProvider.Request(), timeout=RPC_TIMEOUT)
    assert plugin.process.poll() is None
    assert plugin.shutdown() == 0


def teardown_marker(root: Path) -> dict[str, str]:
    """Environment for a plugin whose interpreter teardown (atexit) leaves a file behind."""
    site = root / "site"
    site.mkdir(parents=True, exist_ok=True)
    (site / "sitecustomize.py").write_text(
        "import atexit, os\natexit.register(lambda: open(os.environ['TEARDOWN_MARK'], 'w').close())\n"
    )
    return {"PYTHONPATH": str(site), "TEARDOWN_MARK": str(root / "teardown-ran")}


def test_shutdown_ends_the_plugin_at_once_with_its_last_log_lines_out_and_no_sockets_left(
    tmp_path: Path,
) -> None:
    """After Shutdown the plugin skips the interpreter's teardown (main._exit_now), yet what it
    logged up to the end still reaches Terraform's log and its private socket directories are gone."""
    with PluginProcess.start(tmp_path, TF_LOG="DEBUG", **teardown_marker(tmp_path)) as proc:
        socket_dir = Path(proc.socket).parent
        assert socket_dir.is_dir()
        assert proc.shutdown() == 0
    log_lines = (tmp_path / "plugin.stderr").read_text().splitlines()
    assert any("go-plugin controller: Shutdown" in line for line in log_lines), log_lines
    assert not socket_dir.exists()
    assert not (tmp_path / "teardown-ran").exists()


def load(deferred: runner.DeferredServicer) -> None:
    """Run the body of the thread that start() runs after the handshake; the heap it freezes is
    the test process's, so it is thawed again."""
    import gc

    try:
        deferred._load()
    finally:
        gc.unfreeze()


def test_socket_directories_are_private_new_and_removed_with_their_sockets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    with runner.private_directory() as first, runner.private_directory() as second:
        assert first != second
        for path in (first, second):
            assert Path(path).parent == tmp_path
            assert Path(path).stat().st_mode & 0o777 == 0o700
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(f"{first}/plugin.sock")
        listener.close()
    assert list(tmp_path.iterdir()) == []


def test_a_missing_tmpdir_falls_back_to_the_usual_places(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path / "gone"))
    monkeypatch.setenv("TEMP", str(tmp_path))
    with runner.private_directory() as path:
        assert Path(path).parent == tmp_path


def test_the_resources_load_on_the_loading_thread_not_on_the_first_call() -> None:
    deferred = runner.DeferredServicer(OpenAIProvider)
    load(deferred)
    servicer = deferred._servicer.result(timeout=0)
    assert {"_resources", "_data_sources", "_ephemeral_resources"} <= set(vars(servicer))
    assert TYPE in servicer._resources


def test_the_collector_is_back_on_once_the_provider_has_loaded() -> None:
    """main turns the cyclic collector off while the plugin starts; loading turns it on again,
    with the start-up's objects frozen out of its sight."""
    import gc

    gc.disable()
    try:
        runner.DeferredServicer(OpenAIProvider)._load()
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.enable()


def test_the_collector_is_back_on_when_the_provider_fails_to_load() -> None:
    import gc

    def broken() -> OpenAIProvider:
        raise ImportError("no module named 'imaginary'")

    gc.disable()
    try:
        load(runner.DeferredServicer(broken))
        assert gc.isenabled()
    finally:
        gc.enable()


def test_a_relative_tmpdir_still_gives_an_absolute_socket_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TMPDIR", "relative")
    (tmp_path / "relative").mkdir()
    with runner.private_directory() as path:
        assert Path(path).is_absolute() and Path(path).parent == tmp_path / "relative"


def test_resources_that_fail_to_load_are_reported_by_the_call_that_needs_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Broken(OpenAIProvider):
        def get_resources(self) -> list[Any]:
            raise ImportError("no module named 'imaginary'")

    deferred = runner.DeferredServicer(Broken)
    with caplog.at_level("ERROR"):
        load(deferred)
    assert "the provider's resources failed to load: ImportError" in caplog.text
    # the provider's own calls still work; the resource's call names the error
    response = deferred.ValidateProviderConfig(
        pb.ValidateProviderConfig.Request(config=provider_config("http://127.0.0.1:9")), None
    )
    assert not response.diagnostics
    response = deferred.ValidateResourceConfig(
        pb.ValidateResourceConfig.Request(type_name=TYPE, config=dv({"model": "gpt-4o"})), None
    )
    assert any("imaginary" in d.detail for d in response.diagnostics), response.diagnostics


def test_a_state_over_4_mib_round_trips_through_upgrade_and_read(plugin: PluginProcess) -> None:
    big = "x" * (5 * 1024 * 1024)
    raw = {"model": "gpt-4o", "messages": [{"role": "user", "content": big}], "content": big}
    upgraded = plugin.provider.UpgradeResourceState(
        pb.UpgradeResourceState.Request(
            type_name=TYPE, version=0, raw_state=pb.RawState(json=json.dumps(raw).encode())
        ),
        timeout=RPC_TIMEOUT,
    )
    assert not upgraded.diagnostics, upgraded.diagnostics
    state = read_dynamic_value(upgraded.upgraded_state)
    assert state["messages"][0]["content"] == big and state["content"] == big

    read = plugin.provider.ReadResource(
        pb.ReadResource.Request(type_name=TYPE, current_state=upgraded.upgraded_state), timeout=RPC_TIMEOUT
    )
    assert not read.diagnostics, read.diagnostics
    assert read_dynamic_value(read.new_state)["content"] == big
    assert plugin.shutdown() == 0


def test_a_config_over_4_mib_is_validated(plugin: PluginProcess) -> None:
    config = {"model": "gpt-4o", "messages": [{"role": "user", "content": "y" * (5 * 1024 * 1024)}]}
    validated = plugin.provider.ValidateResourceConfig(
        pb.ValidateResourceConfig.Request(type_name=TYPE, config=dv(config)), timeout=RPC_TIMEOUT
    )
    assert not [d for d in validated.diagnostics if d.severity == pb.Diagnostic.ERROR], validated.diagnostics
    assert plugin.shutdown() == 0


def test_no_certificate_or_any_file_is_written_to_home_or_the_cache(tmp_path: Path) -> None:
    with PluginProcess.start(tmp_path) as plugin:
        plugin.provider.GetProviderSchema(pb.GetProviderSchema.Request(), timeout=RPC_TIMEOUT)
        assert plugin.shutdown() == 0
    assert list((tmp_path / "home").rglob("*")) == []
    assert list((tmp_path / "cache").rglob("*")) == []


def test_the_plugin_starts_without_a_home(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-home"
    with PluginProcess.start(tmp_path, HOME=str(missing), XDG_CACHE_HOME=str(missing / ".cache")) as plugin:
        plugin.provider.GetProviderSchema(pb.GetProviderSchema.Request(), timeout=RPC_TIMEOUT)
        assert plugin.shutdown() == 0
    assert not missing.exists()


_PARENT = """
import subprocess, sys
plugin = subprocess.Popen([sys.executable, "-m", "terraform_provider_openai"], stdout=subprocess.PIPE, text=True)
handshake = plugin.stdout.readline()
print(plugin.pid, flush=True)
print(handshake, end="", flush=True)
sys.stdin.read()
"""


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="needs pidfd_open (Linux)")
def test_the_plugin_ends_when_terraform_is_killed_outright(tmp_path: Path) -> None:
    """SIGKILL leaves Terraform no time for Shutdown; with SIGINT ignored, only the parent's death
    can end the plugin then."""
    terraform = subprocess.Popen(
        [sys.executable, "-c", _PARENT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=plugin_env(tmp_path, make_certificate().cert_pem, teardown_marker(tmp_path)),
    )
    try:
        pid = int(read_line(terraform.stdout, 60) or "0")
        assert (read_line(terraform.stdout, 60) or "").startswith("1|6|unix|")
        pidfd = os.pidfd_open(pid)
        try:
            terraform.kill()
            terraform.wait()
            readable, _, _ = select.select([pidfd], [], [], 60)
            if not readable:
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)  # leave no orphan behind
            assert readable, "the plugin outlived its parent"
        finally:
            os.close(pidfd)
        # no Shutdown came: the interpreter's teardown ran, which waits for calls still running
        assert (tmp_path / "teardown-ran").exists()
    finally:
        if terraform.poll() is None:
            terraform.kill()
            terraform.wait()
        for stream in (terraform.stdin, terraform.stdout):
            assert stream is not None
            stream.close()


def test_dev_mode_still_ends_on_ctrl_c(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "PLUGIN_"))}
    env.update(HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "terraform_provider_openai", "--dev"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        line = read_line(proc.stdout, 60)
        assert line and line.startswith("export TF_REATTACH_PROVIDERS="), line
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 0
    finally:
        proc.kill()
        proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()


# ---- StopProvider wiring, in process ------------------------------------------------------------


def test_stop_provider_records_the_stop_and_leaves_calls_in_flight_running(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(stop, "_CONTROLLER", stop.StopController(grace=60))
    entered, release = threading.Event(), threading.Event()

    def slow_validate(self: Any, diags: Any, type_name: str, config: Any) -> None:
        entered.set()
        assert release.wait(RPC_TIMEOUT)

    monkeypatch.setattr(ChatCompletionResource, "validate", slow_validate)
    lifecycle = runner.Lifecycle()
    server = runner.build_server(OpenAIProvider(), lifecycle)
    sock = tmp_path / "p.sock"
    server.add_insecure_port(f"unix://{sock}")
    server.start()
    try:
        with grpc.insecure_channel(f"unix://{sock}") as channel:
            stub = rpc.ProviderStub(channel)
            config = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
            validating = stub.ValidateResourceConfig.future(
                pb.ValidateResourceConfig.Request(type_name=TYPE, config=dv(config)), timeout=RPC_TIMEOUT
            )
            assert entered.wait(RPC_TIMEOUT)
            stub.StopProvider(pb.StopProvider.Request(), timeout=RPC_TIMEOUT)
            assert stop.stopping()
            assert not lifecycle.wait(0)  # StopProvider does not end the server
            assert not validating.done()
            release.set()
            assert not validating.result().diagnostics
            stub.GetProviderSchema(pb.GetProviderSchema.Request(), timeout=RPC_TIMEOUT)
    finally:
        release.set()
        server.stop(0).wait()
