"""Run the Dockerfile's steps for real, without Docker: `python -m deploy.check_image_steps`.

It reads the Dockerfile and runs what it says, so the two cannot drift apart: the builder's COPY
and pip commands in a temporary source tree, the final stage's pip commands in a fresh venv
(pip told to read no configuration, so only the wheels just built can be installed), then the
image's CMD from that venv, polled with the image's HEALTHCHECK command until it passes, then
SIGTERM, which must end it with status 0. The proxy listens on 127.0.0.1 (not the image's
0.0.0.0) and its upstream is a closed loopback port, so nothing leaves the machine.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from app.dev.local_server import free_port
from deploy.dockerfile import DOCKERFILE, Stage, exec_form, stages

REPO = DOCKERFILE.parent
WHEELS_IN_IMAGE = "/wheels"  # where the final stage mounts the builder's wheels
UNREACHABLE_UPSTREAM = "http://127.0.0.1:9/api/v1"  # port 9 (discard): nothing listens there
HEALTHY_DEADLINE = 20.0
EXIT_DEADLINE = 40.0  # above PROXY_SHUTDOWN_GRACE_SECONDS' default, 30
# Variables that would make the venv's pip or proxy see something the image would not.
HOST_ONLY_PREFIXES = ("PIP_", "PROXY_", "OPENROUTER_", "PYTHONPATH", "VIRTUAL_ENV")


class StepFailed(Exception):
    """A step of the Dockerfile did not do what it does in the image."""


def main() -> int:
    """Run every step; print each one's time; 0 when all passed, else 1 and why."""
    started = time.monotonic()
    builder, *_, final = stages(DOCKERFILE.read_text())
    with tempfile.TemporaryDirectory(prefix="image-steps-") as scratch:
        try:
            wheels = build_wheels(builder, Path(scratch))
            venv = install_wheels(final, Path(scratch), wheels)
            serve_and_stop(final, venv, Path(scratch))
        except StepFailed as failure:
            print(f"FAILED: {failure}", file=sys.stderr)
            return 1
    print(f"image steps passed in {time.monotonic() - started:.1f} s")
    return 0


def pip_commands(stage: Stage, wheels: Path) -> list[list[str]]:
    """The stage's pip commands, without `pip` itself, with the image's wheel directory
    replaced by `wheels`; StepFailed when it has none (a Dockerfile this script cannot follow)."""
    found = [command[1:] for command in stage.run_commands() if command[0] == "pip"]
    if not found:
        raise StepFailed(f"no `RUN pip ...` in the stage FROM {stage.base}")
    return [[str(wheels) if word == WHEELS_IN_IMAGE else word for word in c] for c in found]


def build_wheels(builder: Stage, scratch: Path) -> Path:
    """The builder stage: its COPYs into a fresh source tree, its pip commands run there with
    this machine's pip settings (its index and its cache, as the cache mount does)."""
    source, wheels = scratch / "src", scratch / "wheels"
    for copy in builder.arguments("COPY"):
        _copy_instruction(copy, source)
    for command in pip_commands(builder, wheels):
        _step("builder: pip " + " ".join(command), [sys.executable, "-m", "pip", *command], source)
    return wheels


def install_wheels(final: Stage, scratch: Path, wheels: Path) -> Path:
    """The final stage's pip commands in a fresh venv, with no pip configuration."""
    venv = scratch / "venv"
    _step("final: python -m venv", [sys.executable, "-m", "venv", str(venv)], scratch)
    env = _image_environment(final) | {"PIP_CONFIG_FILE": os.devnull}
    for command in pip_commands(final, wheels):
        _step(
            "final: pip " + " ".join(command), [_python(venv), "-m", "pip", *command], scratch, env
        )
    where = [_python(venv), "-c", "import app; print(app.__file__)"]
    installed = _step("final: import app", where, scratch, env).strip()
    if not installed.startswith(str(venv)):
        raise StepFailed(f"`app` comes from {installed}, not from the venv")
    return venv


def serve_and_stop(final: Stage, venv: Path, scratch: Path) -> None:
    """The image's CMD from the venv, until its HEALTHCHECK passes; then SIGTERM, exit 0."""
    command = exec_form(final.arguments("CMD")[-1])
    env = _image_environment(final) | {
        "PROXY_HOST": "127.0.0.1",
        "PROXY_PORT": str(free_port()),
        "OPENROUTER_BASE_URL": UNREACHABLE_UPSTREAM,
    }
    log_path = scratch / "proxy.log"
    with log_path.open("wb") as log:
        proxy = subprocess.Popen(
            [str(venv / "bin" / command[0]), *command[1:]], cwd=scratch, env=env, stderr=log
        )
        try:
            _wait_healthy(final, venv, env, proxy)
            proxy.send_signal(signal.SIGTERM)
            status = proxy.wait(EXIT_DEADLINE)
        except (StepFailed, subprocess.TimeoutExpired) as failure:
            proxy.kill()
            raise StepFailed(f"{failure}\n--- proxy log ---\n{log_path.read_text()}") from None
    if status != 0:
        raise StepFailed(f"SIGTERM ended the proxy with status {status}, not 0")
    print(f"final: {command[0]} healthy, then exited 0 on SIGTERM")


def _wait_healthy(
    final: Stage, venv: Path, env: Mapping[str, str], proxy: subprocess.Popen[bytes]
) -> None:
    check = exec_form(final.arguments("HEALTHCHECK")[-1])
    check = [_python(venv) if word == "python" else word for word in check]
    deadline = time.monotonic() + HEALTHY_DEADLINE
    while subprocess.run(check, env=env, capture_output=True, check=False).returncode != 0:
        if proxy.poll() is not None:
            raise StepFailed(f"the proxy exited with status {proxy.returncode} before healthy")
        if time.monotonic() > deadline:
            raise StepFailed(f"HEALTHCHECK still failing after {HEALTHY_DEADLINE} s")
        time.sleep(0.1)


def _step(title: str, command: list[str], cwd: Path, env: Mapping[str, str] | None = None) -> str:
    started = time.monotonic()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise StepFailed(f"{title}: status {done.returncode}\n{done.stdout}{done.stderr}")
    print(f"{title}: {time.monotonic() - started:.1f} s")
    return done.stdout


def _image_environment(stage: Stage) -> dict[str, str]:
    """This process's environment without what only this host has, plus the stage's ENV."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(HOST_ONLY_PREFIXES)}
    return kept | stage.environment()


def _copy_instruction(arguments: str, workdir: Path) -> None:
    """COPY from the repository into `workdir` (the stage's WORKDIR): several sources, or a
    target ending in `/`, go into the target directory; a single one becomes the target."""
    *sources, target = arguments.split()
    into_directory = target.endswith("/") or len(sources) > 1
    for name in sources:
        _copy(
            REPO / name, workdir / target / Path(name).name if into_directory else workdir / target
        )


def _copy(source: Path, target: Path) -> None:
    """A file to `target`, or a directory's contents into `target`, as COPY does."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    else:
        shutil.copy2(source, target)


def _python(venv: Path) -> str:
    return str(venv / "bin" / "python")


if __name__ == "__main__":
    sys.exit(main())
