#!/usr/bin/env python3
"""`make dist`: the provider as a package that needs no Python, installed like a Go provider.

    python scripts/build_dist.py [--out dist] [--work build/dist] [--reuse]

Writes, for this machine's platform (linux_amd64 here):

- ``<out>/terraform-provider-openai_<version>_<platform>.zip``: the PyInstaller one-dir build of
  the plugin (``scripts/terraform-provider-openai.spec``), i.e. the executable
  ``terraform-provider-openai_v<version>`` and its ``_internal/`` directory. Terraform unpacks the
  whole zip and runs the executable. The zip is deterministic for given build output: entries
  sorted, no directory entries, fixed timestamps, Unix modes (the executable bit survives).
- ``<out>/terraform-provider-openai_<version>_SHA256SUMS``: ``sha256  zip name``, as Go providers
  publish them. Terraform's lock file records the same sha256 as ``zh:``.
- ``<out>/mirror/registry.local/openai/openai/terraform-provider-openai_<version>_<platform>.zip``:
  the packed layout of a filesystem mirror, for ``terraform init -plugin-dir <out>/mirror`` or a
  ``provider_installation { filesystem_mirror { path = "<out>/mirror" } }`` block.

The version is the package's ``__version__`` (what ``--version`` prints), checked against the
installed distribution's metadata (pyproject.toml). With ``--reuse``, a previous build in
``<out>`` made from the same sources and the same installed packages is kept as it is (the tests
use this: one build per source state, not one per test session).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import shutil
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
SPEC = REPO / "scripts" / "terraform-provider-openai.spec"
DISTRIBUTION = "terraform-provider-openai"
STAMP = "build-input.json"
#: Zip entries' timestamp (the earliest a zip can hold): the same bytes in, the same zip out.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
#: Deflate level 1: 4x faster than the default 6 for a 7% larger zip (30 against 28 MB).
ZIP_LEVEL = 1
UNIX = 3  # ZipInfo.create_system: Go's archive/zip reads modes only from Unix (or macOS) entries


def version() -> str:
    sys.path.insert(0, str(SRC))
    from terraform_provider_openai import __version__

    installed = importlib.metadata.version(DISTRIBUTION)
    if installed != __version__:
        raise SystemExit(
            f"terraform_provider_openai.__version__ is {__version__} but the installed {DISTRIBUTION} is "
            f"{installed}: reinstall the package (pip install -e .) so that both agree"
        )
    return __version__


def platform_name() -> str:
    sys.path.insert(0, str(SRC))
    from terraform_provider_openai.install import current_platform

    return current_platform()


def build_input() -> dict[str, str]:
    """What the build is made from: the provider's sources, the build files, and the installed
    packages (name and version). A change in any of them means a new build."""
    files = hashlib.sha256()
    package = SRC / "terraform_provider_openai"
    sources = [p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    for path in sorted([*sources, SPEC, Path(__file__).resolve(), REPO / "pyproject.toml"]):
        files.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes() + b"\0")
    packages = sorted(f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions())
    return {
        "sources": files.hexdigest(),
        "packages": hashlib.sha256("\n".join(packages).encode()).hexdigest(),
        "python": sys.version,
    }


def pyinstaller(name: str, work: Path) -> Path:
    """Run the spec; returns the one-dir application directory (the executable inside is `name`)."""
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN"]
        + ["--workpath", str(work / "pyinstaller"), "--distpath", str(work / "app"), str(SPEC)]
        + ["--", "--name", name, "--src", str(SRC)],
        check=True,
    )
    return work / "app" / name


def write_zip(app: Path, target: Path) -> None:
    """Every file under `app` (relative paths), sorted, with its Unix mode and a fixed timestamp."""
    files = sorted(p for p in app.rglob("*") if not p.is_dir())
    links = [p for p in files if p.is_symlink()]
    if links:  # Terraform's unzip writes a link's target path as the file's content
        raise SystemExit(f"symbolic links in the build, which a provider zip cannot hold: {links[:3]}")
    tmp = target.with_name(target.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as archive:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(app).as_posix(), date_time=ZIP_TIME)
            info.create_system = UNIX
            executable = path.stat().st_mode & stat.S_IXUSR
            info.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
            archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED, ZIP_LEVEL)
    os.replace(tmp, target)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def artifacts(out: Path, ver: str, platform: str) -> tuple[Path, Path, Path]:
    """(zip, SHA256SUMS, the zip in the mirror layout) under `out`."""
    zip_name = f"terraform-provider-openai_{ver}_{platform}.zip"
    sys.path.insert(0, str(SRC))
    from terraform_provider_openai import PROVIDER_ADDRESS

    return (
        out / zip_name,
        out / f"terraform-provider-openai_{ver}_SHA256SUMS",
        out.joinpath("mirror", *PROVIDER_ADDRESS.split("/"), zip_name),
    )


def build(out: Path, work: Path, reuse: bool = False) -> Path:
    """Build (or, with `reuse`, keep a build of the same input) and return the zip's path."""
    ver, platform = version(), platform_name()
    zip_path, sums, mirrored = artifacts(out, ver, platform)
    stamp = out / STAMP
    wanted = build_input()
    if reuse and stamp.is_file() and json.loads(stamp.read_text()) == wanted and mirrored.is_file():
        print(f"{zip_path}: up to date (same sources and packages)")
        return zip_path
    name = f"terraform-provider-openai_v{ver}"
    start = time.perf_counter()
    app = pyinstaller(name, work)
    built = time.perf_counter()
    shown = subprocess.run([str(app / name), "--version"], capture_output=True, text=True, check=True)
    if shown.stdout.strip() != ver:
        raise SystemExit(f"{name} --version printed {shown.stdout!r}, expected {ver}")
    out.mkdir(parents=True, exist_ok=True)
    stamp.unlink(missing_ok=True)
    write_zip(app, zip_path)
    sums.write_text(f"{sha256(zip_path)}  {zip_path.name}\n")
    mirrored.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(zip_path, mirrored)
    stamp.write_text(json.dumps(wanted, indent=2) + "\n")
    done = time.perf_counter()
    size = zip_path.stat().st_size / 1e6
    print(
        f"{zip_path} ({size:.0f} MB): PyInstaller {built - start:.1f} s, zip {done - built:.1f} s\n"
        f"{sums}\n{mirrored}"
    )
    return zip_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "dist", help="where the zip goes (default: dist/)")
    parser.add_argument(
        "--work", type=Path, default=REPO / "build" / "dist", help="PyInstaller's work (default: build/dist/)"
    )
    parser.add_argument("--reuse", action="store_true", help="keep a build of the same input in --out")
    args = parser.parse_args()
    build(args.out.absolute(), args.work.absolute(), args.reuse)


if __name__ == "__main__":
    main()
