"""The operators' Prometheus rules and scrape config (deploy/prometheus/), checked by Debian's
promtool and run by a real Prometheus (`bash deploy/prometheus.sh` installs both; .ci/run does)."""

import os
import shutil
import subprocess
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import openai
import pytest
import yaml
from openai.types.chat import ChatCompletionMessageParam

from app.dev.emulator import FakeOpenRouter
from app.dev.local_server import free_port
from tests.conftest import wait_for

pytestmark = pytest.mark.fresh_proxy  # each scrape test counts the metrics from zero

RULES = Path(__file__).parents[2] / "deploy" / "prometheus"


def needed(tool: str) -> None:
    """Skip the test where `tool` is missing, except in CI, where that fails it."""
    if shutil.which(tool) is None:
        missing = f"{tool} is missing: bash deploy/prometheus.sh installs it"
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    """Run promtool in deploy/prometheus; skipped where it is missing, except in CI."""
    needed("promtool")
    return subprocess.run(
        ["promtool", *args], cwd=RULES, capture_output=True, text=True, timeout=60, check=False
    )


def test_the_rules_are_valid() -> None:
    checked = promtool("check", "rules", "rules.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 10 rules found" in checked.stdout


def test_each_rule_crosses_its_line_as_its_unit_tests_say() -> None:
    tested = promtool("test", "rules", "rules_test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


def test_a_broken_threshold_fails_the_unit_tests(tmp_path: Path) -> None:
    rules = (RULES / "rules.yml").read_text().replace("> 0.05", "> 0.5")
    (tmp_path / "rules.yml").write_text(rules)
    shutil.copy(RULES / "rules_test.yml", tmp_path)
    tested = promtool("test", "rules", str(tmp_path / "rules_test.yml"))
    assert tested.returncode == 1
    assert "ModalityProxyErrorRatioHigh" in tested.stdout + tested.stderr


def test_the_scrape_config_is_valid_with_its_key_file(tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_text("sk-proxy-client")
    config = (RULES / "prometheus.yml").read_text()
    (tmp_path / "prometheus.yml").write_text(
        config.replace("/etc/prometheus/modality-proxy-key", str(key))
    )
    shutil.copy(RULES / "rules.yml", tmp_path)
    checked = promtool("check", "config", str(tmp_path / "prometheus.yml"))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 1 rule files found" in checked.stdout


@contextmanager
def running_prometheus(tmp_path: Path, target: str) -> Iterator[str]:
    """A real Prometheus scraping `target` (host:port) every 250 ms with deploy/prometheus's
    config and rules, on a free port of 127.0.0.1; yields its URL."""
    needed("prometheus")
    key = tmp_path / "key"
    key.write_text("sk-proxy-client")
    config = yaml.safe_load((RULES / "prometheus.yml").read_text())
    config["global"] = {"scrape_interval": "250ms", "evaluation_interval": "250ms"}
    job = config["scrape_configs"][0]
    job["authorization"]["credentials_file"] = str(key)
    job["static_configs"] = [{"targets": [target]}]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    shutil.copy(RULES / "rules.yml", tmp_path)
    address = f"127.0.0.1:{free_port()}"
    command = [
        "prometheus",
        f"--config.file={tmp_path / 'prometheus.yml'}",
        f"--storage.tsdb.path={tmp_path / 'data'}",
        f"--web.listen-address={address}",
    ]
    log_path = tmp_path / "prometheus.log"
    with log_path.open("wb") as log, subprocess.Popen(command, stdout=log, stderr=log) as process:
        try:
            url = f"http://{address}"
            wait_for("Prometheus to be ready", lambda: _answers(f"{url}/-/ready"))
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        return httpx2.get(url, timeout=1).status_code == 200
    except httpx2.TransportError:
        return False


def query(prometheus: str, promql: str) -> dict[str, float]:
    """Prometheus's instant answer to `promql`, as {the `model` label: value}."""
    answer = httpx2.get(f"{prometheus}/api/v1/query", params={"query": promql}).json()
    assert answer["status"] == "success", answer
    return {
        row["metric"].get("model", ""): float(row["value"][1]) for row in answer["data"]["result"]
    }


def test_prometheus_scrapes_requests_per_model_as_the_sdk_made_them(
    tmp_path: Path, proxy_url: str, client: openai.OpenAI
) -> None:
    asked = {"black-forest-labs/flux.2-pro": 2, "openai/gpt-5": 3}
    for model, times in asked.items():
        for _ in range(times):
            client.chat.completions.create(
                model=model, messages=[{"role": "user", "content": "hi"}]
            )
    with running_prometheus(tmp_path, proxy_url.removeprefix("http://")) as prometheus:
        counted = 'sum by (model) (modality_proxy_requests_total{route="chat"})'
        wait_for("the requests in Prometheus", lambda: query(prometheus, counted) == asked)
        recorded = "route:modality_proxy_errors:ratio_rate5m"
        wait_for("the rules evaluated", lambda: query(prometheus, recorded) != {})


def test_prometheus_has_the_tokens_and_cost_per_model_the_fake_answered(
    tmp_path: Path, fake: FakeOpenRouter, proxy_url: str, client: openai.OpenAI
) -> None:
    fake.usage.from_input = True
    hi: list[ChatCompletionMessageParam] = [{"role": "user", "content": "How are you today?"}]
    for model in ("openai/gpt-5", "google/gemini-2.5-flash-image"):
        client.chat.completions.create(model=model, messages=hi)
        with client.chat.completions.create(model=model, messages=hi, stream=True) as stream:
            list(stream)
    client.embeddings.create(model="openai/text-embedding-3-small", input=["a", "lighthouse"])
    cost: dict[str, float] = defaultdict(float)
    tokens: dict[str, float] = defaultdict(float)
    for sent in fake.usage.sent:  # chat's and embeddings' usage: prompt and completion tokens
        cost[sent.model] += sent.usage["cost"]
        tokens[sent.model] += sent.usage["prompt_tokens"] + sent.usage.get("completion_tokens", 0)
    assert len(cost) == 3
    with running_prometheus(tmp_path, proxy_url.removeprefix("http://")) as prometheus:
        spent = "sum by (model) (modality_proxy_cost_credits_total)"
        wait_for("the cost in Prometheus", lambda: query(prometheus, spent).keys() == cost.keys())
        assert query(prometheus, spent) == pytest.approx(cost, rel=1e-12)
        used = 'sum by (model) (modality_proxy_tokens_total{type=~"input|output"})'
        assert query(prometheus, used) == tokens
