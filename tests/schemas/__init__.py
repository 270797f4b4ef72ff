"""The published schemas the proxy's own answers are held to: components of OpenAI's and
OpenRouter's OpenAPI documents, vendored beside this file (see SOURCES.md).

Both documents are OpenAPI 3.1, whose schemas are JSON Schema 2020-12: validated by
`jsonschema`'s Draft202012Validator. OpenAI's still carries a few OpenAPI 3.0 `nullable: true`
(a stream chunk's `usage`, `finish_reason`, `logprobs`), which 2020-12 ignores: honoured here as
3.0 defines it (null is valid there), which is what its authors and OpenAI's SDKs mean.
"""

import functools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft202012Validator, ValidationError, validators
from referencing import Registry
from referencing.jsonschema import DRAFT202012

HERE = Path(__file__).parent
Spec = Literal["openai", "openrouter"]
Keyword = Callable[[Any, Any, Any, dict[str, Any]], Iterator[ValidationError]]
# The keywords that would refuse the null a `nullable: true` schema allows.
REFUSING_NULL = ("$ref", "type", "enum", "allOf", "anyOf", "oneOf")


def _nullable(keyword: Keyword) -> Keyword:
    def check(validator: Any, value: Any, instance: Any, schema: dict[str, Any]) -> Any:
        if instance is None and schema.get("nullable") is True:
            return iter(())
        return keyword(validator, value, instance, schema)

    return check


OpenApiValidator = validators.extend(  # type: ignore[no-untyped-call]  # stubs lack its hints
    Draft202012Validator,
    {name: _nullable(Draft202012Validator.VALIDATORS[name]) for name in REFUSING_NULL},
)


@functools.cache
def _registry() -> Registry:
    resources = [
        (
            f"urn:{spec}",
            DRAFT202012.create_resource(json.loads((HERE / f"{spec}.json").read_text())),
        )
        for spec in ("openai", "openrouter")
    ]
    return Registry().with_resources(resources)


@functools.cache
def validator(spec: Spec, name: str) -> Any:
    """The validator of the component `name` of `spec`."""
    schema = {"$ref": f"urn:{spec}#/components/schemas/{name}"}
    return OpenApiValidator(schema, registry=_registry())


def violations(document: Any, spec: Spec, name: str) -> list[str]:
    """Where and how `document` breaks `spec`'s schema `name` (none: it is valid)."""
    found = validator(spec, name).iter_errors(document)
    return [f"{'/'.join(map(str, error.absolute_path)) or '.'}: {error.message}" for error in found]


def assert_valid(document: Any, spec: Spec, name: str) -> None:
    """AssertionError listing every violation of `spec`'s schema `name` by `document`."""
    found = violations(document, spec, name)
    assert not found, f"not a valid {spec} {name}:\n" + "\n".join(found)
