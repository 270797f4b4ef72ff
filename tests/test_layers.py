"""Imports in app/ run one way: api -> upstream -> policy / translate -> catalog / ops.

Read from the source with `ast`, so the rule holds for imports inside functions too.
- `app.settings` and `app.errors` may be imported by every module, and import nothing else of app.
- Within the layers, a module imports its own package or lower ones: api, then upstream (which
  relays answers that translate reshapes), then policy and translate (pure, beside each other),
  then catalog and ops (ops reads the catalog for its gauges).
- `app.main`, `app.cli` and `app.__main__` put the app together and may import anything.
- `app.dev` (demo, loopback server, the fake OpenRouter) stands beside the app: it may import
  anything, and only `app.cli` (the `demo` command) and `app.dev` itself import it.
"""

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"
RANKS = {"api": 4, "upstream": 3, "policy": 2, "translate": 2, "catalog": 1, "ops": 1}
SHARED = frozenset({"settings", "errors"})
ROOTS = frozenset({"main", "cli", "__main__"})


def module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """The app modules `path` imports (`from app.x import y` counts as `app.x.y` when y is a
    module, else as `app.x`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "app")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != "app":
                continue
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                is_module = any(
                    (APP.parent / candidate.replace(".", "/")).with_suffix(suffix).exists()
                    for suffix in (".py", "")
                )
                found.add(candidate if is_module else node.module)
    return found


def top(module: str) -> str:
    """The first part under app: `app.api.chat` -> "api", `app.errors` -> "errors"."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def allowed(source: str, target: str) -> bool:
    """Whether module `source` may import module `target` (both dotted, under app)."""
    src, dst = top(source), top(target)
    if dst in SHARED or src in ROOTS:
        return True
    if src in SHARED:
        return False
    if dst == "dev":
        return src in {"cli", "dev"}
    if src == "dev" or src == dst:
        return True
    if dst in ROOTS:
        return False
    return src in RANKS and dst in RANKS and RANKS[dst] <= RANKS[src]


def violations() -> set[tuple[str, str]]:
    return {
        (module_name(path), target)
        for path in APP.rglob("*.py")
        for target in imported(path)
        if not allowed(module_name(path), target)
    }


def test_no_import_breaks_the_layers() -> None:
    assert violations() == set()


def test_every_package_of_app_has_a_place() -> None:
    packages = {path.name for path in APP.iterdir() if (path / "__init__.py").exists()}
    assert packages == set(RANKS) | {"dev"}


@pytest.mark.parametrize(
    ("source", "target", "ok"),
    [
        ("app.api.chat", "app.catalog.records", True),
        ("app.api.chat", "app.errors", True),
        ("app.upstream.relay", "app.translate.sse", True),
        ("app.translate.whole", "app.upstream.reshape", False),
        ("app.policy.plan", "app.translate.audio", True),
        ("app.catalog.records", "app.api.chat", False),
        ("app.catalog.records", "app.policy.modalities", False),
        ("app.policy.plan", "app.api.bodies", False),
        ("app.ops.metrics", "app.catalog.records", True),
        ("app.errors", "app.api.chat", False),
        ("app.api.chat", "app.main", False),
        ("app.api.chat", "app.dev.emulator", False),
        ("app.cli", "app.dev.demo", True),
        ("app.dev.demo", "app.main", True),
        ("app.main", "app.api.routes", True),
    ],
)
def test_the_rule(source: str, target: str, ok: bool) -> None:
    assert allowed(source, target) is ok
