"""The plugin's transport with the real terraform: states over gRPC's default 4 MiB message limit,
and a Ctrl-C during `terraform apply` that must not lose the create in flight."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from typing import IO

from tests.support.plugin import BlockingCompletionServer
from tests.support.terraform import Workspace, provider_block, required_providers

RESOURCE = """
resource "openai_chat_completion" "x" {
  model    = "gpt-4o"
  messages = [{ role = "user", content = file("${path.module}/prompt.txt") }]
  %s
}
"""


def _apply_plan_destroy(ws: Workspace, base_url: str, prompt: str, extra: str = "") -> dict:
    ws.write(prompt, "prompt.txt")
    ws.write(required_providers() + provider_block(base_url) + RESOURCE % extra)
    ws.init()
    ws.apply()
    state = ws.resource("openai_chat_completion.x")
    code, result = ws.plan_exit_code()
    assert code == 0, result  # no changes: every UpgradeResourceState/ReadResource/Plan went through
    ws.destroy()
    assert ws.state().get("values") is None
    return state


def test_plan_and_destroy_after_a_1mb_prompt(ws, local) -> None:
    prompt = "lorem ipsum " * (1024 * 1024 // 12)
    state = _apply_plan_destroy(ws, local.base_url, prompt)
    assert state["content"] == "Local reply to: " + prompt
    assert len(ws.raw_state()) < 1024  # destroyed


def test_plan_and_destroy_after_128_choices_of_a_40kb_prompt(ws, local) -> None:
    """The local server echoes the prompt in each choice: a state entry of about 5 MB."""
    prompt = "dolor sit amet " * (40 * 1024 // 15)
    state = _apply_plan_destroy(ws, local.base_url, prompt, "n = 128")
    assert len(state["choices"]) == 128
    assert sum(len(c["message"][0]["content"]) for c in state["choices"]) > 5_000_000


def _collect(
    stream: IO[str], lines: list[str], marker: str = "", seen: threading.Event | None = None
) -> None:
    for line in stream:
        lines.append(line)
        if seen is not None and marker in line:
            seen.set()


def test_ctrl_c_during_apply_keeps_the_completion_in_state(ws) -> None:
    """A terminal's Ctrl-C sends SIGINT to terraform and the provider (one process group); terraform
    then calls StopProvider and waits. The create in flight must finish and reach the state."""
    with BlockingCompletionServer() as api:
        ws.write("wait for me", "prompt.txt")
        ws.write(required_providers() + provider_block(api.base_url, max_retries=0) + RESOURCE % "")
        ws.init()
        proc = subprocess.Popen(
            [ws.home.binary, "apply", "-no-color", "-input=false", "-auto-approve"],
            cwd=ws.path,
            env=ws.home.env({"TF_LOG_PROVIDER": "INFO"}),  # the provider's log lines on stderr
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group, as in a terminal
        )
        out: list[str] = []
        err: list[str] = []
        stopped = threading.Event()
        readers = [
            threading.Thread(target=_collect, args=(proc.stdout, out), daemon=True),
            threading.Thread(
                target=_collect, args=(proc.stderr, err, "StopProvider: stop recorded", stopped), daemon=True
            ),
        ]
        for reader in readers:
            reader.start()
        try:
            assert api.received.wait(120), "the create never reached the API"
            os.killpg(proc.pid, signal.SIGINT)
            assert stopped.wait(120), "terraform's StopProvider never reached the provider:\n" + "".join(err)
            api.release.set()
            proc.wait(300)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for reader in readers:
            reader.join(30)
    output = "".join(out) + "".join(err)
    assert "Plugin did not respond" not in output, output
    assert "Interrupt received" in output, output
    state = ws.resource("openai_chat_completion.x")
    assert state["id"] == "chatcmpl-held"
    assert state["content"] == "Held reply to: wait for me"
    assert len(api.bodies) == 1
