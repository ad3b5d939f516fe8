"""The provider and the local server stay apart.

* The provider never imports `terraform_provider_openai.localserver`: the server needs the
  `server` extra, and anything it loads would be paid at every provider start. The one exception
  is the console script's `serve` subcommand (main.py), imported inside the function that runs it.
* The local server imports nothing of the package but its own submodules and the shared leaf
  modules (SHARED_LEAVES), so that it checks the provider from the outside and the two can be
  changed, installed and started independently.
* Names the framework redefines with other behaviour (framework/README.md) are never taken from
  `tf` outside the framework.

Checked twice: statically (the imports in the source, parsed with `ast`) and dynamically (what is
in `sys.modules` after importing the entry points, in a fresh interpreter).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

PACKAGE = "terraform_provider_openai"
ROOT = Path(__file__).resolve().parents[2] / "src" / PACKAGE
LOCALSERVER = f"{PACKAGE}.localserver"
# Modules both sides may import: plain data and pure functions, importing nothing of the package
# but each other. (`rules` and `spec` may not exist yet; they are allowed in advance.)
SHARED_LEAVES = frozenset({"rules", "spec", "marker"})
# (file, module): a provider module that may import the local server, inside a function only.
PROVIDER_EXCEPTIONS = frozenset({("main.py", f"{LOCALSERVER}.cli")})
# tf names the framework replaces with its own behaviour: module -> names.
TF_SHADOWED = {
    "tf.types": {"Number", "List", "Map", "Set"},
    "tf.utils": {"read_dynamic_value", "to_dynamic_value"},
    "tf.provider": {"ProviderServicer"},
    "tf.runner": {"run_provider"},
    "tf.iface": {"PlanContext", "Resource", "DataSource", "Provider"},
}


def _module_name(path: Path) -> str:
    parts = [PACKAGE, *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package_of(path: Path) -> str:
    name = _module_name(path)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _is_module(name: str) -> bool:
    rel = Path(*name.split(".")[1:]) if "." in name else Path()
    return (ROOT / rel).with_suffix(".py").is_file() or (ROOT / rel / "__init__.py").is_file()


def _imports(path: Path) -> Iterator[tuple[str, ast.AST, bool]]:
    """(imported module, node, at module level) for every import in a file, relative ones resolved;
    `from package import name` yields package.name when that is a module of ours."""
    tree = ast.parse(path.read_text(), str(path))
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node, id(node) in top_level
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package_of(path).split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield module, node, id(node) in top_level
            for alias in node.names:
                if module.startswith(PACKAGE) and _is_module(f"{module}.{alias.name}"):
                    yield f"{module}.{alias.name}", node, id(node) in top_level
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value, node, False


def _provider_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if "localserver" not in p.relative_to(ROOT).parts)


def _localserver_files() -> list[Path]:
    return sorted((ROOT / "localserver").rglob("*.py"))


def _is_localserver(module: str) -> bool:
    return module == LOCALSERVER or module.startswith(LOCALSERVER + ".")


def test_no_provider_module_imports_the_local_server() -> None:
    found = []
    for path in _provider_files():
        rel = str(path.relative_to(ROOT))
        for module, node, top_level in _imports(path):
            if not _is_localserver(module):
                continue
            if (rel, module) in PROVIDER_EXCEPTIONS and not top_level:
                continue
            found.append(f"{rel}:{node.lineno}: {module}")
    assert not found, "provider modules importing the local server:\n" + "\n".join(found)


def test_the_local_server_imports_only_itself_and_the_shared_leaves() -> None:
    found = []
    for path in _localserver_files():
        for module, node, _ in _imports(path):
            if module != PACKAGE and not module.startswith(PACKAGE + "."):
                continue
            if _is_localserver(module):
                continue
            leaf = module.split(".")[1] if "." in module else None
            if leaf in SHARED_LEAVES:
                continue
            # `from terraform_provider_openai import marker` also yields the bare package first
            if module == PACKAGE and isinstance(node, ast.ImportFrom):
                names = {alias.name for alias in node.names}
                if names <= SHARED_LEAVES:
                    continue
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {module}")
    assert not found, (
        f"the local server imports package modules other than {sorted(SHARED_LEAVES)}:\n" + "\n".join(found)
    )


def test_the_shared_leaves_import_nothing_of_the_package_but_each_other() -> None:
    found = []
    for leaf in sorted(SHARED_LEAVES):
        path = ROOT / f"{leaf}.py"
        if not path.is_file():
            path = ROOT / leaf / "__init__.py"
        if not path.is_file():
            continue
        for module, node, _ in _imports(path):
            if not module.startswith(PACKAGE + "."):
                continue
            if module.split(".")[1] not in SHARED_LEAVES:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {module}")
    assert not found, "a shared leaf module imports the package:\n" + "\n".join(found)


def test_names_the_framework_redefines_are_not_taken_from_tf() -> None:
    found = []
    for path in _provider_files():
        if path.relative_to(ROOT).parts[0] == "framework":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module in TF_SHADOWED:
                clash = {a.name for a in node.names} & TF_SHADOWED[node.module]
                if clash:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.module} {sorted(clash)}")
    assert not found, (
        "these tf names have a framework counterpart that behaves differently "
        "(framework/README.md); import them from terraform_provider_openai.framework:\n" + "\n".join(found)
    )


def _loaded_after(code: str) -> list[str]:
    """The package and server modules in sys.modules after running ``code`` in a fresh interpreter."""
    probe = (
        f"{code}\n"
        "import json, sys\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        f"({PACKAGE!r}, 'starlette', 'uvicorn'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_provider_entry_points_do_not_load_the_local_server() -> None:
    loaded = _loaded_after(
        "import contextlib, io\n"
        "from terraform_provider_openai.framework.gen import tfplugin6_8_pb2 as pb\n"
        "from terraform_provider_openai import main, install, leftovers\n"
        "from terraform_provider_openai.framework import runner\n"
        "from terraform_provider_openai.provider import OpenAIProvider\n"
        "from terraform_provider_openai.framework.servicer import ProviderServicer\n"
        "provider = OpenAIProvider()\n"
        "runner.build_server(provider, runner.Lifecycle())\n"
        "ProviderServicer(provider).GetProviderSchema(pb.GetProviderSchema.Request(), None)\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main.main(['--help'])\n"
    )
    assert f"{PACKAGE}.provider" in loaded and f"{PACKAGE}.resources.chat_completion" in loaded
    server = [
        m
        for m in loaded
        if _is_localserver(m) or m.split(".")[0] in ("starlette", "sse_starlette", "uvicorn")
    ]
    assert not server, f"the provider loaded the local server: {server}"


def test_the_local_server_loads_only_itself_and_the_shared_leaves() -> None:
    modules = [_module_name(p) for p in _localserver_files() if p.name != "__main__.py"]
    loaded = _loaded_after("\n".join(f"import {m}" for m in modules))
    allowed = {PACKAGE, *(f"{PACKAGE}.{leaf}" for leaf in SHARED_LEAVES)}
    extra = [m for m in loaded if m.startswith(PACKAGE) and not _is_localserver(m) and m not in allowed]
    assert not extra, f"importing the local server loaded package modules: {extra}"
