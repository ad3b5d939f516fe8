#!/usr/bin/env python3
"""Regenerate the tfplugin6 stubs in src/terraform_provider_openai/framework/gen/ from tfplugin6_8.proto.

    python scripts/gen_tfplugin.py          # regenerate (a pinned grpcio-tools in .tools/, made once)
    python scripts/gen_tfplugin.py --check  # exit 1 when the checked-in stubs differ from a fresh run

The generator is pinned (GRPCIO_TOOLS): grpcio-tools 1.67.1 bundles protoc 27.2, whose Python code
asks for a protobuf runtime of 5.27.2 or later within major version 5 (`tf` itself needs 5.28.3 or
later, below 6) and a grpcio of 1.67.1 or later (`tf` needs the same). A newer grpcio-tools
generates code that refuses the older runtimes that `tf`'s range still allows: move the pin only
together with the `protobuf`/`grpcio` lower bounds in pyproject.toml.

One change is made to protoc's output: the messages are built in a descriptor pool of their own
instead of protobuf's default pool. `tf` registers its older tfplugin6 messages (same package, same
names) in the default pool as soon as `tf.schema` is imported, and a second file defining
`tfplugin6.DynamicValue` there is refused ("duplicate symbol"). The wire format does not depend on
the pool: the service path stays `/tfplugin6.Provider/...`.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
PROTO = Path("terraform_provider_openai/framework/gen/tfplugin6_8.proto")
GEN = SRC / PROTO.parent
GRPCIO_TOOLS = "1.67.1"
TOOLS_VENV = REPO / ".tools" / f"grpcio-tools-{GRPCIO_TOOLS}"
OUTPUTS = ("tfplugin6_8_pb2.py", "tfplugin6_8_pb2.pyi", "tfplugin6_8_pb2_grpc.py")

_DEFAULT_POOL = "DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile("
_OWN_POOL = (
    "# A pool of its own (scripts/gen_tfplugin.py): `tf` has older tfplugin6 messages of the same names\n"
    "# in the default pool.\n"
    "_POOL = _descriptor_pool.DescriptorPool()\n"
    "_POOL.AddSerializedFile(google_dot_protobuf_dot_timestamp__pb2.DESCRIPTOR.serialized_pb)\n"
    "DESCRIPTOR = _POOL.AddSerializedFile("
)


def _tools_python() -> Path:
    python = TOOLS_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(TOOLS_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", f"grpcio-tools=={GRPCIO_TOOLS}"], check=True
        )
    return python


def _own_pool(pb2: Path) -> None:
    text = pb2.read_text()
    if text.count(_DEFAULT_POOL) != 1:
        raise SystemExit(f"{pb2.name}: protoc's output changed; cannot move it to its own descriptor pool")
    pb2.write_text(text.replace(_DEFAULT_POOL, _OWN_POOL))


def generate(out: Path) -> None:
    """protoc's Python, stub and gRPC output for PROTO, written under `out` (a source root)."""
    subprocess.run(
        [
            str(_tools_python()),
            "-m",
            "grpc_tools.protoc",
            f"--proto_path={SRC}",
            f"--python_out={out}",
            f"--pyi_out={out}",
            f"--grpc_python_out={out}",
            str(PROTO),
        ],
        check=True,
        cwd=REPO,
    )
    _own_pool(out / PROTO.parent / "tfplugin6_8_pb2.py")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="compare with a fresh run, change nothing")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp))
        fresh = Path(tmp) / PROTO.parent
        if args.check:
            stale = [name for name in OUTPUTS if not filecmp.cmp(fresh / name, GEN / name, shallow=False)]
            for name in stale:
                print(f"out of date: {GEN.relative_to(REPO) / name}", file=sys.stderr)
            return 1 if stale else 0
        for name in OUTPUTS:
            shutil.copyfile(fresh / name, GEN / name)
            os.chmod(GEN / name, 0o644)
    print(f"regenerated {', '.join(OUTPUTS)} in {GEN.relative_to(REPO)} (grpcio-tools {GRPCIO_TOOLS})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
