"""framework/hclog.py: the provider's log lines as go-plugin reads them, at Terraform's level."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from terraform_provider_openai.framework import hclog


@pytest.mark.parametrize(
    ("env", "level"),
    [
        ({}, None),
        ({"TF_LOG": "off"}, None),
        ({"TF_LOG": "trace"}, hclog.TRACE),
        ({"TF_LOG": "JSON"}, hclog.TRACE),
        ({"TF_LOG": "debug"}, logging.DEBUG),
        ({"TF_LOG": "WARN"}, logging.WARNING),
        ({"TF_LOG": "ERROR"}, logging.ERROR),
        ({"TF_LOG": "verbose"}, hclog.TRACE),  # Terraform: an unknown level is TRACE
        ({"TF_LOG": "TRACE", "TF_LOG_PROVIDER": "INFO"}, logging.INFO),
        ({"TF_LOG_PROVIDER": "DEBUG"}, logging.DEBUG),
    ],
)
def test_the_level_is_terraforms_provider_log_level(env: dict[str, str], level: int | None) -> None:
    assert hclog.level_from_env(env) == level


def _record(level: int, msg: str, *args: object, **fields: object) -> logging.LogRecord:
    record = logging.LogRecord("terraform_provider_openai.client", level, __file__, 1, msg, args, None)
    record.fields = fields
    return record


def test_a_line_is_what_go_plugin_parses() -> None:
    line = hclog.Formatter().format(
        _record(logging.DEBUG, "API call: %s", "POST", status=200, request_id="req_1", duration_ms=1.5)
    )
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["@level"] == "debug" and entry["@message"] == "API call: POST"
    assert entry["@module"] == "provider.client"
    assert entry["status"] == 200 and entry["request_id"] == "req_1" and entry["duration_ms"] == 1.5
    # go-plugin: time.Parse("2006-01-02T15:04:05.000000Z07:00", ...) or the line is logged raw at DEBUG
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", entry["@timestamp"])
    datetime.fromisoformat(entry["@timestamp"])


@pytest.mark.parametrize(
    ("level", "name"),
    [(hclog.TRACE, "trace"), (logging.DEBUG, "debug"), (logging.INFO, "info"), (logging.WARNING, "warn")]
    + [(logging.ERROR, "error"), (logging.CRITICAL, "error")],
)
def test_levels_have_hclog_names(level: int, name: str) -> None:
    assert json.loads(hclog.Formatter().format(_record(level, "x")))["@level"] == name


def test_message_and_string_fields_are_masked_reserved_keys_kept() -> None:
    formatter = hclog.Formatter(mask=lambda text: text.replace("sk-secret", "***"))
    entry = json.loads(
        formatter.format(
            _record(logging.INFO, "key %s", "sk-secret", body='{"k": "sk-secret"}', **{"@level": "x"})
        )
    )
    assert entry["@message"] == "key ***" and entry["body"] == '{"k": "***"}' and entry["@level"] == "info"


def test_without_tf_log_the_provider_writes_nothing(tmp_path: Path) -> None:
    """Terraform shows no provider log without TF_LOG: the provider does not even write one."""
    script = (
        "import logging\n"
        "from terraform_provider_openai.framework.runner import _configure_logging\n"
        "_configure_logging()\n"
        "logging.getLogger('terraform_provider_openai.client').error('not shown')\n"
    )
    env = {"PATH": "", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == ""
