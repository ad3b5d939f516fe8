"""`terraform-provider-openai install`: the same launcher bytes everywhere, and the pointer file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from terraform_provider_openai import PROVIDER_ADDRESS, __version__
from terraform_provider_openai.install import LAUNCHER, PLATFORMS, POINTER_NAME, install, main


def test_launcher_is_identical_for_every_platform(tmp_path: Path) -> None:
    current = install(tmp_path, python="/opt/py/bin/python3")
    base = tmp_path.joinpath(*PROVIDER_ADDRESS.split("/"), __version__)
    launchers = sorted(base.glob(f"*/terraform-provider-openai_v{__version__}"))
    assert {p.parent.name for p in launchers} >= set(PLATFORMS)
    assert current in launchers
    assert {p.read_bytes() for p in launchers} == {LAUNCHER.encode()}
    assert all(os.access(p, os.X_OK) for p in launchers)
    # the Python is recorded next to the mirror, not inside the package
    assert (tmp_path / POINTER_NAME).read_text() == "/opt/py/bin/python3\n"
    assert "/opt/py" not in LAUNCHER


def test_reinstall_overwrites_the_pointer(tmp_path: Path) -> None:
    install(tmp_path, python="/a/python")
    install(tmp_path, python="/b/python")
    assert (tmp_path / POINTER_NAME).read_text() == "/b/python\n"
    assert not list(tmp_path.rglob("*.tmp"))


def test_launcher_runs_the_recorded_python(tmp_path: Path) -> None:
    launcher = install(tmp_path, python=sys.executable)
    out = subprocess.run(
        [str(launcher), "version"], capture_output=True, text=True, env={"PATH": os.environ["PATH"]}
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == __version__


def test_launcher_without_pointer_explains(tmp_path: Path) -> None:
    launcher = install(tmp_path, python=sys.executable)
    (tmp_path / POINTER_NAME).unlink()
    out = subprocess.run([str(launcher)], capture_output=True, text=True, env={"PATH": os.environ["PATH"]})
    assert out.returncode == 1
    assert "run 'terraform-provider-openai install' again" in out.stderr


def test_main_prints_usage_for_a_custom_dir(tmp_path: Path, capsys) -> None:
    assert main(["--dir", str(tmp_path / "plugins")]) == 0
    out = capsys.readouterr().out
    assert f"Installed {PROVIDER_ADDRESS} {__version__}" in out
    assert "filesystem_mirror" in out  # not an implied mirror: the CLI config is explained


def test_install_compiles_the_provider_so_that_its_starts_compile_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Terraform starts the provider several times per command; where PYTHONDONTWRITEBYTECODE is set
    (Python reads .pyc files but never writes them), only install's compilation spares each start
    from compiling the provider's modules again. The bytecode goes to an empty cache of this test's
    own (`pycache_prefix`), so .pyc files already in the checkout cannot make it pass."""
    cache = tmp_path / "pycache"
    monkeypatch.setattr(sys, "pycache_prefix", str(cache))
    install(tmp_path / "plugins", python=sys.executable)
    modules = (
        "terraform_provider_openai.main",
        "terraform_provider_openai.framework.runner",
        "terraform_provider_openai.framework.servicer",
        "terraform_provider_openai.provider",
        "terraform_provider_openai.resources.chat_completion",
        "terraform_provider_openai.data_sources",
        "terraform_provider_openai.ephemeral_resources",
    )
    out = subprocess.run(
        [sys.executable, "-v", "-c", "import " + ", ".join(modules)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": str(cache)},
        check=True,
    )
    package = str(Path(__import__("terraform_provider_openai").__file__).parent)
    # "# code object from '<...>.pyc'" when read from bytecode; the bare source path when compiled
    compiled = [line for line in out.stderr.splitlines() if line.startswith(f"# code object from {package}")]
    assert not compiled, compiled
