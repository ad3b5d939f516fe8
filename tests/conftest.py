"""Fixtures shared by the suites that drive the real `terraform` binary (e2e, module, examples)
against the local server. Each gets its own HOME and CLI configuration; nothing of the machine's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.localserver import LocalServer
from tests.support.terraform import TerraformHome, Workspace


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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(f"tests/{d}/" in str(item.fspath) for d in ("e2e", "module", "examples", "agreement", "docs")):
            item.add_marker(pytest.mark.e2e)
