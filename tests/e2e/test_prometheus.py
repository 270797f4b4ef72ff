"""The operators' Prometheus rules and scrape config (deploy/prometheus/), checked by Debian's
promtool and run by a real Prometheus (`bash deploy/prometheus.sh` installs both; .ci/run does)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

RULES = Path(__file__).parents[2] / "deploy" / "prometheus"


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    """Run promtool in deploy/prometheus; skipped where it is missing, except in CI."""
    if shutil.which("promtool") is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is missing: bash deploy/prometheus.sh installs it")
        pytest.skip("promtool is missing: bash deploy/prometheus.sh installs it")
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
