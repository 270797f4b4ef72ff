"""Every command the docs show runs as written, so that none can drift from the code.

Each fenced block of README.md, CONTRIBUTING.md and docs/*.md in a command language (`sh`,
`bash`, `console`, `python`) is either run here or listed in `NOT_RUNNABLE` with the reason it
cannot run in a test; a new block is run unless it is listed. The README's "Try it without a key"
block is what starts the servers: the fake OpenRouter and the proxy in front of it, on free
loopback ports in place of 8081 and 8080, once for the module. Shell blocks run in bash with
`-euo pipefail` (a `grep` that finds nothing fails them), in a scratch directory, with the
venv's commands first on the PATH and `OPENROUTER_API_KEY` set, as a reader who followed the
README has them, and must print each line the block shows as a comment alone (`# printed`);
Python blocks run in process, with the real `openai` SDK.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest

from app.dev.local_server import free_port

REPO = Path(__file__).parents[2]
DOCUMENTS = [REPO / "README.md", REPO / "CONTRIBUTING.md", *sorted((REPO / "docs").glob("*.md"))]
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
COMMANDS = frozenset({"sh", "bash", "console", "python"})
NOT_COMMANDS = frozenset({"text", "json", "yaml", "toml"})
START_DEADLINE = 30.0
COMMAND_DEADLINE = 120.0

# The block that starts the servers: its lines are the two commands, each run until the end.
SERVERS = ("README.md", "python -m app.dev.emulator --port 8081")

INSTALLS = "installs from PyPI: tests reach only 127.0.0.1 (CI runs the same install first)"
DOCKER = (
    "builds or runs the image with a Docker engine: the container tests (`-m container`, "
    "tests/e2e/test_container.py and test_compose.py) do the same"
)
# Each block that cannot run in a test, by its document and first line, and why.
NOT_RUNNABLE: dict[tuple[str, str], str] = {
    ("README.md", "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[demo]'"): (
        INSTALLS
    ),
    (
        "README.md",
        "docker compose -f deploy/docker-compose.yml -f deploy/compose.try.yml up --build",
    ): "runs the compose example: tests/e2e/test_compose.py runs it (marked `container`)",
    ("README.md", "python3 -m venv .venv && . .venv/bin/activate && pip install -e ."): (
        INSTALLS + "; then serves OpenRouter with a real key, which tests never reach"
    ),
    ("README.md", "docker build -t modality-proxy ."): DOCKER,
    (
        "README.md",
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/modality-proxy",
    ): (INSTALLS + "; the proxy it starts is the one the README's try-it block starts here"),
    (
        "README.md",
        "python3 -m venv .venv && .venv/bin/pip install uv && .venv/bin/uv pip install -p .venv "
        "--compile-bytecode -e '.[test]' && .venv/bin/ruff check . "
        "&& .venv/bin/ruff format --check . && .venv/bin/mypy && .venv/bin/pytest --cov -n 3 "
        "--dist worksteal",
    ): "the whole suite, this test among it: .ci/run runs it, word for word",
    ("CONTRIBUTING.md", ".venv/bin/pytest -q tests/translate tests/policy"): (
        "runs parts of the suite, which runs them itself"
    ),
    ("CONTRIBUTING.md", "bash deploy/engine.sh && .venv/bin/pytest -m container"): (
        "sets up a Docker engine as root and runs the container tests: .ci/run does"
    ),
    ("docs/observability.md", "OTEL_EXPORTER_OTLP_ENDPOINT=http://otel-collector:4318 \\"): (
        "serves until stopped, exporting to a collector: tests/e2e/test_tracing.py runs the proxy "
        "with these variables against a real OTLP/HTTP receiver"
    ),
    ("CONTRIBUTING.md", ".venv/bin/pytest -m stress tests/stress"): (
        "minutes of load on both cores: run by hand, not in the suite"
    ),
    (
        "CONTRIBUTING.md",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[bench]' && .venv/bin/python -m bench",
    ): INSTALLS + "; then minutes of benchmarks, which tests never run",
}


@dataclass(frozen=True)
class Block:
    """One fenced block: its document (relative to the repository), line, language and text."""

    document: str
    line: int
    language: str
    text: str

    @property
    def key(self) -> tuple[str, str]:
        """The document and the first line, without its comment."""
        first = self.text.strip().splitlines()[0]
        return self.document, re.sub(r"\s+# .*$", "", first)

    @property
    def name(self) -> str:
        return f"{self.document}:{self.line}"


def blocks() -> list[Block]:
    found = []
    for path in DOCUMENTS:
        text = path.read_text()
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            document = str(path.relative_to(REPO))
            found.append(Block(document, line, match.group(1).strip(), match.group(2)))
    return found


COMMAND_BLOCKS = [block for block in blocks() if block.language in COMMANDS]
TO_RUN = [
    block for block in COMMAND_BLOCKS if block.key not in NOT_RUNNABLE and block.key != SERVERS
]


@dataclass(frozen=True)
class Servers:
    emulator_port: int
    proxy_port: int

    def localize(self, text: str) -> str:
        """`text` with the documented ports replaced by the ones of this run."""
        return (
            text.replace("127.0.0.1:8081", f"127.0.0.1:{self.emulator_port}")
            .replace("--port 8081", f"--port {self.emulator_port}")
            .replace("127.0.0.1:8080", f"127.0.0.1:{self.proxy_port}")
        )


def reader_env(**more: str) -> dict[str, str]:
    """The environment of a reader who followed the README: the venv's commands first, a key."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("OPENROUTER_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(REPO)
    env["OPENROUTER_API_KEY"] = "sk-or-test"
    return {**env, **more}


def wait_for(url: str, process: "subprocess.Popen[bytes]", log: Path) -> None:
    """Until `url` answers 200, or fail with the process's log."""
    deadline = time.monotonic() + START_DEADLINE
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:  # refused, reset, timed out, or an HTTP error such as 503
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{url} never answered 200:\n{log.read_text()}") from None
            time.sleep(0.05)


def stop(process: "subprocess.Popen[bytes]") -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """The README's try-it commands, each in a shell of its own, on free ports."""
    [block] = [block for block in COMMAND_BLOCKS if block.key == SERVERS]
    emulator_line, proxy_line = block.text.strip().splitlines()
    ports = Servers(free_port(), free_port())
    logs = tmp_path_factory.mktemp("servers")
    env = reader_env(PROXY_PORT=str(ports.proxy_port))
    started = []
    try:
        for name, line, ready in (
            ("emulator", emulator_line, f"{ports.emulator_port}/api/v1/videos/models"),
            ("proxy", proxy_line, f"{ports.proxy_port}/readyz"),
        ):
            log = logs / f"{name}.log"
            with log.open("wb") as output:
                process = subprocess.Popen(
                    ["bash", "-c", ports.localize(line)],
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            started.append(process)
            wait_for(f"http://127.0.0.1:{ready}", process, log)
        yield ports
    finally:
        for process in reversed(started):
            stop(process)


def test_every_fence_names_its_language() -> None:
    """A block without a language, or of one not known here, could hide a command."""
    unknown = [b.name for b in blocks() if b.language not in COMMANDS | NOT_COMMANDS]
    assert unknown == []


def test_every_block_listed_as_not_runnable_is_in_the_docs() -> None:
    shown = {block.key for block in COMMAND_BLOCKS}
    assert [key for key in [*NOT_RUNNABLE, SERVERS] if key not in shown] == []


LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#+ (.+)$", re.MULTILINE)


def anchors(path: Path) -> set[str]:
    """GitHub's anchors of the headings of `path`: lower case, punctuation dropped, spaces as
    hyphens."""
    headings = HEADING.findall(FENCE.sub("", path.read_text()))
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def test_every_link_reaches_a_file_and_its_heading() -> None:
    """The docs were one README: a link to a section that moved must move with it."""
    broken = []
    for path in [*DOCUMENTS, REPO / "deploy" / "README.md", REPO / "bench" / "README.md"]:
        for target in LINK.findall(FENCE.sub("", path.read_text())):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            file, _, section = target.partition("#")
            linked = (path.parent / file).resolve() if file else path
            if not linked.exists() or (section and section not in anchors(linked)):
                broken.append(f"{path.relative_to(REPO)}: {target}")
    assert broken == []


@pytest.mark.parametrize("block", TO_RUN, ids=[block.name for block in TO_RUN])
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the SDK's, on every video call
def test_the_block_runs(
    block: Block, servers: Servers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = servers.localize(block.text)
    if block.language == "python":
        monkeypatch.chdir(tmp_path)
        with redirect_stdout(StringIO()):
            exec(compile(code, block.name, "exec"), {})
        return
    missing = [tool for tool in ("curl", "jq") if tool in code and not shutil.which(tool)]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed")
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", code],
        cwd=tmp_path,
        env=reader_env(),
        capture_output=True,
        timeout=COMMAND_DEADLINE,
        check=False,
    )
    assert done.returncode == 0, f"{block.name} failed:\n{code}\n{done.stdout!r}\n{done.stderr!r}"
    printed = {" ".join(line.split()) for line in done.stdout.decode().splitlines()}
    assert [line for line in shown_output(code) if line not in printed] == []


def shown_output(code: str) -> list[str]:
    """The lines a shell block shows as printed: its lines that are a comment alone (`# ...`),
    spaces collapsed."""
    return [" ".join(line[2:].split()) for line in code.splitlines() if line.startswith("# ")]
