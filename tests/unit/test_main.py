"""The console script's entry point."""

from __future__ import annotations

import os

import pytest

from terraform_provider_openai import __version__
from terraform_provider_openai.main import main


def test_without_magic_cookie_prints_usage_and_fails(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.delenv("TF_PLUGIN_MAGIC_COOKIE", raising=False)
    assert main([]) == 1
    out = capsys.readouterr().out
    assert "This program is a Terraform plugin" in out
    assert "terraform-provider-openai install" in out


def test_help_succeeds(capsys) -> None:
    assert main(["--help"]) == 0
    assert "terraform-provider-openai version" in capsys.readouterr().out


def test_version(capsys) -> None:
    assert main(["version"]) == 0
    assert capsys.readouterr().out.strip() == __version__


@pytest.mark.parametrize("command", ["serve", "install"])
def test_the_self_contained_package_says_which_commands_it_leaves_out(
    command: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setattr("sys.frozen", True, raising=False)
    assert main([command]) == 1
    err = capsys.readouterr().err
    assert f"terraform-provider-openai {command}: not part of this self-contained package" in err
    assert "pip install" in err


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({"LD_LIBRARY_PATH": "/bundle"}, None),
        ({"LD_LIBRARY_PATH": "/bundle", "LD_LIBRARY_PATH_ORIG": "/mine"}, "/mine"),
    ],
)
def test_the_self_contained_package_gives_children_the_callers_library_path(
    before: dict[str, str], after: str | None, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """PyInstaller's bootloader sets LD_LIBRARY_PATH to its bundled libraries (and keeps the
    caller's in LD_LIBRARY_PATH_ORIG); a program started by the provider must not inherit them."""
    monkeypatch.setattr("sys.frozen", True, raising=False)
    monkeypatch.delenv("LD_LIBRARY_PATH_ORIG", raising=False)
    for key, value in before.items():
        monkeypatch.setenv(key, value)
    assert main(["version"]) == 0
    assert capsys.readouterr().out.strip() == __version__
    assert os.environ.get("LD_LIBRARY_PATH") == after
    assert "LD_LIBRARY_PATH_ORIG" not in os.environ
