"""A real Docker engine for the container tests: the client that talks to it, and the image run as
the Kubernetes manifests run it (`deploy/k8s/sidecar.yaml`'s proxy container).

The engine is set up by `deploy/engine.sh` (.ci/run calls it). Without one, in CI (`CI=true`) the
tests fail; elsewhere they are skipped, with the reason.
"""

import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SIDECAR = REPO / "deploy" / "k8s" / "sidecar.yaml"
HEALTHY_DEADLINE = 60.0
CLIENT_KEY = "sk-client-test"  # the tests run the proxy in gateway mode, as the manifests do
NO_ENGINE = "no Docker engine answers (as root, `bash deploy/engine.sh` starts one)"
Manifest = dict[str, Any]


class Docker:
    """One docker client (an executable), with the environment that turns BuildKit on."""

    def __init__(self, executable: str) -> None:
        self.executable = executable
        self.env = {**os.environ, "DOCKER_BUILDKIT": "1"}

    def __call__(self, *arguments: str, timeout: float = 300) -> str:
        """Run `docker *arguments`; its stdout; AssertionError with its output on failure."""
        done = subprocess.run(
            [self.executable, *arguments],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, f"docker {' '.join(arguments)}: {done.stdout}{done.stderr}"
        return done.stdout.strip()

    def inspect(self, target: str, template: str) -> str:
        return self("inspect", "--format", template, target)

    def image_id(self, name: str) -> str | None:
        """The id of the image tagged `name`; None when there is none."""
        found = subprocess.run(
            [self.executable, "image", "inspect", "--format", "{{.Id}}", name],
            capture_output=True,
            text=True,
            check=False,
        )
        return found.stdout.strip() if found.returncode == 0 else None


def engine() -> Docker:
    """A client whose engine answers and which builds with BuildKit (`DOCKER`, else `docker` on
    the PATH, else Debian's own client); else a CI failure or a skip."""
    candidates = [os.environ.get("DOCKER"), shutil.which("docker"), "/usr/bin/docker"]
    for candidate in dict.fromkeys(c for c in candidates if c and Path(c).exists()):
        if _answers(candidate) and _builds_with_buildkit(candidate):
            return Docker(candidate)
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the container tests, but {NO_ENGINE}")
    pytest.skip(NO_ENGINE)


def compose() -> str:
    """Docker Compose (Debian's `docker-compose`, or one on the PATH); else a CI failure or a
    skip."""
    found = shutil.which("docker-compose")
    if found:
        return found
    missing = "no docker-compose (as root, `bash deploy/engine.sh` installs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the container tests, but {missing}")
    pytest.skip(missing)


def _answers(executable: str) -> bool:
    info = [executable, "info", "--format", "{{.ServerVersion}}"]
    return subprocess.run(info, capture_output=True, check=False, timeout=30).returncode == 0


def _builds_with_buildkit(executable: str) -> bool:
    """True with the buildx plugin, or for a client older than 23 (BuildKit built in)."""
    buildx = [executable, "buildx", "version"]
    if subprocess.run(buildx, capture_output=True, check=False).returncode == 0:
        return True
    version = [executable, "version", "--format", "{{.Client.Version}}"]
    found = subprocess.run(version, capture_output=True, text=True, check=False).stdout
    return found.split(".")[0].isdigit() and int(found.split(".")[0]) < 23


def sidecar_proxy() -> tuple[Manifest, Manifest]:
    """(pod spec, proxy container) of the sidecar manifest."""
    pod: Manifest = yaml.safe_load(SIDECAR.read_text())["spec"]["template"]["spec"]
    [proxy] = [c for c in pod["initContainers"] if c["name"] == "proxy"]
    return pod, proxy


def hardening_flags(proxy: Manifest, volumes: Path) -> list[str]:
    """`docker run` flags for what the manifest's proxy container sets: user, limits, read-only
    root, capabilities, no privilege escalation, its plain env values, and its mounts (/tmp a
    tmpfs of the volume's sizeLimit, the others world-writable directories under `volumes`, as
    an emptyDir is)."""
    context, limits = proxy["securityContext"], proxy["resources"]["limits"]
    flags = ["--user", f"{context['runAsUser']}:{context['runAsGroup']}"]
    flags += ["--memory", _memory(limits["memory"]), "--cpus", _cpus(limits["cpu"])]
    flags += ["--read-only"] if context["readOnlyRootFilesystem"] else []
    flags += [f"--cap-drop={capability}" for capability in context["capabilities"]["drop"]]
    flags += [] if context["allowPrivilegeEscalation"] else ["--security-opt=no-new-privileges"]
    flags += [f"--env={v['name']}={v['value']}" for v in proxy["env"] if "value" in v]
    for mount in proxy["volumeMounts"]:
        if mount["mountPath"] == "/tmp":
            flags.append(f"--tmpfs=/tmp:size={_memory(tmp_size_limit(mount['name']))}")
            continue
        directory = volumes / mount["name"]
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o777)
        flags.append(f"--volume={directory}:{mount['mountPath']}")
    return flags


def tmp_size_limit(volume: str) -> str:
    """The sizeLimit of the sidecar manifest's emptyDir `volume` (`36Mi`)."""
    pod, _ = sidecar_proxy()
    [found] = [v for v in pod["volumes"] if v["name"] == volume]
    limit: str = found["emptyDir"]["sizeLimit"]
    return limit


def _memory(quantity: str) -> str:
    """A Kubernetes memory quantity (`256Mi`, `1Gi`) as docker writes it (`256m`, `1g`)."""
    for suffix, unit in (("Ki", "k"), ("Mi", "m"), ("Gi", "g")):
        if quantity.endswith(suffix):
            return quantity.removesuffix(suffix) + unit
    return quantity


def _cpus(quantity: str) -> str:
    """A Kubernetes CPU quantity (`1`, `500m`) as a number of CPUs."""
    return str(int(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity))


@dataclass(frozen=True)
class Container:
    docker: Docker
    id: str
    url: str

    def logs(self) -> str:
        done = subprocess.run(
            [self.docker.executable, "logs", self.id], capture_output=True, text=True, check=False
        )
        return done.stdout + done.stderr

    def wait_healthy(self) -> None:
        """Until the image's own HEALTHCHECK says healthy; AssertionError (with the container's
        log) if it exits, turns unhealthy or takes longer than HEALTHY_DEADLINE."""
        deadline = time.monotonic() + HEALTHY_DEADLINE
        while (
            state := self.docker.inspect(self.id, "{{.State.Status}} {{.State.Health.Status}}")
        ) != ("running healthy"):
            assert state in ("created starting", "running starting"), f"{state}\n{self.logs()}"
            assert time.monotonic() < deadline, f"not healthy in time\n{self.logs()}"
            time.sleep(0.2)

    def remove(self) -> None:
        subprocess.run(
            [self.docker.executable, "rm", "-f", self.id], capture_output=True, check=False
        )


def run_hardened(docker: Docker, image: str, port: int, volumes: Path, **env: str) -> Container:
    """The image, started as the sidecar manifest runs it, on the host's network at `port`,
    with `env` added; polls its HEALTHCHECK every second (the image's command, more often)."""
    _, proxy = sidecar_proxy()
    name = f"modality-proxy-test-{uuid.uuid4().hex[:8]}"
    variables = [f"--env={k}={v}" for k, v in {**env, "PROXY_PORT": str(port)}.items()]
    flags = ["--detach", f"--name={name}", "--network=host", "--health-interval=1s"]
    container_id = docker("run", *flags, *hardening_flags(proxy, volumes), *variables, image)
    return Container(docker, container_id, f"http://127.0.0.1:{port}")
