"""Sample the provider with py-spy while `terraform plan` refreshes N completions; print the top frames.

    python -m pip install py-spy          # into the venv; not a project dependency
    python benchmarks/profile_plan.py [-n 1000] [--rate 250] [--gil] [--out DIR]
    python benchmarks/profile_plan.py --apply -n 100 [--latency-ms 0]   # the create path instead

Applies N `openai_chat_completion` (not stored) against the local server in a temporary HOME,
then runs one `terraform plan` with TF_PROVIDER_OPENAI_PYTHON pointing at a wrapper that execs
the venv's Python and attaches `py-spy record --pid` to it (py-spy's own `record -- cmd` would
write to the provider's stdout, where terraform expects the handshake line). The first ~0.3 s of
each process (imports, up to the handshake) are not sampled: bench_startup.py covers those.

Prints the frames with the most samples, inclusive ("cumulative") and exclusive ("self"), summed
over every provider process of the plan; py-spy's raw collapsed stacks stay in --out (feed them
to flamegraph.pl or speedscope). Idle threads are not sampled, so this is where the CPU goes.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from tests.support.localserver import LocalServer  # noqa: E402
from tests.support.terraform import TerraformHome  # noqa: E402

from bench_terraform import API_KEY, apply, openai_config, plan  # noqa: E402

WRAPPER = """\
#!/bin/sh
# Run the provider as the launcher would, with py-spy attached once the interpreter is up.
(sleep {delay}; exec {pyspy} record --nonblocking --format raw -r {rate} {gil}\\
   -o {out}/provider-$$.raw --pid $$ >/dev/null 2>{out}/provider-$$.err) &
exec {python} "$@"
"""

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>.*?)(?::(?P<line>\d+))?\)$")


def short(frame: str) -> str:
    """`func (path/to/file.py:12)` -> `func (pkg/file.py)`; the line is dropped to merge a function."""
    m = _FRAME.match(frame)
    if not m:
        return frame
    path = m["file"]
    for marker in ("site-packages/", "/src/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{m['func']} ({path})"


def aggregate(files: list[Path]) -> tuple[int, collections.Counter[str], collections.Counter[str]]:
    total = 0
    inclusive: collections.Counter[str] = collections.Counter()
    exclusive: collections.Counter[str] = collections.Counter()
    for f in files:
        for line in f.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            n = int(count)
            frames = [short(fr) for fr in stack.split(";")]
            total += n
            for fr in set(frames):
                inclusive[fr] += n
            exclusive[frames[-1]] += n
    return total, inclusive, exclusive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="completions in the plan (default 1000)")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument(
        "--gil", action="store_true", help="sample only the thread holding the GIL (Python CPU time)"
    )
    parser.add_argument("--idle", action="store_true", help="sample waiting threads too (wall time)")
    parser.add_argument("--apply", action="store_true", help="profile the apply of N, not the plan")
    parser.add_argument("--latency-ms", type=int, default=0, help="server latency (for --apply)")
    parser.add_argument("--out", type=Path, help="keep py-spy's raw stacks here (default: temporary)")
    args = parser.parse_args()
    pyspy = shutil.which("py-spy", path=os.path.dirname(sys.executable)) or shutil.which("py-spy")
    if not pyspy:
        raise SystemExit("py-spy not found: python -m pip install py-spy (into this venv)")

    root = Path(tempfile.mkdtemp(prefix="profile-plan-"))
    out = (args.out or root / "profiles").absolute()
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("provider-*.raw"):
        old.unlink()
    wrapper = root / "python-with-py-spy"
    wrapper.write_text(
        WRAPPER.format(
            delay=0.3,
            pyspy=pyspy,
            rate=args.rate,
            gil=("--gil " if args.gil else "") + ("--idle " if args.idle else ""),
            out=out,
            python=sys.executable,
        )
    )
    wrapper.chmod(0o755)
    try:
        home = TerraformHome(root / "tf")
        with LocalServer.start("--latency-ms", str(args.latency_ms), api_key=API_KEY) as server:
            ws = home.workspace(root / "ws")
            ws.write(openai_config(server.base_url, args.n))
            ws.init()
            profiled = {"TF_PROVIDER_OPENAI_PYTHON": str(wrapper)}
            what = "apply" if args.apply else "plan"
            if args.apply:
                print(f"# apply {args.n} under py-spy", file=sys.stderr, flush=True)
                start = time.perf_counter()
                ws.apply(env=profiled)
                elapsed = time.perf_counter() - start
            else:
                print(f"# apply {args.n}", file=sys.stderr, flush=True)
                apply(ws)
                print(f"# plan {args.n} under py-spy", file=sys.stderr, flush=True)
                elapsed = plan(ws, env=profiled)
        time.sleep(1.0)  # py-spy writes its file when the process it samples is gone
        files = sorted(out.glob("provider-*.raw"))
        total, inclusive, exclusive = aggregate(files)
        print(f"{what} of {args.n}: {elapsed:.2f} s; {len(files)} provider processes, {total} samples")
        if not total:
            for err in out.glob("provider-*.err"):
                print(err.read_text(), file=sys.stderr)
            raise SystemExit("no samples")
        for title, counter in (("cumulative (inclusive)", inclusive), ("self (exclusive)", exclusive)):
            print(f"\ntop {args.top} {title}: % of samples")
            for frame, n in counter.most_common(args.top):
                print(f"{100 * n / total:6.1f}%  {frame}")
        if args.out:
            print(f"\nraw stacks: {out}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
