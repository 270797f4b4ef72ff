"""Imports in app/ run one way: api -> upstream -> policy / translate -> catalog / ops.

The rule is import-linter's contracts in pyproject.toml (`[tool.importlinter]`), run here so that
the test command checks it:
- `app.settings` and `app.errors` may be imported by every module, and import nothing else of app.
- Within the layers, a module imports its own package or lower ones: api, then upstream (which
  relays answers that translate reshapes), then policy and translate (pure, beside each other),
  then catalog and ops (ops reads the catalog for its gauges).
- `app.main`, `app.cli` and `app.__main__` put the app together and may import anything.
- `app.dev` (demo, loopback server, the fake OpenRouter) stands beside the app: it may import
  anything, and only `app.cli` (the `demo` command) and `app.dev` itself import it.
Imports inside functions count too (import-linter reads every import statement).
"""

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "app"
PYPROJECT = REPO / "pyproject.toml"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` on the package `app` under `tree`, with this project's contracts."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(PYPROJECT)],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_no_import_breaks_the_layers() -> None:
    done = lint_imports(REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_every_package_of_app_has_a_place() -> None:
    contracts = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]
    [layers] = [contract["layers"] for contract in contracts if contract["type"] == "layers"]
    layered = {name.strip() for layer in layers for name in re.split(r"[|:]", layer)}
    packages = {path.name for path in APP.iterdir() if (path / "__init__.py").exists()}
    # cli (the command and the catalog it loads) puts the app together, as main does.
    assert packages == layered | {"dev", "cli"}


@pytest.mark.parametrize(
    ("module", "imported"),
    [
        ("app.catalog.records", "app.api.chat"),  # a lower layer importing a higher one
        ("app.catalog.records", "app.policy.modalities"),
        ("app.translate.whole", "app.upstream.reshape"),
        ("app.policy.plan", "app.api.bodies"),
        ("app.errors", "app.api.chat"),  # the shared modules import nothing of the layers
        ("app.settings", "app.catalog.records"),
        ("app.api.chat", "app.main"),  # nothing of the app imports what puts it together
        ("app.api.chat", "app.dev.emulator"),  # only cli imports dev
        ("app.main", "app.dev.demo"),
    ],
)
def test_an_import_that_breaks_the_layers_is_reported(
    tmp_path: Path, module: str, imported: str
) -> None:
    shutil.copytree(APP, tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    source = (tmp_path / module.replace(".", "/")).with_suffix(".py")
    lines = len(source.read_text().splitlines())
    with source.open("a") as file:
        file.write(f"import {imported}\n")
    done = lint_imports(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{module} -> {imported} (l.{lines + 1})" in done.stdout, done.stdout
