"""Drive the real `terraform` binary in isolated temporary directories.

Every run gets its own HOME, CLI configuration and plugin directories, never the machine's. The
provider is installed once per test session with `terraform-provider-openai install` into that
HOME's implied local mirror (`~/.terraform.d/plugins`), exactly as a user would.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
PROVIDER_SOURCE = "registry.local/openai/openai"

# Variables of the machine or the user that must not leak into a test's Terraform run.
_SCRUBBED_ENV_PREFIXES = ("TF_", "OPENAI_", "AZURE_OPENAI_", "CHECKPOINT_")


def terraform_binary() -> str:
    """`$TERRAFORM`, else `terraform` on PATH, else the one `make` fetched into `.tools/`."""
    candidates = [
        os.environ.get("TERRAFORM"),
        shutil.which("terraform"),
        str(REPO / ".tools" / "bin" / "terraform"),
    ]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError(
        "No terraform binary: run `make test` (it fetches one) or set TERRAFORM=/path/to/terraform"
    )


def terraform_version(binary: str) -> tuple[int, int, int]:
    out = subprocess.run([binary, "version", "-json"], capture_output=True, text=True, check=True).stdout
    try:
        version = json.loads(out)["terraform_version"]
    except ValueError:  # very old versions print text
        version = re.search(r"v(\d+\.\d+\.\d+)", out).group(1)  # type: ignore[union-attr]
    major, minor, patch = (int(x) for x in version.split("-")[0].split("."))
    return major, minor, patch


#: How every skip for an old terraform starts: tests/conftest.py counts them in the summary.
TOO_OLD = "needs Terraform >= "


def version_text(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))


def too_old(have: tuple[int, int, int], need: str, why: str) -> str | None:
    """The skip reason when `have` is older than `need` ("1.5"), else None."""
    wanted = tuple(int(x) for x in need.split("."))
    if have >= wanted:
        return None
    return f"{TOO_OLD}{need} ({why}); this is {version_text(have)}"


def require_terraform(have: tuple[int, int, int], need: str, why: str) -> None:
    """Skip the running test, saying which version it needs and why, when `have` is older."""
    reason = too_old(have, need, why)
    if reason is not None:
        import pytest

        pytest.skip(reason)


@dataclass
class Result:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def __str__(self) -> str:
        return f"$ terraform {' '.join(self.args)} -> {self.returncode}\n{self.stdout}\n{self.stderr}"


class TerraformHome:
    """An isolated HOME with an empty CLI configuration and, unless `install` is false, the
    provider installed (`terraform-provider-openai install`)."""

    def __init__(self, root: Path, binary: str | None = None, *, install: bool = True):
        self.root = root
        self.binary = binary or terraform_binary()
        self.version = terraform_version(self.binary)
        self.home = root / "home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.cli_config = root / "terraformrc"
        self.cli_config.write_text("# empty: the provider is found in the implied local mirror\n")
        self.install: subprocess.CompletedProcess[str] | None = None
        if install:
            self.install = subprocess.run(
                [sys.executable, "-m", "terraform_provider_openai", "install"],
                env={**self.env(), "PATH": os.environ.get("PATH", "")},
                capture_output=True,
                text=True,
                check=True,
            )

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_ENV_PREFIXES)}
        env.update(
            {
                "HOME": str(self.home),
                "XDG_CACHE_HOME": str(self.home / ".cache"),
                "XDG_CONFIG_HOME": str(self.home / ".config"),
                "XDG_DATA_HOME": str(self.home / ".local" / "share"),
                "TF_CLI_CONFIG_FILE": str(self.cli_config),
                "TF_IN_AUTOMATION": "1",
                "CHECKPOINT_DISABLE": "1",
            }
        )
        env.update(extra or {})
        return env

    def workspace(self, path: Path) -> Workspace:
        path.mkdir(parents=True, exist_ok=True)
        return Workspace(self, path)

    def provider_schema(self, path: Path) -> dict[str, Any]:
        """The installed provider's schema as `terraform providers schema -json` reports it (its
        entry under PROVIDER_SOURCE: `provider`, `resource_schemas`, `data_source_schemas`), from a
        workspace made at `path` that only requires the provider."""
        ws = self.workspace(path)
        ws.write(required_providers(), "versions.tf")
        ws.init()
        schemas = json.loads(ws.run("providers", "schema", "-json").stdout)
        return dict(schemas["provider_schemas"][PROVIDER_SOURCE])


def required_providers() -> str:
    return textwrap.dedent(
        f"""\
        terraform {{
          required_providers {{
            openai = {{
              source = "{PROVIDER_SOURCE}"
            }}
          }}
        }}
        """
    )


def provider_block(base_url: str, api_key: str = "sk-local-test", **settings: Any) -> str:
    """`provider "openai"` pointing at a server; settings are rendered as HCL (strings, numbers, maps)."""
    lines = (
        [f'  api_key  = "{api_key}"', f'  base_url = "{base_url}"']
        if base_url
        else [f'  api_key = "{api_key}"']
    )
    for key, value in settings.items():
        lines.append(f"  {key} = {hcl(value)}")
    return 'provider "openai" {\n' + "\n".join(lines) + "\n}\n"


def hcl(value: Any) -> str:
    """A Python value as an HCL expression."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(hcl(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {hcl(v)}" for k, v in value.items()) + " }"
    raise TypeError(type(value))


class Workspace:
    """One Terraform working directory."""

    def __init__(self, home: TerraformHome, path: Path):
        self.home = home
        self.path = path

    def write(self, text: str, name: str = "main.tf") -> Path:
        target = self.path / name
        target.write_text(textwrap.dedent(text))
        return target

    def run(
        self, *args: str, check: bool = True, env: dict[str, str] | None = None, timeout: float = 300
    ) -> Result:
        proc = subprocess.run(
            [self.home.binary, *args],
            cwd=self.path,
            env=self.home.env(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        result = Result(list(args), proc.returncode, proc.stdout, proc.stderr)
        if check and proc.returncode != 0:
            raise AssertionError(f"terraform failed:\n{result}")
        return result

    def init(self, **kw: Any) -> Result:
        return self.run("init", "-no-color", "-input=false", **kw)

    def plan(self, *args: str, **kw: Any) -> Result:
        return self.run("plan", "-no-color", "-input=false", *args, **kw)

    def plan_exit_code(self, *args: str) -> tuple[int, Result]:
        """0 = no changes, 2 = changes, 1 = error (terraform plan -detailed-exitcode)."""
        result = self.run("plan", "-no-color", "-input=false", "-detailed-exitcode", *args, check=False)
        return result.returncode, result

    def apply(self, *args: str, **kw: Any) -> Result:
        return self.run("apply", "-no-color", "-input=false", "-auto-approve", *args, **kw)

    def destroy(self, *args: str, **kw: Any) -> Result:
        return self.run("destroy", "-no-color", "-input=false", "-auto-approve", *args, **kw)

    def plan_json(self, *args: str) -> dict[str, Any]:
        """The saved plan as `terraform show -json` renders it."""
        self.run("plan", "-no-color", "-input=false", "-out=tfplan", *args)
        return json.loads(self.run("show", "-json", "tfplan").stdout)

    def state(self) -> dict[str, Any]:
        """`terraform show -json` of the current state."""
        return json.loads(self.run("show", "-json").stdout)

    def resource(self, address: str) -> dict[str, Any]:
        """The attribute values of one resource in state."""
        values = self.state().get("values") or {}
        modules = [values.get("root_module") or {}]
        while modules:
            module = modules.pop()
            for res in module.get("resources", []):
                if res["address"] == address:
                    return res["values"]
            modules.extend(module.get("child_modules", []))
        raise KeyError(address)

    def outputs(self) -> dict[str, Any]:
        raw = json.loads(self.run("output", "-json").stdout)
        return {k: v["value"] for k, v in raw.items()}

    def raw_state(self) -> str:
        return (self.path / "terraform.tfstate").read_text()
