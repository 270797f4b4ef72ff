"""Whether the proxy traces, decided once at start-up from the standard OpenTelemetry variables:
the OpenTelemetry SDK (the `[otel]` extra) is imported only when it does.

Tracing is on when an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT` or
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) or `OTEL_TRACES_EXPORTER=otlp`; off, whatever else is set,
with `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`. Off, `tracing_of` gives None and
the request path pays one `is None` test. The GenAI metrics go by OTLP too when asked for
explicitly (`OTEL_METRICS_EXPORTER=otlp`, or a metrics endpoint): the proxy's metrics are
Prometheus's, so the SDK's default of exporting them is not taken as a request.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.ops.spans import Tracing

ENDPOINTS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
EXTRA_MISSING = (
    "OpenTelemetry is configured ({names} set) but its packages are not installed: install "
    "the proxy with its `otel` extra (pip install 'modality-proxy[otel]'), or unset {names}"
)


def traces_wanted(environ: Mapping[str, str]) -> bool:
    """Whether `environ` asks for traces (see the module's docstring)."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporter = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter == "none":
        return False
    return exporter == "otlp" or any(environ.get(name, "").strip() for name in ENDPOINTS)


def metrics_wanted(environ: Mapping[str, str]) -> bool:
    """Whether `environ` asks for the GenAI metrics by OTLP (only ever with traces)."""
    exporter = environ.get("OTEL_METRICS_EXPORTER", "").strip().lower()
    endpoint = environ.get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "").strip()
    return exporter == "otlp" or (bool(endpoint) and exporter != "none")


def tracing_of(environ: Mapping[str, str], upstream_base: str) -> "Tracing | None":
    """The app's tracing as `environ` asks for it (spans of calls to `upstream_base`), None
    when it does not. RuntimeError, saying what to install, when it does but the `[otel]`
    extra is missing."""
    if not traces_wanted(environ):
        return None
    try:
        from app.ops.spans import Tracing  # here: the SDK only when it is used
    except ImportError as missing:
        names = ", ".join(sorted(name for name in environ if name.startswith("OTEL_")))
        raise RuntimeError(EXTRA_MISSING.format(names=names)) from missing
    return Tracing(upstream_base, metrics_wanted(environ))
