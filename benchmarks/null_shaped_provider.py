"""A provider with exactly `null_resource`'s schema, served by this project's framework (issue 11).

    python benchmarks/null_shaped_provider.py          # as terraform starts it (magic cookie set)
    install_launcher(plugin_dir, version)              # from bench_terraform.py

`bench_terraform.py` plans N `nullshape_resource` next to N Go `null_resource` and N
`openai_chat_completion`. The schema is the one `terraform providers schema -json` shows for
hashicorp/null 2.1.2's `null_resource` (`id`: optional+computed string; `triggers`: optional map of
string, whose change replaces the instance), so terraform handles the same state per instance as
with Go's null, while the gRPC server, the AutoMTLS relay (`framework/tlsrelay.py`), the servicer
and the DynamicValue encoding are ours. The difference in terraform's own CPU between this and Go's
null is what our way of talking costs terraform; the rest of the openai resource's is its schema.

Benchmark code only: nothing in `src/` knows about it. It is installed under its own source address
(`registry.local/bench/nullshape`) in the implied local mirror of the benchmark's temporary HOME.
"""

from __future__ import annotations

import os
import secrets
import shlex
import signal
import stat
import sys
from pathlib import Path

from tf.schema import Attribute, Schema
from tf.utils import Diagnostics

from terraform_provider_openai.framework.resource import (
    Context,
    ProviderDefaults,
    ResourceBase,
    State,
)
from terraform_provider_openai.framework.types import Map, String

ADDRESS = "registry.local/bench/nullshape"
VERSION = "0.0.1"
TYPE_NAME = "nullshape_resource"


class NullShapedResource(ResourceBase):
    """`null_resource`: a random id at create, nothing else; a change of `triggers` replaces it."""

    name = "resource"
    _schema = Schema(
        version=0,
        attributes=[
            Attribute("id", String(), optional=True, computed=True),
            Attribute("triggers", Map(String()), optional=True, requires_replace=True),
        ],
    )

    @classmethod
    def get_schema(cls) -> Schema:
        return cls._schema

    def create(self, ctx: Context, planned: State) -> State:
        return {**planned, "id": str(secrets.randbits(63))}


class NullShapedProvider(ProviderDefaults):
    """`framework.resource.ProviderBase` with one resource and an empty configuration."""

    _schema = Schema(attributes=[])

    def get_model_prefix(self) -> str:
        return "nullshape_"

    def full_name(self) -> str:
        return ADDRESS

    def get_provider_schema(self, diags: Diagnostics) -> Schema:
        return self._schema

    def validate_config(self, diags: Diagnostics, config: State) -> None:
        pass

    def configure_provider(self, diags: Diagnostics, config: State) -> None:
        pass

    def get_resources(self) -> list[type[ResourceBase]]:
        return [NullShapedResource]


# As install.py's launcher, without the pointer file: a benchmark's mirror lives one run, so the
# Python and this script are written into it (the package hash does not need to travel).
LAUNCHER = """\
#!/bin/sh
# null-shaped benchmark provider (benchmarks/null_shaped_provider.py), written by bench_terraform.py
exec {python} {script} "$@"
"""


def install_launcher(plugin_dir: Path, platform: str, python: str = sys.executable) -> Path:
    """Write the launcher as `<plugin_dir>/registry.local/bench/nullshape/<VERSION>/<platform>/...`."""
    host, namespace, name = ADDRESS.split("/")
    target = plugin_dir / host / namespace / name / VERSION / platform
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"terraform-provider-{name}_v{VERSION}"
    path.write_text(
        LAUNCHER.format(python=shlex.quote(python), script=shlex.quote(str(Path(__file__).resolve())))
    )
    path.chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    return path


def is_null_shaped_provider(argv: list[str]) -> bool:
    """This script's processes (the launcher execs Python on it)."""
    return any(a.endswith("/" + Path(__file__).name) for a in argv[1:3])


def main() -> int:
    if os.environ.get("TF_PLUGIN_MAGIC_COOKIE"):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # as main.py: terraform handles Ctrl-C
    from terraform_provider_openai.framework.runner import run_provider

    # a function making the provider, as main.py passes ours: built while the handshake goes out
    return run_provider(NullShapedProvider, sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
