"""The private parts of uvicorn that `app.ops.limits.LimitedHttpToolsProtocol` is built on, and
the pin that holds uvicorn to the series they were read from.

An upgrade that renames, removes or re-signs one of them fails here, naming it, before the limits'
behaviour (tests/ops/test_limits.py) breaks in ways that are hard to read; and one that adds a
name the subclass already uses (which it would then shadow) fails here too. Names are read from
the source with `ast`, so the lists below are not kept by hand.
"""

import ast
import inspect
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version
from uvicorn.protocols.http.httptools_impl import (
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)

from app.ops.limits import LimitedHttpToolsProtocol

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
BASE = HttpToolsProtocol
OURS = LimitedHttpToolsProtocol


def uvicorn_requirement() -> Requirement:
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    [found] = [r for r in map(Requirement, dependencies) if r.name == "uvicorn"]
    return found


def self_attributes(cls: type, stored: bool) -> set[str]:
    """The `self.x` names the source of `cls` assigns (`stored`), or reads."""
    wanted = ast.Store if stored else ast.Load
    return {
        node.attr
        for node in ast.walk(ast.parse(inspect.getsource(cls)))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
        and isinstance(node.ctx, wanted)
    }


def cycle_attributes_read(cls: type) -> set[str]:
    """The `self.cycle.x` names the source of `cls` uses."""
    return {
        node.attr
        for node in ast.walk(ast.parse(inspect.getsource(cls)))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "cycle"
    }


def methods(cls: type) -> set[str]:
    return {name for name, member in vars(cls).items() if callable(member)}


OVERRIDDEN = methods(OURS) & set(dir(BASE))


def test_uvicorn_is_pinned_to_the_installed_minor_series() -> None:
    requirement = uvicorn_requirement()
    installed = Version(version("uvicorn"))
    series = Version(f"{installed.major}.{installed.minor}")
    assert requirement.extras == set()  # not [standard]: httptools and uvloop are listed
    assert series in requirement.specifier
    assert installed in requirement.specifier
    assert Version(f"{installed.major}.{installed.minor + 1}") not in requirement.specifier


def test_the_subclass_overrides_what_it_means_to() -> None:
    assert sorted(OVERRIDDEN) == [
        "__init__",
        "connection_lost",
        "connection_made",
        "data_received",
        "on_body",
        "on_headers_complete",
        "on_message_begin",
        "on_message_complete",
        "pause_writing",
        "resume_writing",
        "send_400_response",
    ]


@pytest.mark.parametrize("name", sorted(OVERRIDDEN))
def test_an_overridden_method_has_uvicorns_parameters(name: str) -> None:
    ours = inspect.signature(getattr(OURS, name)).parameters
    theirs = inspect.signature(getattr(BASE, name)).parameters
    assert [(p.name, p.kind) for p in ours.values()] == [(p.name, p.kind) for p in theirs.values()]


def test_the_subclass_state_is_its_own() -> None:
    assert self_attributes(OURS, stored=True).isdisjoint(
        self_attributes(BASE, stored=True) | set(dir(BASE))
    )


def test_what_the_subclass_reads_of_uvicorns_state_is_there() -> None:
    provided = self_attributes(BASE, stored=True) | set(dir(BASE))
    read = self_attributes(OURS, stored=False) - self_attributes(OURS, stored=True) - methods(OURS)
    assert read, "nothing read: the check would check nothing"
    assert read <= provided, read - provided
    used, kept = cycle_attributes_read(OURS), self_attributes(RequestResponseCycle, stored=True)
    assert used <= kept, used - kept


@pytest.mark.parametrize("status", [400, 408, 431])
def test_uvicorn_has_the_status_lines_the_refusals_write(status: int) -> None:
    assert STATUS_LINE[status].startswith(b"HTTP/1.1 %d " % status)
    assert STATUS_LINE[status].endswith(b"\r\n")
