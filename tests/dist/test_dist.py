"""The self-contained package (`make dist`, issue 15): built once per source state, installed from
its zip alone into a fresh HOME, and run by Terraform with a PATH that holds no Python, no
virtualenv, nothing but a `terraform` link. The provider reaches the local server over HTTPS (a
relay with a self-signed certificate that `SSL_CERT_FILE` names): TLS with the bundled OpenSSL.

Slow (the first build takes about half a minute, PyInstaller's part of it), so it reuses a build of
the same sources and packages under build/test-dist/. Skipped where PyInstaller is not installed
(it is in the `dev` extra, so `make test` and CI have it).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import importlib.metadata
import re
import ssl
import subprocess
import sys
import threading
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlparse

import pytest

from terraform_provider_openai import PROVIDER_ADDRESS, __version__
from terraform_provider_openai.install import current_platform
from tests.support.localserver import LocalServer
from tests.support.plugin import make_certificate
from tests.support.terraform import (
    REPO,
    TerraformHome,
    provider_block,
    required_providers,
    terraform_binary,
)

pytest.importorskip("PyInstaller", reason="the package is built with PyInstaller (the `dev` extra)")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.e2e,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the package is built for Linux"),
]

BUILD_OUT = REPO / "build" / "test-dist"
PLATFORM = current_platform()
EXECUTABLE = f"terraform-provider-openai_v{__version__}"


@dataclass(frozen=True)
class Package:
    zip: Path
    sums: Path
    mirror: Path


@pytest.fixture(scope="module")
def package() -> Package:
    build = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_dist.py"), "--out", str(BUILD_OUT), "--reuse"],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, f"build failed:\n{build.stdout}\n{build.stderr}"
    return Package(
        zip=BUILD_OUT / f"terraform-provider-openai_{__version__}_{PLATFORM}.zip",
        sums=BUILD_OUT / f"terraform-provider-openai_{__version__}_SHA256SUMS",
        mirror=BUILD_OUT / "mirror",
    )


class PythonFreeHome(TerraformHome):
    """A fresh HOME, nothing installed; terraform and the providers it starts get an environment
    of their own (no PYTHON*, VIRTUAL_ENV or LD_LIBRARY_PATH of the test run) whose PATH is one
    directory holding a link to terraform: no python3 there, not even /usr/bin's."""

    def __init__(self, root: Path, cli_config: str = "") -> None:
        self.bin_dir = root / "bin"
        self.bin_dir.mkdir(parents=True)
        (self.bin_dir / "terraform").symlink_to(terraform_binary())
        super().__init__(root, str(self.bin_dir / "terraform"), install=False)
        self.cli_config.write_text(cli_config)

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {
            "PATH": str(self.bin_dir),
            "HOME": str(self.home),
            "TF_CLI_CONFIG_FILE": str(self.cli_config),
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
        }
        env.update(extra or {})
        return env


def mirror_config(mirror: Path) -> str:
    return f"""\
provider_installation {{
  filesystem_mirror {{
    path    = "{mirror}"
    include = ["{PROVIDER_ADDRESS}"]
  }}
  direct {{
    exclude = ["{PROVIDER_ADDRESS}"]
  }}
}}
"""


class HttpsFront:
    """``https://localhost:<port>/v1`` in front of the local server (plain HTTP): the packaged
    provider must speak TLS with its bundled OpenSSL and trust the CA file that ``SSL_CERT_FILE``
    names, as it trusts the system's certificates in front of the real API."""

    def __init__(self, backend_url: str, directory: Path) -> None:
        pair = make_certificate()  # self-signed, DNS:localhost, serverAuth
        self.ca_file = directory / "ca.pem"
        self.ca_file.write_bytes(pair.cert_pem)
        (directory / "server.pem").write_bytes(pair.cert_pem + pair.key_pem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(directory / "server.pem")
        backend = urlparse(backend_url)
        self._backend = (backend.hostname or "127.0.0.1", backend.port or 80)
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._relay, "127.0.0.1", 0, ssl=context)
        )
        self.base_url = f"https://localhost:{self._server.sockets[0].getsockname()[1]}/v1"
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    async def _relay(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.connections += 1  # only after a TLS handshake the client accepted
        reader, writer = await asyncio.open_connection(*self._backend)

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(1 << 16):
                    sink.write(data)
                    await sink.drain()
            finally:
                sink.close()

        await asyncio.gather(pump(client_reader, writer), pump(reader, client_writer), return_exceptions=True)

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def configuration(base_url: str) -> str:
    return (
        required_providers()
        + provider_block(base_url)
        + """
resource "openai_chat_completion" "x" {
  model    = "gpt-4o"
  messages = [{ role = "user", content = "Hello from the zip" }]
}
output "content" { value = openai_chat_completion.x.content }
"""
    )


def h1(archive: Path) -> str:
    """Terraform's `h1:` hash of a package: of the files it unpacks, not of the zip (Go's
    dirhash.Hash1: sha256 of the sorted `<sha256 hex>  <path>` lines)."""
    with zipfile.ZipFile(archive) as z:
        names = sorted(i.filename for i in z.infolist() if not i.is_dir())
        lines = "".join(f"{hashlib.sha256(z.read(n)).hexdigest()}  {n}\n" for n in names)
    return "h1:" + base64.b64encode(hashlib.sha256(lines.encode()).digest()).decode()


def locked_hashes(workdir: Path) -> list[str]:
    text = (workdir / ".terraform.lock.hcl").read_text()
    block = re.search(r'provider "' + re.escape(PROVIDER_ADDRESS) + r'" \{(.*?)\n\}', text, re.S)
    assert block, text
    assert f'version = "{__version__}"' in block.group(1)
    return re.findall(r'"((?:h1|zh):[^"]+)"', block.group(1))


def creates(server: LocalServer) -> list[dict[str, Any]]:
    return [r for r in server.requests() if r["method"] == "POST" and r["path"] == "/v1/chat/completions"]


def test_sha256sums_names_the_zip_and_its_hash(package: Package) -> None:
    digest = hashlib.sha256(package.zip.read_bytes()).hexdigest()
    assert package.sums.read_text() == f"{digest}  {package.zip.name}\n"
    mirrored = package.mirror.joinpath(*PROVIDER_ADDRESS.split("/"), package.zip.name)
    assert mirrored.read_bytes() == package.zip.read_bytes()
    with zipfile.ZipFile(package.zip) as z:
        names = z.namelist()
        modes = {i.filename: i.external_attr >> 16 for i in z.infolist()}
    assert EXECUTABLE in names and modes[EXECUTABLE] & 0o111
    assert all(n == EXECUTABLE or n.startswith("_internal/") for n in names)
    # the plugin's runtime data is in; the local server and the build's test tools are not
    assert "_internal/terraform_provider_openai/spec/chat-completions.openapi.json" in names
    for left_out in (
        "terraform_provider_openai/localserver/",
        "starlette/",
        "sse_starlette/",
        "uvicorn/",
        "jsonschema/",
    ):
        assert not any(f"/{left_out}" in f"/{n}" for n in names), left_out
    for left_out in ("mypy/", "pytest/", "_pytest/", "ruff"):
        assert not any(n.startswith(f"_internal/{left_out}") for n in names), left_out


def test_init_apply_destroy_from_the_zip_alone(package: Package, local: LocalServer, tmp_path: Path) -> None:
    home = PythonFreeHome(tmp_path / "tf", mirror_config(package.mirror))
    ws = home.workspace(tmp_path / "work")
    front = HttpsFront(local.base_url, tmp_path)
    ws.write(configuration(front.base_url))

    ws.init()
    installed = ws.path.joinpath(
        ".terraform", "providers", *PROVIDER_ADDRESS.split("/"), __version__, PLATFORM
    )
    executable = installed / EXECUTABLE
    assert executable.read_bytes()[:4] == b"\x7fELF"  # the frozen program, not a launcher script
    assert executable.stat().st_mode & 0o111, "terraform's unzip lost the executable bit"
    assert (installed / "_internal").is_dir()

    with front:
        ws.apply(env={"SSL_CERT_FILE": str(front.ca_file)})
        assert front.connections >= 1
        assert ws.outputs()["content"] == "Local reply to: Hello from the zip"
        assert len(creates(local)) == 1
        assert "Destroy complete! Resources: 1 destroyed." in ws.destroy().stdout
    assert len(creates(local)) == 1

    # the lock file records the hash of what the zip holds; `providers lock` agrees
    assert locked_hashes(ws.path) == [h1(package.zip)]
    locker = home.workspace(tmp_path / "lock")
    locker.write(required_providers())
    locker.run("providers", "lock", "-no-color", f"-fs-mirror={package.mirror}", f"-platform={PLATFORM}")
    assert locked_hashes(locker.path) == [h1(package.zip)]


def test_init_with_plugin_dir_and_the_versions_agree(package: Package, tmp_path: Path) -> None:
    home = PythonFreeHome(tmp_path / "tf")  # empty CLI configuration: only -plugin-dir finds it
    ws = home.workspace(tmp_path / "work")
    ws.write(required_providers() + provider_block("http://127.0.0.1:9/v1"))
    ws.run("init", "-no-color", "-input=false", f"-plugin-dir={package.mirror}")
    ws.run("validate", "-no-color")  # starts the provider for its schema

    executable = ws.path.joinpath(
        ".terraform", "providers", *PROVIDER_ADDRESS.split("/"), __version__, PLATFORM, EXECUTABLE
    )
    shown = subprocess.run(
        [executable, "--version"], env=home.env(), capture_output=True, text=True, check=True
    )
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"].get("version")
    versions = {
        "--version": shown.stdout.strip(),
        "zip name": package.zip.name.split("_")[1],
        "__version__": __version__,
        "installed metadata": importlib.metadata.version("terraform-provider-openai"),
        "pyproject.toml": declared or __version__,  # a dynamic version is __version__ itself
    }
    assert set(versions.values()) == {__version__}, versions

    serve = subprocess.run([executable, "serve"], env=home.env(), capture_output=True, text=True)
    assert serve.returncode == 1
    assert "not part of this self-contained package" in serve.stderr
