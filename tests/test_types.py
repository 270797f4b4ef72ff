"""`mypy --strict` over the whole repository (pyproject.toml's `[tool.mypy]`), as a test: it runs
beside the others on a pytest worker of its own, not before all of them (CONTRIBUTING.md)."""

from mypy import api


def test_mypy_strict_finds_nothing() -> None:
    report, errors, status = api.run([])
    assert status == 0, report + errors
    assert report.startswith("Success: no issues found"), report
