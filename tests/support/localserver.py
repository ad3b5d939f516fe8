"""Start the project's local OpenAI-compatible server in a subprocess, for any test suite.

    with LocalServer.start(api_key="sk-test") as server:
        client = OpenAI(base_url=server.base_url, api_key="sk-test")
        ...
        assert server.requests()[-1]["status"] == 200

Standard library only (urllib), so any suite can use it whatever else it has installed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Self

STARTUP_TIMEOUT_S = 20.0


class LocalServerError(RuntimeError):
    """The server did not start, or an admin call failed."""


class LocalServer:
    """A running ``terraform-provider-openai serve`` process."""

    def __init__(self, process: subprocess.Popen[str], base_url: str, stderr_path: Path) -> None:
        self.process = process
        self.base_url = base_url  # "http://127.0.0.1:PORT/v1"
        self.root_url = base_url.removesuffix("/v1")
        self.azure_endpoint = self.root_url  # for AzureOpenAI(azure_endpoint=...)
        self.port = int(self.root_url.rsplit(":", 1)[1])
        self._stderr_path = stderr_path
        self.stdout_lines: list[str] = []
        self._drain = threading.Thread(target=self._drain_stdout, daemon=True)
        self._drain.start()

    @classmethod
    def start(
        cls,
        *extra_args: str,
        db: str | os.PathLike[str] | None = None,
        api_key: str | None = None,
        env: dict[str, str] | None = None,
        timeout: float = STARTUP_TIMEOUT_S,
    ) -> LocalServer:
        """Launch the server on a free port and wait (up to ``timeout`` s) for its base URL."""
        cmd = [sys.executable, "-m", "terraform_provider_openai.localserver", "--port", "0"]
        if db is not None:
            cmd += ["--db", os.fspath(db)]
        if api_key is not None:
            cmd += ["--api-key", api_key]
        cmd += list(extra_args)
        fd, name = tempfile.mkstemp(prefix="localserver-", suffix=".stderr")
        stderr_path = Path(name)
        with os.fdopen(fd, "w") as stderr:
            process = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                env={**os.environ, **(env or {})},
            )
        first: list[str] = []
        reader = threading.Thread(
            target=lambda: first.append(process.stdout.readline() if process.stdout else "")
        )
        reader.daemon = True
        reader.start()
        reader.join(timeout)
        line = first[0].strip() if first else ""
        if not line.startswith("http"):
            process.kill()
            process.wait()
            detail = stderr_path.read_text(errors="replace")
            stderr_path.unlink(missing_ok=True)
            raise LocalServerError(
                f"local server did not start within {timeout}s (first line {line!r}):\n{detail}"
            )
        return cls(process, line, stderr_path)

    def _drain_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.stdout_lines.append(line.rstrip("\n"))

    # --- admin API ------------------------------------------------------------------------------

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """Call an admin route (``/_admin/...``) and return the parsed JSON answer."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.root_url + path, data=data, method=method)
        if data is not None:
            req.add_header("content-type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise LocalServerError(
                f"{method} {path}: {exc.code} {exc.read().decode(errors='replace')}"
            ) from None

    def requests(self) -> list[dict[str, Any]]:
        """Every request to /v1 and /openai since the last clear, in order (keys redacted)."""
        return list(self.admin("GET", "/_admin/requests")["requests"])

    def clear_requests(self) -> None:
        self.admin("DELETE", "/_admin/requests")

    def reset(self) -> None:
        """Forget requests, stored completions and pending faults."""
        self.admin("POST", "/_admin/reset")

    def inject_fault(self, kind: str, count: int = 1, path_prefix: str | None = None) -> None:
        """Fail the next ``count`` matching requests with ``kind`` (e.g. "429", "500", "drop")."""
        body: dict[str, Any] = {"kind": kind, "count": count}
        if path_prefix is not None:
            body["path_prefix"] = path_prefix
        self.admin("POST", "/_admin/faults", body)

    # --- lifecycle ------------------------------------------------------------------------------

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, wait, and return the exit code (killed if it does not stop in time)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._drain.join(timeout)
        self._stderr_path.unlink(missing_ok=True)
        return self.process.returncode

    def stderr(self) -> str:
        try:
            return self._stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
