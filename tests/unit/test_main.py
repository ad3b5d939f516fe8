"""The console script's entry point."""

from __future__ import annotations

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
