"""`python -m tools.mutation [module ...]`: how many classic mutants of each pure module its own
tests kill, and the ones they let through.

A module is named by path (`app/policy/modalities.py`), dotted name (`app.policy.modalities`) or
file name when only one module has it (`modalities`); its tests are the mirrored file
(`tests/policy/test_modalities.py`), or for a module without one the unit test files that import
it. Without names, every pure module (see PURE). Mutants run one
at a time (the machine is shared): a few minutes for all of them.
"""

from pathlib import Path

import click

from tools.mutation.runner import Outcome, run_module

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
PURE = ("policy/*.py", "translate/*.py", "catalog/records.py", "catalog/filters.py",
        "upstream/errors.py")  # fmt: skip
GOAL = 0.9


@click.command()
@click.argument("modules", nargs=-1)
def main(modules: tuple[str, ...]) -> None:
    """Mutate each module, run its tests against each mutant, print the scores and survivors."""
    sources = [_source(name) for name in modules] or _pure()
    tests = [_tests_of(source) for source in sources]  # all found before the first run
    outcomes = []
    for source, test_files in zip(sources, tests, strict=True):
        click.echo(f"{_rel(source)}: ", nl=False, err=True)
        outcome = run_module(source, test_files, ROOT)
        outcomes.append(outcome)
        _survivors(outcome)
    _table(outcomes)


def _pure() -> list[Path]:
    found = sorted({path for pattern in PURE for path in APP.glob(pattern)})
    return [path for path in found if path.name != "__init__.py"]


def _source(name: str) -> Path:
    for candidate in (ROOT / name, ROOT / (name.replace(".", "/") + ".py")):
        if candidate.is_file():
            return candidate
    matches = sorted(APP.rglob(f"{name}.py"))
    if len(matches) != 1:
        raise click.BadParameter(f"{name!r} names {len(matches)} modules under app/; give a path")
    return matches[0]


def _tests_of(source: Path) -> list[Path]:
    """The mirrored test file; else the unit test files (not tests/e2e) that import the module,
    as a module split out of another keeps its tests where they were."""
    relative = source.relative_to(APP)
    mirrored = ROOT / "tests" / relative.parent / f"test_{relative.name}"
    if mirrored.is_file():
        return [mirrored]
    dotted = ".".join(("app", *relative.with_suffix("").parts))
    package, _, name = dotted.rpartition(".")
    spellings = (f"{dotted} import", f"from {package} import {name}")
    found = [
        test
        for test in sorted((ROOT / "tests").rglob("test_*.py"))
        if "e2e" not in test.parts and any(s in test.read_text() for s in spellings)
    ]
    if not found:
        raise click.BadParameter(f"{_rel(source)} has no test file {_rel(mirrored)}")
    return found


def _survivors(outcome: Outcome) -> None:
    for point in outcome.survivors:
        click.echo(f"  {_rel(outcome.source)}:{point.line}  {point.before}  ->  {point.after}")


def _table(outcomes: list[Outcome]) -> None:
    click.echo(f"\n{'module':40} {'killed':>9} {'score':>6}")
    for outcome in outcomes:
        score = outcome.killed / outcome.total if outcome.total else 1.0
        mark = "" if score >= GOAL else f"  (below {GOAL:.0%})"
        ratio = f"{outcome.killed}/{outcome.total}"
        click.echo(f"{_rel(outcome.source):40} {ratio:>9} {score:>6.0%}{mark}")
    killed, total = sum(o.killed for o in outcomes), sum(o.total for o in outcomes)
    click.echo(f"{'all':40} {f'{killed}/{total}':>9} {killed / max(total, 1):>6.0%}")


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
