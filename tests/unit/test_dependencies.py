"""What the provider imports is declared in pyproject.toml, what is declared is used, and
docs/dependencies.md says why each one is there."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "src" / "terraform_provider_openai"
# Declared without being imported by us, each for a reason docs/dependencies.md gives.
NOT_IMPORTED = {"pydantic"}


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _project() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def _declared(group: str | None) -> set[str]:
    project = _project()
    requirements = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return {_name(r) for r in requirements if not r.startswith(project["name"])}


def _imported_distributions(files: list[Path]) -> dict[str, set[str]]:
    """Distribution name -> the files that import it (third-party imports only)."""
    dists = packages_distributions()
    found: dict[str, set[str]] = {}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots = [node.module.split(".")[0]]
            else:
                continue
            for root in roots:
                if root in sys.stdlib_module_names or root == "terraform_provider_openai":
                    continue
                for dist in dists.get(root, [root]):
                    found.setdefault(dist.lower().replace("_", "-"), set()).add(str(path.relative_to(REPO)))
    return found


def _sources(server: bool) -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if (p.relative_to(PACKAGE).parts[0] == "localserver") == server]


def test_the_provider_imports_only_runtime_dependencies():
    undeclared = {
        dist: files
        for dist, files in _imported_distributions(_sources(server=False)).items()
        if dist not in _declared(None)
    }
    assert not undeclared, f"imported but not in [project] dependencies: {undeclared}"


def test_the_local_server_imports_only_runtime_and_server_dependencies():
    allowed = _declared(None) | _declared("server")
    undeclared = {
        dist: files
        for dist, files in _imported_distributions(_sources(server=True)).items()
        if dist not in allowed
    }
    assert not undeclared, f"imported by localserver but not declared (runtime or server): {undeclared}"


def test_every_runtime_and_server_dependency_is_imported():
    used = set(
        _imported_distributions(_sources(server=False)) | _imported_distributions(_sources(server=True))
    )
    unused = (_declared(None) | _declared("server")) - used - NOT_IMPORTED
    assert not unused, (
        f"declared but imported nowhere in src/ (drop it, or say why in NOT_IMPORTED): {unused}"
    )


def test_dependencies_md_names_every_declared_package():
    text = (REPO / "docs" / "dependencies.md").read_text()
    named = {m.lower() for m in re.findall(r"`([A-Za-z0-9_.-]+)`", text)}
    groups = [None, *_project()["optional-dependencies"]]
    missing = {dist for group in groups for dist in _declared(group)} - named
    assert not missing, f"docs/dependencies.md does not say why these are declared: {sorted(missing)}"
