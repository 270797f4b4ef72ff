"""The deployment files: Kubernetes manifests validated against the API schemas (offline), the
compose file and the Dockerfile checked against the app's real routes, port and settings."""

import shlex
import socket
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml
from pydantic import AliasChoices
from starlette.routing import Route

from app.api.routes import routes
from app.settings import Settings
from tests.e2e.dockerfile import DOCKERFILE, Stage, exec_form, stage, stages

REPO = DOCKERFILE.parent
K8S = REPO / "deploy" / "k8s"
MANIFESTS = sorted(K8S.glob("*.yaml"))
COMPOSE = REPO / "deploy" / "docker-compose.yml"
TRY_COMPOSE = REPO / "deploy" / "compose.try.yml"
KUBERNETES_VERSION = "1.30"  # the oldest we support: native sidecars are on by default since 1.29
Manifest = dict[str, Any]


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that tries to reach beyond 127.0.0.1 (the validator must stay offline)."""
    connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in (
            "127.0.0.1",
            "::1",
        ):
            raise AssertionError(f"a test tried to connect to {address}")
        connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


def documents(path: Path) -> list[Manifest]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


def all_manifests() -> Iterator[tuple[str, Manifest]]:
    for path in MANIFESTS:
        for document in documents(path):
            yield f"{path.name}:{document['kind']}", document


def proxy_containers() -> list[tuple[Manifest, Manifest]]:
    """(pod spec, container) for every container named `proxy` in the manifests."""
    pods = [m["spec"]["template"]["spec"] for _, m in all_manifests() if m["kind"] == "Deployment"]
    return [
        (pod, container)
        for pod in pods
        for container in [*pod.get("initContainers", []), *pod["containers"]]
        if container["name"] == "proxy"
    ]


def setting_names() -> set[str]:
    """The environment variables Settings reads, upper case (it is case-insensitive)."""
    prefix = Settings.model_config.get("env_prefix", "")
    names: set[str] = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias or field.alias
        if isinstance(alias, AliasChoices):
            names |= {choice for choice in alias.choices if isinstance(choice, str)}
        else:
            names.add(alias if isinstance(alias, str) else prefix + name)
    return {name.upper() for name in names}


def route_paths() -> set[str]:
    return {route.path for route in routes() if isinstance(route, Route)}


def final_stage() -> Stage:
    """The production image's stage (the Dockerfile's default target: see
    test_the_image_is_built_in_stages_from_a_pinned_slim_python)."""
    return stage("proxy")


def openai_requirement() -> str:
    """The openai SDK as the project needs it (`[test]` of pyproject.toml), e.g. `openai>=3.50`."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    test: list[str] = project["optional-dependencies"]["test"]
    [found] = [requirement for requirement in test if requirement.startswith("openai")]
    return found


def image_port() -> int:
    return int(final_stage().environment["PROXY_PORT"])


# Kubernetes


def test_there_are_manifests_for_the_sidecar_and_the_shared_proxy() -> None:
    kinds = sorted(name for name, _ in all_manifests())
    assert kinds == [
        "secret.example.yaml:Secret",
        "sidecar.yaml:Deployment",
        "standalone.yaml:Deployment",
        "standalone.yaml:HorizontalPodAutoscaler",
        "standalone.yaml:PodDisruptionBudget",
        "standalone.yaml:Service",
    ]


@pytest.mark.parametrize(("name", "manifest"), list(all_manifests()))
def test_every_manifest_is_valid_for_the_kubernetes_api(name: str, manifest: Manifest) -> None:
    # strict: an unknown field (a typo) is an error, as `kubectl apply` would make it.
    kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize(
    "breakage",
    [
        lambda c: c.update(readinesProbe=c.pop("readinessProbe")),  # a typo
        lambda c: c["ports"][0].update(containerPort="8080"),  # a string for an int
    ],
)
def test_the_validator_rejects_a_broken_manifest(breakage: Any) -> None:
    deployment = documents(K8S / "standalone.yaml")[0]
    breakage(deployment["spec"]["template"]["spec"]["containers"][0])
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize(("pod", "proxy"), proxy_containers())
def test_probes_ask_the_real_routes_on_the_real_port(pod: Manifest, proxy: Manifest) -> None:
    assert proxy["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert proxy["livenessProbe"]["httpGet"]["path"] == "/healthz"
    ports = {port["name"]: port["containerPort"] for port in proxy["ports"]}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        if probe in proxy:
            request = proxy[probe]["httpGet"]
            assert request["path"] in route_paths()
            assert ports.get(request["port"], request["port"]) == image_port()


@pytest.mark.parametrize(("pod", "proxy"), proxy_containers())
def test_the_proxy_is_configured_only_with_real_settings(pod: Manifest, proxy: Manifest) -> None:
    used = {variable["name"].upper() for variable in proxy["env"]}
    assert used <= setting_names(), f"not settings: {used - setting_names()}"
    assert "OPENROUTER_API_KEY" in used


@pytest.mark.parametrize(("pod", "proxy"), proxy_containers())
def test_keys_come_from_the_example_secret(pod: Manifest, proxy: Manifest) -> None:
    secret = documents(K8S / "secret.example.yaml")[0]
    references = [v["valueFrom"]["secretKeyRef"] for v in proxy["env"] if "valueFrom" in v]
    volumes = [v["secret"] for v in pod.get("volumes", []) if "secret" in v]
    references += [{"name": v["secretName"], "key": i["key"]} for v in volumes for i in v["items"]]
    assert references
    for reference in references:
        assert reference["name"] == secret["metadata"]["name"]
        assert reference["key"] in secret["stringData"]
    openrouter = next(v for v in proxy["env"] if v["name"] == "OPENROUTER_API_KEY")
    assert "value" not in openrouter, "the key belongs in a Secret, not in the manifest"


def test_no_pod_asks_for_a_scrape_its_gateway_would_refuse() -> None:
    """Gateway mode answers /metrics only to a client key, which annotation scrapes cannot send."""
    templates = [m["spec"]["template"] for _, m in all_manifests() if m["kind"] == "Deployment"]
    assert templates
    for template in templates:
        pod = template["spec"]
        containers = [*pod.get("initContainers", []), *pod["containers"]]
        proxy = next(c for c in containers if c["name"] == "proxy")
        env = {v["name"]: v.get("value") for v in proxy["env"]}
        gateway = {"PROXY_API_KEYS", "PROXY_API_KEYS_FILE"} & env.keys()
        if gateway and env.get("PROXY_PUBLIC_METRICS") != "true":
            annotations = template["metadata"].get("annotations", {})
            assert annotations.get("prometheus.io/scrape") != "true"


@pytest.mark.parametrize(("pod", "proxy"), proxy_containers())
def test_shutdown_lets_streams_finish(pod: Manifest, proxy: Manifest) -> None:
    env = {v["name"]: v.get("value") for v in proxy["env"]}
    default = Settings.model_fields["proxy_shutdown_grace_seconds"].default
    grace = int(env.get("PROXY_SHUTDOWN_GRACE_SECONDS") or default)
    pre_stop = proxy.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
    delay = int(pre_stop[1]) if pre_stop[:1] == ["sleep"] else 0
    assert pod["terminationGracePeriodSeconds"] > grace + delay


@pytest.mark.parametrize(("pod", "proxy"), proxy_containers())
def test_the_proxy_runs_locked_down(pod: Manifest, proxy: Manifest) -> None:
    context = proxy["securityContext"]
    assert context["runAsNonRoot"] is True
    assert context["runAsUser"] == int(final_stage().arguments("USER")[-1].split(":")[0])
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    resources = proxy["resources"]
    assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}


@pytest.mark.parametrize(("pod", "proxy"), proxy_containers())
def test_the_catalog_snapshot_is_written_to_a_writable_volume(
    pod: Manifest, proxy: Manifest
) -> None:
    env = {v["name"]: v.get("value") for v in proxy["env"]}
    snapshot = Path(env["PROXY_CATALOG_SNAPSHOT"])
    mounts = {m["mountPath"]: m["name"] for m in proxy["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts[str(snapshot.parent)]]


def test_the_service_and_autoscaler_point_at_the_shared_proxy() -> None:
    found = {manifest["kind"]: manifest for manifest in documents(K8S / "standalone.yaml")}
    labels = found["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert found["Service"]["spec"]["selector"].items() <= labels.items()
    assert found["Service"]["spec"]["ports"][0]["targetPort"] == "http"
    target = found["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == (
        "Deployment",
        found["Deployment"]["metadata"]["name"],
    )


# docker compose


def test_compose_builds_the_proxy_from_the_dockerfile() -> None:
    proxy = yaml.safe_load(COMPOSE.read_text())["services"]["proxy"]
    context = (COMPOSE.parent / proxy["build"]["context"]).resolve()
    assert context / proxy["build"]["dockerfile"] == DOCKERFILE
    assert proxy["ports"][0].startswith("127.0.0.1:")  # the host's loopback only
    assert proxy["ports"][0].endswith(f":{image_port()}")
    assert {name.upper() for name in proxy["environment"]} <= setting_names()


def test_compose_checks_the_proxy_is_healthy_on_healthz() -> None:
    proxy = yaml.safe_load(COMPOSE.read_text())["services"]["proxy"]
    # Without its own `test`, compose keeps the image's HEALTHCHECK.
    test = proxy["healthcheck"].get("test") or exec_form(final_stage().arguments("HEALTHCHECK")[-1])
    assert "/healthz" in " ".join(test)


def test_the_client_waits_for_a_healthy_proxy_and_calls_it() -> None:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    client = services["client"]
    assert client["depends_on"]["proxy"]["condition"] == "service_healthy"
    base_url = urlsplit(client["environment"]["OPENAI_BASE_URL"])
    assert (base_url.hostname, base_url.port, base_url.path) == ("proxy", image_port(), "/v1")
    assert (
        client["environment"]["OPENAI_API_KEY"]
        == services["proxy"]["environment"]["PROXY_API_KEYS"]
    )


def test_the_client_installs_the_sdk_version_the_project_needs() -> None:
    client = yaml.safe_load(COMPOSE.read_text())["services"]["client"]
    shell, flag, script = shlex.split(client["command"])
    assert (shell, flag) == ("sh", "-c")
    assert [word for word in shlex.split(script) if word.startswith("openai")] == [
        openai_requirement()
    ]


def test_the_try_it_compose_puts_the_emulator_behind_the_proxy() -> None:
    services = yaml.safe_load(TRY_COMPOSE.read_text())["services"]
    emulator, proxy, client = services["openrouter"], services["proxy"], services["client"]
    assert emulator["build"]["target"] == client["build"]["target"] == "demo"
    assert "build" not in proxy or "target" not in proxy["build"]  # the production image
    port = emulator["command"][emulator["command"].index("--port") + 1]
    assert proxy["environment"]["OPENROUTER_BASE_URL"] == f"http://openrouter:{port}/api/v1"
    assert client["environment"]["OPENAI_API_KEY"] == proxy["environment"]["PROXY_API_KEYS"]
    assert proxy["depends_on"]["openrouter"]["condition"] == "service_healthy"


# Dockerfile


def test_the_image_is_built_in_stages_from_a_pinned_slim_python() -> None:
    builder, proxy, demo, default = stages()
    assert builder.base == proxy.base == "python:3.11-slim"
    assert (builder.name, proxy.name, demo.name) == ("builder", "proxy", "demo")
    pip = [command for command in builder.run_commands() if command[0] == "pip"]
    assert [command[:2] for command in pip] == [["pip", "wheel"]] * 3
    assert "--no-deps" in pip[-1]  # the project's own wheel, after the dependencies'
    assert demo.base == "proxy"
    # `docker build .` builds the last stage: the production image, as `proxy` made it.
    assert (default.base, default.name, default.instructions) == ("proxy", None, ())


def test_the_demo_image_adds_the_demo_extra_and_the_sdk_the_project_needs() -> None:
    [install] = [c for c in stage("demo").run_commands() if c[:2] == ["pip", "install"]]
    assert {"--no-index", "--no-cache-dir"} <= set(install)
    assert "modality-proxy[demo]" in install
    assert openai_requirement() in install
    [wheels] = [c for c in stage("builder").run_commands() if "/demo-wheels" in c]
    assert openai_requirement() in wheels
    assert stage("demo").arguments("USER")[-1] == final_stage().arguments("USER")[-1]


def test_the_final_stage_installs_only_the_wheels() -> None:
    install, *others = final_stage().run_commands()
    assert install[:2] == ["pip", "install"]
    assert {"--no-index", "--no-cache-dir"} <= set(install)
    assert install[install.index("--find-links") + 1] == "/wheels"  # the builder's, mounted
    assert not final_stage().arguments("COPY"), "the wheels are bind-mounted, never copied"
    build_tools = {"apt-get", "apt", "apk", "gcc", "make", "build-essential"}
    assert not build_tools & {word for command in others for word in command}


def test_the_image_runs_the_console_script_as_a_user_on_all_interfaces() -> None:
    final = final_stage()
    user = final.arguments("USER")[-1].split(":")[0]
    assert user.isdigit()
    assert int(user) != 0
    assert final.environment["PROXY_HOST"] == "0.0.0.0"
    assert {"PROXY_HOST", "PROXY_PORT"} <= setting_names()
    assert final.arguments("EXPOSE") == [str(image_port())]
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert exec_form(final.arguments("CMD")[-1]) == ["modality-proxy"]
    assert "modality-proxy" in scripts


def test_the_healthcheck_asks_healthz_on_the_configured_port() -> None:
    check = exec_form(final_stage().arguments("HEALTHCHECK")[-1])
    assert check[0] == "python"  # slim has no curl
    assert "/healthz" in check[-1]
    assert "PROXY_PORT" in check[-1]


def test_the_dockerfile_reader_follows_continuations_comments_and_chains() -> None:
    text = """FROM base:1 AS one
# a comment
RUN --mount=type=cache,target=/c pip wheel \\
    # a comment inside a continuation
    --wheel-dir /w . && echo 'a b'
FROM base:2
ENV A=1 \\
    B="two words"
CMD ["run", "it"]
"""
    one, two = stages(text)
    assert (one.base, one.name, two.base, two.name) == ("base:1", "one", "base:2", None)
    assert one.run_commands() == [["pip", "wheel", "--wheel-dir", "/w", "."], ["echo", "a b"]]
    assert two.environment == {"A": "1", "B": "two words"}
    assert exec_form(two.arguments("CMD")[0]) == ["run", "it"]
    with pytest.raises(ValueError, match="before the first FROM"):
        stages("RUN true\nFROM base")
