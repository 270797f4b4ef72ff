"""`python -m app.dev.emulator` as a user starts it: it says where it listens, then serves there."""

import re
import select
import subprocess
import sys

import httpx2

START_DEADLINE = 20.0
LISTENING = re.compile(
    r"fake OpenRouter on (http://127\.0\.0\.1:\d+/api/v1) \(OPENROUTER_BASE_URL for the proxy\)"
)


def test_the_emulator_says_where_it_listens() -> None:
    command = [sys.executable, "-m", "app.dev.emulator", "--port", "0"]  # 0: any free port
    with subprocess.Popen(command, stderr=subprocess.PIPE) as process:
        assert process.stderr is not None
        try:
            said, _, _ = select.select([process.stderr], [], [], START_DEADLINE)
            assert said, "the emulator said nothing"
            found = LISTENING.fullmatch(process.stderr.readline().decode().rstrip("\n"))
            assert found is not None
            models = httpx2.get(f"{found.group(1)}/models?output_modalities=image")
        finally:
            process.terminate()
    assert models.status_code == 200
    assert "black-forest-labs/flux.2-pro" in models.text
