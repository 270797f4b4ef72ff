"""Configuration, read from environment variables (never at import time: see `create_app`)."""

from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from yarl import URL

DEFAULT_MAX_JSON_ITEMS = 1_000_000  # values in a JSON body (see app.api.bodies.json_items)


class OnUnsupported(StrEnum):
    """What to do with a request whose `modalities` the model cannot produce at all."""

    REJECT = "reject"  # answer 400 without calling upstream
    DROP = "drop"  # remove `modalities` and let the model answer in text
    PASSTHROUGH = "passthrough"  # forward as sent; upstream answers its own error


class Settings(BaseSettings):
    """Every knob of the proxy. Field `foo_bar` is read from the variable `FOO_BAR`."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

    openrouter_base_url: str = "https://openrouter.ai/api/v1"
    openrouter_api_key: SecretStr | None = None
    # Gateway mode: clients must present one of these keys, and OpenRouter sees only ours.
    proxy_api_keys: SecretStr | None = None  # comma-separated
    proxy_api_keys_file: Path | None = None  # one key per line
    # What gateway mode forwards besides the proxy's own routes: "METHOD /path" after /v1.
    proxy_gateway_forwards: str = "POST /completions,POST /embeddings"
    # Web pages (origins, as browsers send them) that may call the proxy; others get 403.
    proxy_cors_origins: str = ""
    # /metrics without a client key in gateway mode (it names models and counts requests).
    proxy_public_metrics: bool = False

    proxy_host: str = "127.0.0.1"
    proxy_port: int = Field(default=8080, ge=0, le=65535)
    proxy_workers: int = Field(default=1, ge=1)
    proxy_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    proxy_log_probes: bool = False  # access lines for /healthz and /readyz too
    proxy_on_unsupported: OnUnsupported = OnUnsupported.REJECT
    # Drop tools, tool_choice and parallel_tool_calls for image models that do not take tools.
    proxy_drop_tools_for_image_models: bool = True

    proxy_catalog_refresh_seconds: float = Field(default=300.0, gt=0)
    proxy_catalog_snapshot: Path | None = None
    proxy_catalog_max_age_seconds: float = Field(default=86400.0, gt=0)
    # After each catalog load, its objects frozen out of full garbage collections (catalog/heap.py).
    proxy_gc_freeze: bool = True
    proxy_unknown_model_refresh_seconds: float = Field(default=30.0, ge=0)
    proxy_unknown_model_wait_seconds: float = Field(default=5.0, ge=0)
    # How often one model may be looked up again after upstream refused its modalities.
    proxy_relearn_model_seconds: float = Field(default=60.0, ge=0)
    # How long a model that chat refused as served only by the Images API goes there directly.
    proxy_images_only_seconds: float = Field(default=3600.0, ge=0)
    # How long a model that upstream refused a part of its outputs is asked for all of them.
    proxy_exact_modalities_seconds: float = Field(default=3600.0, ge=0)
    # The most models a `models` fallback list may name (each may cost an upstream call).
    proxy_max_fallback_models: int = Field(default=8, ge=1)

    proxy_connect_timeout_seconds: float = Field(default=10.0, gt=0)
    proxy_first_byte_timeout_seconds: float = Field(default=600.0, gt=0)
    proxy_read_timeout_seconds: float = Field(default=600.0, gt=0)  # the gap between two pieces
    proxy_catalog_timeout_seconds: float = Field(default=60.0, gt=0)
    proxy_max_connections: int = Field(default=1000, gt=0)
    proxy_shutdown_grace_seconds: int = Field(default=30, ge=0)
    # Base64 images are big; a body costs about 3.2 times its size while it is planned, and a
    # value in it up to 32 bytes more (app.ops.memory_costs): reserved from the memory pool.
    proxy_max_body_bytes: int = Field(default=32 * 1024 * 1024, gt=0)
    proxy_max_json_items: int = Field(default=DEFAULT_MAX_JSON_ITEMS, gt=0)
    # Upstream answers the proxy reads whole: errors it looks into, catalog and model lists.
    proxy_max_upstream_error_bytes: int = Field(default=1024 * 1024, ge=1024)
    # A catalog page is parsed at 14 bytes a byte (app.ops.budget): 4 MiB is 3 times today's.
    proxy_max_catalog_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    # What a worker's requests may hold at once (app.ops.reservations): memory for bodies as
    # parsed and answers read whole, and /tmp for spooled uploads; app.ops.budget checks that
    # these fit the manifests. A request waits this long for its share, then gets a 503.
    proxy_memory_budget_bytes: int = Field(default=156 * 1024 * 1024, ge=1024 * 1024)
    proxy_tmp_budget_bytes: int = Field(default=32 * 1024 * 1024, ge=1024 * 1024)
    proxy_budget_wait_seconds: float = Field(default=10.0, ge=0)
    # Answers the proxy holds whole to reshape them (app.upstream.caps; docs/settings.md says
    # why each default): one SSE event it splits out of a stream, an image answer, an audio
    # stream assembled into one completion, a transcription.
    proxy_max_sse_event_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    proxy_max_image_answer_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    proxy_max_audio_answer_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    proxy_max_transcription_answer_bytes: int = Field(default=6 * 1024 * 1024, ge=1024)
    # The last bytes of an answer its usage is read from (app.translate.usage_read).
    proxy_max_usage_read_bytes: int = Field(default=16 * 1024, ge=1024)
    # Client connections (see app.ops.limits): the request line and headers, and how long they
    # and the body may take to arrive.
    proxy_max_header_bytes: int = Field(default=65536, ge=1024)
    # None: half the process's file descriptors (the other half for upstream and the rest).
    proxy_max_client_connections: int | None = Field(default=None, ge=1)
    proxy_header_timeout_seconds: float = Field(default=10.0, gt=0)
    proxy_body_timeout_seconds: float = Field(default=60.0, gt=0)
    proxy_send_timeout_seconds: float = Field(default=60.0, gt=0)  # a client that reads nothing
    # With tracing on (OTEL_* variables), fill OpenRouter's `trace` body field from each call's
    # span when the client has not set it: off by default, as it changes the body sent.
    proxy_trace_body_field: bool = False

    @model_validator(mode="after")
    def _gateway_needs_a_key_of_its_own(self) -> "Settings":
        if self.gateway and not self.openrouter_api_key:
            raise ValueError("PROXY_API_KEYS needs OPENROUTER_API_KEY: the key the proxy sends")
        if self.proxy_api_keys_file is None:
            self.gateway_keys()  # the keys of the variable alone: check them now
        return self

    @property
    def gateway(self) -> bool:
        """Gateway mode: client keys are configured (see `gateway_keys`)."""
        return self.proxy_api_keys is not None or self.proxy_api_keys_file is not None

    def gateway_keys(self) -> tuple[bytes, ...]:
        """The client keys of gateway mode (empty: relay mode), from PROXY_API_KEYS and the
        lines of PROXY_API_KEYS_FILE. Reads the file: call it once, at start-up. ValueError
        when gateway mode is configured but no key is usable (blank values, an empty file):
        a gateway that would let every request through is not started."""
        listed = self.proxy_api_keys.get_secret_value().split(",") if self.proxy_api_keys else []
        if self.proxy_api_keys_file is not None:
            listed += self.proxy_api_keys_file.read_text().splitlines()
        keys = tuple(key.strip().encode() for key in listed if key.strip())
        if self.gateway and not keys:
            raise ValueError(
                "PROXY_API_KEYS and PROXY_API_KEYS_FILE hold no usable key: gateway mode would "
                "let every request through. Set at least one key, or unset both for relay mode"
            )
        return keys

    def start_up_line(self) -> str:
        """The upstream, the mode and whether a server key is set, for the start-up log: what a
        user checks first when nothing works. Never a key."""
        mode = (
            "gateway mode (clients present a key of PROXY_API_KEYS, upstream sees the server key)"
            if self.gateway
            else "relay mode (clients' own keys forwarded)"
        )
        server_key = "yes" if self.openrouter_api_key else "no"
        return (
            f"upstream {self.upstream_shown()}, {mode}, "
            f"server key (OPENROUTER_API_KEY) set: {server_key}"
        )

    def upstream_shown(self) -> str:
        """OPENROUTER_BASE_URL as logs and messages show it: without a user or password."""
        return str(URL(self.openrouter_base_url).with_user(None))

    def cors_origins(self) -> frozenset[str]:
        return _comma_list(self.proxy_cors_origins)

    def gateway_forwards(self) -> frozenset[str]:
        return _comma_list(self.proxy_gateway_forwards)

    @field_validator("openrouter_api_key", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("proxy_log_level", mode="before")
    @classmethod
    def _upper_case(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("openrouter_base_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("OPENROUTER_BASE_URL must start with http:// or https://")
        return value.rstrip("/")


def _comma_list(value: str) -> frozenset[str]:
    return frozenset(" ".join(item.split()) for item in value.split(",") if item.strip())
