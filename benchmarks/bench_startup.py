"""Provider start-to-handshake time, next to `python -c pass` measured in the same run.

Terraform starts the provider several times per command, so this is paid often. Prints medians
and the ratio; never part of the test run.
"""

from __future__ import annotations

import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time

RUNS = int(os.environ.get("BENCH_RUNS", "15"))


def _time_pass() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


def _time_handshake(env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "terraform_provider_openai"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - start
    proc.kill()
    proc.wait()
    if not line.startswith("1|6|unix|"):
        raise SystemExit(f"no handshake line: {line!r}")
    return elapsed


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


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "HOME": home,
            "XDG_CACHE_HOME": os.path.join(home, ".cache"),
            "TF_PLUGIN_MAGIC_COOKIE": "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
            "PLUGIN_CLIENT_CERT": _client_cert(),  # as terraform passes it: AutoMTLS on
        }
        _time_handshake(env)  # warm the OS file cache
        baseline = statistics.median(_time_pass() for _ in range(RUNS))
        provider = statistics.median(_time_handshake(env) for _ in range(RUNS))
    print(f"python -c pass            : {baseline * 1000:7.1f} ms (median of {RUNS})")
    print(f"provider start->handshake : {provider * 1000:7.1f} ms (median of {RUNS})")
    print(f"ratio                     : {provider / baseline:7.2f}x")


if __name__ == "__main__":
    main()
