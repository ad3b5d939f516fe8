"""One version everywhere: `__version__` is the source; the package metadata (pyproject.toml's
dynamic version), `terraform-provider-openai --version`, the installed provider's directory and
file name, and the newest CHANGELOG.md heading all say the same."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from terraform_provider_openai import PROVIDER_ADDRESS, __version__
from terraform_provider_openai.install import install

REPO = Path(__file__).resolve().parents[2]


def test_pyproject_reads_the_version_from_the_package() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    attr = project["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "terraform_provider_openai.__version__"
    assert importlib.metadata.version("terraform-provider-openai") == __version__


def test_version_flag_and_command_print_it() -> None:
    for flag in ("--version", "version"):
        out = subprocess.run(
            [sys.executable, "-m", "terraform_provider_openai", flag],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert out == f"{__version__}\n"


def test_the_installed_provider_carries_it(tmp_path: Path) -> None:
    path = install(tmp_path, python=sys.executable)
    assert path.parent.parent.name == __version__
    assert path.name == f"terraform-provider-openai_v{__version__}"
    assert path.relative_to(tmp_path).parts[:4] == (*PROVIDER_ADDRESS.split("/"), __version__)


def test_the_newest_changelog_heading_is_this_version() -> None:
    headings = re.findall(
        r"^## (\d+\.\d+\.\d+)(?: \((?:Unreleased|[A-Z][a-z]+ \d{1,2}, \d{4})\))?$",
        (REPO / "CHANGELOG.md").read_text(),
        re.M,
    )
    assert headings and headings[0] == __version__
