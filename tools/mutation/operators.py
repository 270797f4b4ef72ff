"""Classic mutations of one module's source, found and applied on its syntax tree.

A mutation point is one small change: a comparison or a boolean, arithmetic or unary operator
swapped for its opposite, a constant altered (strings and bytes wrapped in `XX`, numbers plus one,
booleans flipped), `not` dropped, `break` and `continue` swapped. Points are numbered in the order
of one walk of the tree, so `mutate(source, n)` applies the same change that `points(source)[n]`
describes. Docstrings, annotations, decorators, f-string text and `if TYPE_CHECKING:` blocks are
left alone: changing them alters no behaviour a test could see.
"""

import ast
import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import cast

SWAPS: dict[type[ast.AST], type[ast.AST]] = {
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE,
    ast.GtE: ast.Gt, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
    ast.And: ast.Or, ast.Or: ast.And, ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div,
    ast.Div: ast.Mult, ast.FloorDiv: ast.Div, ast.Mod: ast.Mult, ast.BitOr: ast.BitAnd,
    ast.BitAnd: ast.BitOr, ast.USub: ast.UAdd, ast.Break: ast.Continue, ast.Continue: ast.Break,
}  # fmt: skip
SKIPPED_FIELDS = frozenset(
    {"decorator_list", "returns", "annotation", "type_comment", "type_params"}
)

Replacement = Callable[[], ast.AST]


@dataclass(frozen=True)
class Point:
    """One mutation: where it is, and the code before and after it."""

    line: int
    before: str
    after: str


def points(source: str) -> list[Point]:
    """Every mutation point of `source`, in the order `mutate` numbers them."""
    found: list[Point] = []
    for node, replace in _walk(ast.parse(source)):
        after = replace()
        found.append(Point(node.lineno, _show(node), _show(after)))  # type: ignore[attr-defined]
    return found


def mutate(source: str, index: int) -> ast.Module:
    """`source`'s tree with mutation point `index` applied, ready for `compile`."""
    tree = ast.parse(source)
    for number, (node, replace) in enumerate(_walk(tree)):
        if number == index:
            _put(tree, node, replace())
            return ast.fix_missing_locations(tree)
    raise IndexError(f"{index} is past the last mutation point")


def _walk(node: ast.AST) -> Iterator[tuple[ast.AST, Replacement]]:
    if _is_type_checking(node):
        return
    yield from _replacements(node)
    for field, value in ast.iter_fields(node):
        if field in SKIPPED_FIELDS or isinstance(node, ast.JoinedStr):
            continue
        children = value if isinstance(value, list) else [value]
        for position, child in enumerate(children):
            if isinstance(child, ast.AST) and not (position == 0 and _is_docstring(node, child)):
                yield from _walk(child)


def _replacements(node: ast.AST) -> Iterator[tuple[ast.AST, Replacement]]:
    if isinstance(node, ast.Compare):
        for at, op in enumerate(node.ops):
            if type(op) in SWAPS:
                yield node, _with_op(node, at)
    elif isinstance(node, ast.BoolOp | ast.BinOp | ast.AugAssign | ast.UnaryOp):
        if type(node.op) in SWAPS:
            yield node, _with_op(node, None)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield node, lambda: node.operand
    elif isinstance(node, ast.Break | ast.Continue):
        yield node, lambda: SWAPS[type(node)]()
    elif isinstance(node, ast.Constant) and (changed := _changed(node.value)) is not None:
        yield node, lambda: ast.Constant(changed)


def _with_op(node: ast.AST, at: int | None) -> Replacement:
    def replace() -> ast.AST:
        mutant = copy.copy(node)
        if isinstance(mutant, ast.Compare) and at is not None:
            swapped = cast(ast.cmpop, SWAPS[type(mutant.ops[at])]())
            mutant.ops = [*mutant.ops[:at], swapped, *mutant.ops[at + 1 :]]
        else:
            mutant.op = SWAPS[type(mutant.op)]()  # type: ignore[attr-defined]
        return mutant

    return replace


def _changed(value: object) -> str | bytes | int | float | None:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return f"XX{value}XX"
    if isinstance(value, bytes):
        return b"XX" + value + b"XX"
    return None  # None and Ellipsis: nothing classic to change them into


def _put(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    """Put `new` where `old` is in `tree` (old is found by identity)."""
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, ast.copy_location(new, old))
                return
            if isinstance(value, list) and any(item is old for item in value):
                value[[id(item) for item in value].index(id(old))] = ast.copy_location(new, old)
                return
    raise ValueError("the node to replace is not in the tree")


def _is_docstring(parent: ast.AST, child: ast.AST) -> bool:
    return (
        isinstance(parent, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and isinstance(child, ast.Expr)
        and isinstance(child.value, ast.Constant)
        and isinstance(child.value.value, str)
    )


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")


def _show(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 70 else text[:67] + "..."
