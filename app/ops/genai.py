"""The names of every attribute and metric the traces use, in one place, pinned to one version
of the OpenTelemetry semantic conventions (`CONVENTIONS`).

The GenAI conventions are at Development status, and `opentelemetry-semantic-conventions` 0.66
deprecates its Python constants for them ("moved to semantic-conventions-genai"): the names are
spelled out here instead, as the pinned version writes them, so that a rename upstream changes
nothing until this module follows it. Pure: names and the few fixed values, nothing else.
"""

from typing import Final

# The versions followed: attribute, span and metric names as these documents define them.
CONVENTIONS: Final = "semantic-conventions 1.45.0, semantic-conventions-genai v0.1.0"
SCHEMA_URL: Final = "https://opentelemetry.io/schemas/1.45.0"

# GenAI spans and metrics (gen-ai-spans.md, gen-ai-metrics.md).
OPERATION: Final = "gen_ai.operation.name"
PROVIDER: Final = "gen_ai.provider.name"
REQUEST_MODEL: Final = "gen_ai.request.model"
RESPONSE_MODEL: Final = "gen_ai.response.model"
RESPONSE_ID: Final = "gen_ai.response.id"
FINISH_REASONS: Final = "gen_ai.response.finish_reasons"
INPUT_TOKENS: Final = "gen_ai.usage.input_tokens"
OUTPUT_TOKENS: Final = "gen_ai.usage.output_tokens"
TOKEN_TYPE: Final = "gen_ai.token.type"  # on gen_ai.client.token.usage: "input" or "output"
PROVIDER_OPENROUTER: Final = "openrouter"

# General attributes (server, HTTP, errors).
SERVER_ADDRESS: Final = "server.address"
SERVER_PORT: Final = "server.port"
ERROR_TYPE: Final = "error.type"
HTTP_METHOD: Final = "http.request.method"
HTTP_ROUTE: Final = "http.route"
HTTP_STATUS: Final = "http.response.status_code"
URL_PATH: Final = "url.path"

# The proxy's own attributes (no convention names them), under its own namespace.
MODALITIES_ASKED: Final = "modality_proxy.modalities.requested"
MODALITIES_SENT: Final = "modality_proxy.modalities.sent"
DECISION: Final = "modality_proxy.decision"
DROPPED: Final = "modality_proxy.dropped_parameters"
RETRIED: Final = "modality_proxy.retried"  # why this call (or the request) went a second time
ATTEMPT: Final = "modality_proxy.attempt"  # this call's place among the request's calls, from 0
FALLBACK_POSITION: Final = "modality_proxy.fallback.position"  # in a `models` list, from 0
REQUEST_ID: Final = "modality_proxy.request_id"
ROUTE: Final = "modality_proxy.route"

# The GenAI client metrics (gen-ai-metrics.md), with the buckets the conventions advise.
TOKEN_USAGE: Final = "gen_ai.client.token.usage"
OPERATION_DURATION: Final = "gen_ai.client.operation.duration"
TOKEN_BUCKETS: Final = tuple(float(4**power) for power in range(14))  # 1 .. 67108864
DURATION_BUCKETS: Final = tuple(0.01 * 2**power for power in range(14))  # 0.01 .. 81.92 s

# `gen_ai.operation.name` of each route of `app.ops.labels.ROUTES` that calls a model; the
# conventions' well-known values, `generate_content` for the media routes they have none for.
OPERATIONS: Final = {
    "chat": "chat",
    "responses": "chat",
    "embeddings": "embeddings",
    "images": "generate_content",
    "speech": "generate_content",
    "transcriptions": "generate_content",
    "videos": "generate_content",
    "forward": "text_completion",
}


def operation(route: str) -> str:
    """`gen_ai.operation.name` for a request of `route`; the route itself for one that calls
    no model (the model listing, probes)."""
    return OPERATIONS.get(route, route)
