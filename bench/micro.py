"""The proxy's own per-request work in isolation: a catalog lookup and a policy decision, timed
with `timeit` on the real 549-model catalog snapshot."""

import timeit
from dataclasses import dataclass

from app.catalog.records import Catalog, parse_page
from app.policy.modalities import decide
from app.settings import OnUnsupported
from bench.fixtures import CATALOG, IMAGE_MODEL, STREAM_MODEL

REPEATS = 5  # best of: the least disturbed run is the closest to the cost itself


@dataclass(frozen=True)
class Timing:
    name: str
    ns_per_call: float


def measure() -> tuple[Timing, list[Timing]]:
    """A bare `dict.get` on the catalog's ids (the floor a lookup can reach), then each case."""
    catalog = Catalog(tuple(parse_page(CATALOG.read_bytes()).models))
    by_id = {model.id: model for model in catalog.models}
    assert catalog.lookup(f"{STREAM_MODEL}:nitro") is not None
    namespace = {
        "catalog": catalog,
        "by_id": by_id,
        "decide": decide,
        "REJECT": OnUnsupported.REJECT,
        "image": IMAGE_MODEL,
        "text": STREAM_MODEL,
        "variant": f"{STREAM_MODEL}:nitro",
    }
    baseline = Timing("dict.get of an id", _ns_per_call("by_id.get(image)", namespace))
    cases = {
        "lookup: exact id": "catalog.lookup(image)",
        "lookup: id:variant": "catalog.lookup(variant)",
        "lookup: unknown id": "catalog.lookup('acme/no-such-model')",
        "decide: rewrite": "decide(['image', 'text'], image, ('image',), REJECT)",
        "decide: unchanged": "decide(['image'], image, ('image',), REJECT)",
        "decide: drop": "decide(['image', 'text'], text, ('text',), REJECT)",
        "decide: reject": "decide(['image'], text, ('text',), REJECT)",
    }
    return baseline, [Timing(name, _ns_per_call(code, namespace)) for name, code in cases.items()]


def _ns_per_call(statement: str, namespace: dict[str, object]) -> float:
    timer = timeit.Timer(statement, globals=namespace)
    number, _ = timer.autorange()  # enough calls for 0.2 s
    return min(timer.repeat(REPEATS, number)) / number * 1e9
