"""`terraform-provider-openai install`: make the provider available to a plain `terraform init`.

It writes an unpacked filesystem-mirror package under the address `registry.local/openai/openai`:

    <dir>/registry.local/openai/openai/<version>/<os>_<arch>/terraform-provider-openai_v<version>

The executable there is a small launcher script, byte-for-byte the same on every machine and for
every platform, so the `h1:` hash that `terraform init` writes into `.terraform.lock.hcl` on one
machine matches the package installed on another. Which Python runs the provider is recorded next
to the mirror (``<dir>/.terraform-provider-openai-python``), not inside the package.

The default directory, ``~/.terraform.d/plugins``, is one Terraform searches by itself (an implied
local mirror): no CLI configuration and no ``dev_overrides`` are needed.

It also compiles the package's bytecode. Terraform starts the provider three to five times per
command; without ``.pyc`` files every start compiles the provider's modules again (~25 ms of each
start), which is what happens to a clone installed with ``pip install -e`` wherever
``PYTHONDONTWRITEBYTECODE`` is set (Python then reads ``.pyc`` files but never writes them). A wheel
installed by pip is compiled already; an unwritable package directory is left as it is.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import os
import stat
import subprocess
import sys
from pathlib import Path

from terraform_provider_openai import PROVIDER_ADDRESS, __version__

POINTER_NAME = ".terraform-provider-openai-python"
PLATFORMS = ("linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64")

LAUNCHER = """\
#!/bin/sh
# terraform-provider-openai launcher, written by `terraform-provider-openai install`.
# It is the same on every machine (so .terraform.lock.hcl hashes match) and runs the provider
# with the Python recorded by the last install, or with $TF_PROVIDER_OPENAI_PYTHON.
py="${TF_PROVIDER_OPENAI_PYTHON:-}"
if [ -z "$py" ]; then
  self=$(readlink -f "$0" 2>/dev/null || printf '%s' "$0")
  pointer="$(dirname "$self")/../../../../../.terraform-provider-openai-python"
  if [ -r "$pointer" ]; then
    IFS= read -r py < "$pointer"
  fi
fi
if [ -z "$py" ] || [ ! -x "$py" ]; then
  echo "terraform-provider-openai: no Python recorded for this provider; run 'terraform-provider-openai install' again" >&2
  exit 1
fi
exec "$py" -m terraform_provider_openai "$@"
"""


def default_plugin_dir() -> Path:
    return Path.home() / ".terraform.d" / "plugins"


def current_platform() -> str:
    machine = os.uname().machine.lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    return f"{sys.platform}_{arch}"


def install(plugin_dir: Path, python: str | None = None) -> Path:
    """Install the launcher for every platform under `plugin_dir`; returns the current platform's."""
    plugin_dir = plugin_dir.expanduser().absolute()
    host, namespace, name = PROVIDER_ADDRESS.split("/")
    base = plugin_dir / host / namespace / name / __version__
    executable = f"terraform-provider-{name}_v{__version__}"
    platforms = sorted({*PLATFORMS, current_platform()})
    for platform in platforms:
        target = base / platform
        target.mkdir(parents=True, exist_ok=True)
        path = target / executable
        tmp = target / f".{executable}.tmp"
        tmp.write_text(LAUNCHER)
        tmp.chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
        os.replace(tmp, path)
    pointer = plugin_dir / POINTER_NAME
    tmp_pointer = plugin_dir / f"{POINTER_NAME}.tmp"
    tmp_pointer.write_text((python or sys.executable) + "\n")
    os.replace(tmp_pointer, pointer)
    compile_bytecode(python)
    return base / current_platform() / executable


_COMPILE = (
    "import compileall, os, terraform_provider_openai as p; "
    "compileall.compile_dir(os.path.dirname(p.__file__), quiet=2)"
)


def compile_bytecode(python: str | None = None) -> None:
    """Write the package's ``.pyc`` files for the Python that runs the provider (best effort: up to
    date ones are skipped, an unwritable directory leaves the provider working, only slower to
    start)."""
    # not realpath: a virtualenv's python is a link to its base interpreter, whose packages differ
    if python is None or os.path.abspath(python) == os.path.abspath(sys.executable):
        compileall.compile_dir(str(Path(__file__).parent), quiet=2)
        return
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        subprocess.run([python, "-c", _COMPILE], capture_output=True, timeout=120, check=False)


def usage_text(plugin_dir: Path, implied: bool) -> str:
    lines = [
        "Use it in your configuration with:",
        "",
        "terraform {",
        "  required_providers {",
        "    openai = {",
        f'      source  = "{PROVIDER_ADDRESS}"',
        f'      version = "{__version__}"',
        "    }",
        "  }",
        "}",
    ]
    if not implied:
        lines += [
            "",
            f"{plugin_dir} is not a directory Terraform searches by itself; add this to your CLI",
            "configuration (~/.terraformrc or the file TF_CLI_CONFIG_FILE names):",
            "",
            "provider_installation {",
            "  filesystem_mirror {",
            f'    path    = "{plugin_dir}"',
            f'    include = ["{PROVIDER_ADDRESS}"]',
            "  }",
            "  direct {",
            f'    exclude = ["{PROVIDER_ADDRESS}"]',
            "  }",
            "}",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="terraform-provider-openai install",
        description="Install the provider where `terraform init` finds it.",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="plugin directory (default: ~/.terraform.d/plugins, which Terraform searches by itself)",
    )
    parser.add_argument(
        "--python", default=None, help="Python interpreter that runs the provider (default: this one)"
    )
    args = parser.parse_args(argv)
    plugin_dir = (args.dir or default_plugin_dir()).expanduser().absolute()
    try:
        path = install(plugin_dir, args.python)
    except OSError as exc:
        print(f"terraform-provider-openai install: cannot write to {plugin_dir}: {exc}", file=sys.stderr)
        return 1
    implied = plugin_dir == default_plugin_dir().absolute()
    print(f"Installed {PROVIDER_ADDRESS} {__version__} at {path}")
    print()
    print(usage_text(plugin_dir, implied), end="")
    return 0
