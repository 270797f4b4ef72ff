"""Each mutant of one module run against that module's own tests, one process at a time.

The runner imports the test files once (and with it pytest, the app's dependencies and the
fixtures' libraries); each mutant then runs in a forked child that forgets the `app` and `tests`
modules, serves the mutated module in place of the file, and runs `pytest -x -q -p no:cacheprovider
<test files>`. So a mutant costs the tests and the app's own imports, not the interpreter's start.
A mutant is killed when pytest fails (or cannot collect, or outlives its timeout), survives when
it passes.
"""

import contextlib
import importlib
import importlib.abc
import importlib.metadata
import importlib.util
import multiprocessing
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, ModuleType

import pytest

from tools.mutation.operators import Point, mutate, points

PYTEST_ARGS = ("-x", "-q", "-p", "no:cacheprovider")
# Plugins the parent already imported (anyio, hypothesis) cannot have their asserts rewritten:
# that warning is about the fork, not the tests, and the suite's warnings-as-errors would stop.
FORK_ARGS = ("-W", "ignore::pytest.PytestAssertRewriteWarning")
FORGOTTEN = ("app", "tests")  # re-imported by every child, so each sees the mutant
TIMEOUT_FACTOR = 10  # a mutant slower than this many clean runs is taken as looping: killed
TIMEOUT_FLOOR = 10.0  # seconds


@dataclass(frozen=True)
class Outcome:
    """A module's mutants and those its tests let through."""

    source: Path
    tests: list[Path]
    total: int
    survivors: list[Point]

    @property
    def killed(self) -> int:
        return self.total - len(self.survivors)


class _MutantFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves `name` from compiled mutant code instead of its file."""

    def __init__(self, name: str, path: Path, code: CodeType) -> None:
        self.name, self.path, self.code = name, path, code

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        return importlib.util.spec_from_loader(fullname, self, origin=str(self.path))

    def exec_module(self, module: ModuleType) -> None:
        module.__file__ = str(self.path)
        exec(self.code, module.__dict__)


def run_module(source: Path, tests: list[Path], root: Path) -> Outcome:
    """Mutate `source` (under `root`) every way `operators` knows; run `tests` against each."""
    name = ".".join(source.relative_to(root).with_suffix("").parts)
    _preload([".".join(test.relative_to(root).with_suffix("").parts) for test in tests])
    text = source.read_text()
    started = time.perf_counter()
    if _run(name, source, tests, text, None, timeout=None) != 0:
        raise SystemExit(
            f"{' '.join(map(str, tests))} fail on the unmutated {source}: fix that first"
        )
    timeout = max(TIMEOUT_FLOOR, TIMEOUT_FACTOR * (time.perf_counter() - started))
    found = points(text)
    survivors = []
    for index, point in enumerate(found):
        if _run(name, source, tests, text, index, timeout) == 0:
            survivors.append(point)
        print("." if _survived(survivors, point) else "x", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return Outcome(source, tests, len(found), survivors)


def _survived(survivors: list[Point], point: Point) -> bool:
    return bool(survivors) and survivors[-1] is point


def _preload(test_modules: list[str]) -> None:
    """Import what every child would import, so forks inherit it instead of redoing it."""
    plugins = importlib.metadata.entry_points(group="pytest11")
    # pytest rewrites the asserts of a plugin's whole distribution as it is imported: hypothesis
    # alone is 75 modules compiled again in every child, unless they are imported here.
    names = {plugin.dist.name for plugin in plugins if plugin.dist is not None}
    for package, dists in importlib.metadata.packages_distributions().items():
        if names.intersection(dists) and package.isidentifier():
            with contextlib.suppress(ImportError):
                importlib.import_module(package)
    for plugin in plugins:
        plugin.load()
    for module in ("tests.conftest", *test_modules):
        importlib.import_module(module)


def _run(
    name: str, source: Path, tests: list[Path], text: str, index: int | None, timeout: float | None
) -> int:
    context = multiprocessing.get_context("fork")
    child = context.Process(target=_child, args=(name, source, tests, text, index))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join()
        return -1
    return child.exitcode if child.exitcode is not None else -1


def _child(name: str, source: Path, tests: list[Path], text: str, index: int | None) -> None:
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)
    for module in [m for m in sys.modules if m.split(".")[0] in FORGOTTEN]:
        del sys.modules[module]
    if index is not None:
        code = compile(mutate(text, index), str(source), "exec")
        sys.meta_path.insert(0, _MutantFinder(name, source, code))
    os._exit(int(pytest.main([*PYTEST_ARGS, *FORK_ARGS, *map(str, tests)])))
