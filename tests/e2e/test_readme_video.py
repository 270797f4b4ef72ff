"""The video example of docs/media.md runs as written: against `python -m app.dev.emulator`
(started as the README's "Try it without a key" starts it) and the proxy in front of it, printing
what it says it prints and writing the video."""

import re
import subprocess
import sys
import time
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

import httpx2
import pytest

from app.dev.emulator.videos import MP4_START
from app.dev.local_server import free_port
from tests.conftest import proxy_settings, running_proxy

REPO = Path(__file__).parents[2]
START_DEADLINE = 20.0


def video_section() -> str:
    text = (REPO / "docs" / "media.md").read_text()
    return text[text.index("\n## Video\n") :]


def emulator(port: int) -> "subprocess.Popen[bytes]":
    """`python -m app.dev.emulator --port PORT`, as the README starts it, once it serves."""
    [command] = re.findall(
        r"^python (-m app\.dev\.emulator --port) 8081$", (REPO / "README.md").read_text(), re.M
    )
    process = subprocess.Popen(
        [sys.executable, *command.split(), str(port)], stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + START_DEADLINE
    while True:
        try:
            httpx2.get(f"http://127.0.0.1:{port}/api/v1/videos/models")
            return process
        except httpx2.TransportError:
            if time.monotonic() > deadline:
                process.terminate()
                raise AssertionError("python -m app.dev.emulator did not start") from None
            time.sleep(0.05)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the SDK's, on every video call
def test_the_readme_video_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    [snippet] = re.findall(r"```python\n(.*?)```", video_section(), re.DOTALL)
    port = free_port()
    with emulator(port) as process:
        try:
            with running_proxy(proxy_settings(f"http://127.0.0.1:{port}")) as proxy_url:
                code = snippet.replace("http://127.0.0.1:8080", proxy_url)
                monkeypatch.chdir(tmp_path)
                printed = StringIO()
                with redirect_stdout(printed):
                    exec(compile(code, "docs/media.md", "exec"), {})
        finally:
            process.terminate()
    expected = re.search(r"# (completed .*)", snippet)
    assert expected is not None
    assert printed.getvalue().strip() == expected.group(1)
    assert (tmp_path / "lighthouse.mp4").read_bytes().startswith(MP4_START)
