"""Sample `terraform` itself (not the provider) with Linux `perf` during one `terraform plan`; print
where terraform's CPU goes, by Go function.

    python benchmarks/profile_terraform.py [-n 1000] [--shaped] [--rate 499] [--top 30]
    python benchmarks/profile_terraform.py -n 1000 --focus 'DeepCopy'      # who calls a function

Why: in a plan of 1000 `openai_chat_completion`, terraform spends ~4x the CPU it spends on 1000 Go
`null_resource` (bench_terraform.py), more than our provider does. This shows what it does with it.
`--shaped` profiles the null-shaped provider's resource instead (null's schema, our framework).

Needs `perf` (linux-tools; not a project dependency) with user-space sampling allowed
(`/proc/sys/kernel/perf_event_paranoid` <= 2). Terraform's release binaries are stripped of their
ELF symbol table, but every Go binary keeps `.gopclntab`, the table the Go runtime uses for its own
stack traces: this script reads function names from it (Go 1.18+ layout), so no Go toolchain is
needed. Stacks come from frame pointers (`perf record -g`), which Go keeps on amd64 and arm64.

Applies N resources against the local server in a temporary HOME first (as bench_terraform.py
does), then records one refreshing plan. Samples of the provider processes are left out.
"""

from __future__ import annotations

import argparse
import bisect
import collections
import shutil
import struct
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from tests.support.localserver import LocalServer  # noqa: E402
from tests.support.terraform import TerraformHome  # noqa: E402

from bench_terraform import (  # noqa: E402
    API_KEY,
    apply,
    install_launcher,
    null_config,
    openai_config,
    plan,
    plugin_platform,
)

#: `.gopclntab` magic numbers: Go 1.18-1.19, Go 1.20 and later.
_PCLNTAB_MAGIC = (0xFFFFFFF0, 0xFFFFFFF1)


# ---- Go function names from .gopclntab ----------------------------------------------------------


def _section(binary: bytes, name: bytes) -> tuple[int, bytes]:
    """The load address and the bytes of an ELF64 little-endian section."""
    if binary[:4] != b"\x7fELF" or binary[4] != 2 or binary[5] != 1:
        raise SystemExit("not a 64-bit little-endian ELF file")
    shoff = struct.unpack_from("<Q", binary, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", binary, 0x3A)

    def header(i: int) -> tuple[int, int, int, int]:
        name_off, _type, _flags, addr, offset, size = struct.unpack_from(
            "<IIQQQQ", binary, shoff + i * shentsize
        )
        return name_off, addr, offset, size

    _, _, names_at, names_size = header(shstrndx)
    names = binary[names_at : names_at + names_size]
    for i in range(shnum):
        name_off, addr, offset, size = header(i)
        if names[name_off : names.index(b"\0", name_off)] == name:
            return addr, binary[offset : offset + size]
    raise SystemExit(f"no {name.decode()} section: not a Go binary?")


class GoSymbols:
    """Address -> function name, from the function table of `.gopclntab`."""

    def __init__(self, path: Path) -> None:
        _, tab = _section(path.read_bytes(), b".gopclntab")
        magic, ptr_size = struct.unpack_from("<I", tab, 0)[0], tab[7]
        if magic not in _PCLNTAB_MAGIC or ptr_size != 8:
            raise SystemExit(f"unsupported .gopclntab (magic {magic:#x}, pointer size {ptr_size})")
        # header words: nfunc, nfiles, textStart, funcnameOffset, cuOffset, filetabOffset,
        # pctabOffset, pclnOffset (Go 1.20; Go 1.18-1.19 have the same first eight)
        nfunc, _, text_start, funcnames, _, _, _, functab = struct.unpack_from("<8Q", tab, 8)
        self.starts: list[int] = []
        self.names: list[str] = []
        for i in range(nfunc):
            entry, func = struct.unpack_from("<II", tab, functab + 8 * i)
            name_off = struct.unpack_from("<i", tab, functab + func + 4)[0]
            start = funcnames + name_off
            self.starts.append(text_start + entry)
            self.names.append(tab[start : tab.index(b"\0", start)].decode(errors="replace"))

    def name(self, address: int) -> str:
        i = bisect.bisect_right(self.starts, address) - 1
        return self.names[i] if i >= 0 else f"{address:#x}"


# ---- perf samples ------------------------------------------------------------------------------


def stacks(perf_script: Iterator[str], binary: Path, symbols: GoSymbols) -> Iterator[list[str]]:
    """Each sample of the terraform process as a list of function names, innermost first. Perf
    prints addresses inside a stripped binary as offsets from its first mapping (0x400000 for a
    non-PIE Go binary)."""
    tag = f"({binary})"
    frames: list[str] | None = None
    for line in perf_script:
        if not line.strip():
            if frames:
                yield frames
            frames = None
        elif not line[0].isspace():  # "<comm> <pid> <time>: <period> <event>:"
            frames = [] if line.split(None, 1)[0] == "terraform" else None
        elif frames is not None and line.rstrip().endswith(tag):
            frames.append(symbols.name(int(line.split(None, 1)[0], 16) + 0x400000))
    if frames:
        yield frames


def report(samples: list[list[str]], top: int, focus: str | None, depth: int) -> None:
    total = len(samples)
    print(f"{total} samples of terraform\n")
    if focus:
        callers: collections.Counter[str] = collections.Counter()
        for frames in samples:
            for i, frame in enumerate(frames):
                if focus in frame:
                    callers["\n      <- ".join(frames[i : i + depth])] += 1
                    break
        print(f"stacks through a function matching {focus!r}, {depth} frames up:")
        for chain, count in callers.most_common(top):
            print(f"{100 * count / total:6.1f}%  {chain}")
        return
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    for frames in samples:
        own[frames[0]] += 1
        inclusive.update(set(frames))
    print(f"top {top} cumulative (inclusive): % of samples")
    for name, count in inclusive.most_common(top):
        print(f"{100 * count / total:6.1f}%  {name}")
    print(f"\ntop {top} self (exclusive): % of samples")
    for name, count in own.most_common(top):
        print(f"{100 * count / total:6.1f}%  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="resources in the plan (default 1000)")
    parser.add_argument("--shaped", action="store_true", help="the null-shaped resource, not openai's")
    parser.add_argument("--rate", type=int, default=499, help="perf samples per second")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--focus", help="print the callers of functions whose name contains this")
    parser.add_argument("--depth", type=int, default=5, help="frames shown with --focus")
    args = parser.parse_args()
    if shutil.which("perf") is None:
        raise SystemExit("needs Linux perf (linux-tools); it is not a project dependency")

    root = Path(tempfile.mkdtemp(prefix="profile-terraform-"))
    try:
        home = TerraformHome(root / "tf")
        binary = Path(shutil.which(home.binary) or home.binary).resolve()
        symbols = GoSymbols(binary)
        if args.shaped:
            install_launcher(home.home / ".terraform.d" / "plugins", plugin_platform())
        with LocalServer.start(api_key=API_KEY) as server:
            ws = home.workspace(root / "work")
            ws.write(
                null_config(args.n, shaped=True) if args.shaped else openai_config(server.base_url, args.n)
            )
            ws.init()
            apply(ws)
            plan(ws)  # warm the OS caches and the provider's bytecode
            data = root / "perf.data"
            record = subprocess.run(
                ["perf", "record", "-q", "-g", "-F", str(args.rate), "-o", str(data), "--", str(binary)]
                + ["plan", "-no-color", "-input=false", "-detailed-exitcode", "-refresh=true"],
                cwd=ws.path,
                env=home.env(),
                capture_output=True,
                text=True,
            )
            if record.returncode != 0:
                raise SystemExit(
                    f"perf record / terraform plan failed ({record.returncode}):\n{record.stderr}"
                )
        script = subprocess.Popen(
            ["perf", "script", "-i", str(data), "-F", "comm,pid,tid,time,ip,dso"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert script.stdout is not None
        samples = list(stacks(script.stdout, binary, symbols))
        script.wait()
        report(samples, args.top, args.focus, args.depth)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
