"""Cut the components the tests validate against out of a published OpenAPI document: the
named schemas and every schema they reach through `$ref`, as they are (`python -m
tests.schemas.vendor SPEC.json OUT.json NAME... [--path POINTER=NAME...]`).

A schema written inline in an operation (OpenRouter's embeddings answer) is taken by its JSON
pointer and filed under a name of ours among the components, its `$ref`s unchanged.
"""

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

COMPONENT = "#/components/schemas/"


def refs(node: Any) -> Iterator[str]:
    """The component names that `node` refers to, at any depth."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(COMPONENT):
            yield ref.removeprefix(COMPONENT)
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def pointed(document: Any, pointer: str) -> Any:
    """The node at a JSON pointer (`/paths/~1embeddings/post/...`)."""
    for part in pointer.lstrip("/").split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        document = document[int(key)] if isinstance(document, list) else document[key]
    return document


def vendored(spec: dict[str, Any], names: list[str], inline: dict[str, str]) -> dict[str, Any]:
    """The schemas `names` and those at the `inline` pointers (pointer -> name), with every
    component they reach."""
    components = spec["components"]["schemas"]
    kept: dict[str, Any] = {name: pointed(spec, pointer) for pointer, name in inline.items()}
    waiting = [*names, *(ref for schema in kept.values() for ref in refs(schema))]
    while waiting:
        name = waiting.pop()
        if name not in kept:
            kept[name] = components[name]
            waiting.extend(refs(kept[name]))
    return {"openapi": spec["openapi"], "components": {"schemas": dict(sorted(kept.items()))}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("spec", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("names", nargs="+")
    parser.add_argument("--path", action="append", default=[], metavar="POINTER=NAME")
    args = parser.parse_args()
    inline = dict(item.rsplit("=", 1) for item in args.path)
    document = vendored(json.loads(args.spec.read_text()), args.names, inline)
    args.out.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
