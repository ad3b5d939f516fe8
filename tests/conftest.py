"""Fixtures shared by the suites that drive the real `terraform` binary (e2e, module, examples)
against the local server. Each gets its own HOME and CLI configuration; nothing of the machine's."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.localserver import LocalServer
from tests.support.terraform import (
    TOO_OLD,
    TerraformHome,
    Workspace,
    terraform_binary,
    terraform_version,
    too_old,
    version_text,
)


@pytest.fixture(scope="session")
def tf_home(tmp_path_factory: pytest.TempPathFactory) -> TerraformHome:
    """An isolated HOME with the provider installed, shared by the session (install runs once)."""
    return TerraformHome(tmp_path_factory.mktemp("terraform"))


@pytest.fixture(scope="session")
def provider_schema(tf_home: TerraformHome, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The installed provider's schema, as `terraform providers schema -json` reports it."""
    return tf_home.provider_schema(tmp_path_factory.mktemp("schema"))


@pytest.fixture(scope="session")
def server() -> Iterator[LocalServer]:
    with LocalServer.start() as srv:
        yield srv


@pytest.fixture
def local(server: LocalServer) -> LocalServer:
    """The session's server, emptied (requests, stored completions, faults) for this test."""
    server.reset()
    return server


@pytest.fixture
def ws(tf_home: TerraformHome, tmp_path: Path) -> Workspace:
    return tf_home.workspace(tmp_path / "work")


@functools.cache
def _terraform() -> tuple[str, tuple[int, int, int]]:
    binary = terraform_binary()
    return binary, terraform_version(binary)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(f"tests/{d}/" in str(item.fspath) for d in ("e2e", "module", "examples", "agreement", "docs")):
            item.add_marker(pytest.mark.e2e)
        marker = item.get_closest_marker("requires_terraform")
        if marker is not None:
            # `@pytest.mark.requires_terraform("1.5", "import blocks")`: skipped, naming the version
            # and the reason, when $TERRAFORM (or the one on PATH) is older
            reason = too_old(_terraform()[1], *marker.args)
            if reason is not None:
                item.add_marker(pytest.mark.skip(reason=reason))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many tests an old terraform left out, and how to run them."""
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if TOO_OLD in str(r.longrepr)]
    if not skipped:
        return
    binary, version = _terraform()
    terminalreporter.write_sep(
        "-",
        f"{len(skipped)} test{'s' if len(skipped) != 1 else ''} skipped: they need a newer Terraform "
        f"than {version_text(version)} ({binary}); set TERRAFORM=/path/to/terraform to run them",
    )
