"""Secrets are masked in every form an error message or a log line may carry them."""

from __future__ import annotations

import base64
import io
import json
import logging
from urllib.parse import quote, quote_plus

import pytest

from terraform_provider_openai import masking
from terraform_provider_openai.masking import MASK, Masker, SecretFilter, mask

KEY = "sk-proj-Zq8W3x7Rt2Ky9Lm4+/Ab="


def leaks(text: str, secret: str = KEY) -> bool:
    """Whether any run of 8 characters of the secret survives in the text."""
    return any(secret[i : i + 8] in text for i in range(len(secret) - 7))


@pytest.mark.parametrize(
    ("form", "text"),
    [
        ("plain", f"Authorization: Bearer {KEY}"),
        ("bytes_repr_with_escapes", repr(f"Bearer {KEY}\n".encode())),
        ("str_repr", repr({"api_key": KEY + "\n"})),
        ("json", json.dumps({"api_key": KEY})),
        ("url_encoded", "https://x.test/?key=" + quote(KEY, safe="")),
        ("url_encoded_plus", "key=" + quote_plus(KEY)),
        ("url_encoded_lowercase_hex", "key=" + quote(KEY, safe="").lower()),
        ("hex", KEY.encode().hex()),
    ],
)
def test_each_escaped_form_of_the_key_is_masked(form: str, text: str) -> None:
    masked = mask(text, [KEY])
    assert MASK in masked
    assert not leaks(masked), masked
    for encoded in (quote(KEY, safe=""), quote_plus(KEY), KEY.encode().hex()):
        assert encoded not in masked


@pytest.mark.parametrize("offset", [0, 1, 2, 3, 4])
def test_base64_of_the_key_is_masked_at_any_offset(offset: int) -> None:
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(("u" * offset + ":" + KEY).encode()).decode()
        masked = mask(f"Authorization: Basic {whole}", [KEY])
        assert MASK in masked, (offset, whole)
        # what is left cannot be decoded back to 8 characters of the key
        stable = encode(KEY.encode()).decode().rstrip("=")
        assert not leaks(masked, stable[4:-4]), masked


def test_runs_of_eight_characters_are_masked_shorter_ones_kept() -> None:
    key = "sk-abc12defghijklmnopwxyz"
    text = "Incorrect API key provided: sk-abc12*************wxyz. You can find your API key at ..."
    masked = mask(text, [key])
    assert "sk-abc12" not in masked
    assert masked.startswith("Incorrect API key provided: ***")
    assert "wxyz. You can find your API key" in masked  # 4 characters say nothing
    assert mask("the middle: defghijk", [key]) == "the middle: ***"
    assert mask("short: sk-abc1", [key]) == "short: sk-abc1"


def test_secrets_shorter_than_eight_are_masked_whole_and_shorter_than_four_never() -> None:
    assert mask("team docs and docsify", ["docs"]) == "team *** and ***ify"
    assert mask("doc doc", ["doc"]) == "doc doc"


def test_nothing_else_changes() -> None:
    text = "The API answered HTTP 400: bad request\nparam: messages[0].role"
    assert mask(text, [KEY]) == text
    assert mask("", [KEY]) == ""
    assert Masker([])(text) == text


def test_registered_and_environment_secrets_are_masked_without_being_passed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    masking.register("tok-registered-123456789")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "azure-env-key-987654321")
    assert mask("a tok-registered-123456789 b azure-env-key-987654321 c") == "a *** b *** c"


def test_logging_filter_masks_messages_arguments_and_tracebacks() -> None:
    masking.register(KEY)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SecretFilter())
    logger = logging.getLogger("test_masking")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("header %s", f"Bearer {KEY}")
        logger.warning("bytes %r", f"Bearer {KEY}\n".encode())
        try:
            raise ValueError(f"Illegal header value {(KEY + chr(10)).encode()!r}")
        except ValueError:
            logger.exception("failed")
        logger.warning("a record with %s wrong %s arguments", KEY)
    finally:
        logger.removeHandler(handler)
    out = stream.getvalue()
    assert "header Bearer ***" in out and "Illegal header value b'***\\n'" in out
    assert "Traceback" in out
    assert not leaks(out), out


def test_provider_logging_to_stderr_masks_secrets_at_trace_level() -> None:
    """What terraform copies into TF_LOG: the provider process's stderr, set up by the runner."""
    import subprocess
    import sys

    script = (
        "import logging\n"
        "from terraform_provider_openai.framework.runner import _configure_logging\n"
        "from terraform_provider_openai import masking\n"
        "_configure_logging()\n"
        f"masking.register({KEY!r})\n"
        f"logging.getLogger('terraform_provider_openai.x').debug('sent %r', b'Bearer ' + {KEY!r}.encode())\n"
        f"logging.getLogger('openai').warning('env key %s', 'sk-env-secret-5566778899')\n"
    )
    env = {"TF_LOG": "TRACE", "OPENAI_API_KEY": "sk-env-secret-5566778899\n", "PATH": ""}
    err = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stderr
    lines = [json.loads(line) for line in err.splitlines()]  # go-hclog JSON, one object per line
    assert {"@level": "debug", "@module": "provider.x", "@message": "sent b'Bearer ***'"}.items() <= lines[
        0
    ].items(), err
    assert {"@level": "warn", "@module": "openai", "@message": "env key ***"}.items() <= lines[1].items(), err
    assert not leaks(err) and "5566778899" not in err
