# modality-proxy image: listens on 0.0.0.0:8080, runs as uid 10001 (see deploy/README.md).
# Built and run by a real engine in tests/e2e/test_container.py (with .ci/run).
# `docker build .` makes the production image (the last stage): the proxy and nothing else.
# `--target demo` adds the [demo] extra and the openai SDK, for the emulator and the example
# client of deploy/compose.try.yml.

FROM python:3.11-slim AS builder
WORKDIR /src
COPY pyproject.toml ./
# The dependencies' wheels first, from pyproject.toml alone (empty files stand in for README.md
# and app/), so that a change to either rebuilds only the project's own wheel. The cache mount
# only speeds up rebuilds. The `otel` extra is in (about 15 MB): tracing is turned on by the
# OTEL_* variables where the image runs, without a rebuild; off, its packages are never imported.
RUN --mount=type=cache,target=/root/.cache/pip mkdir app && touch app/__init__.py README.md \
    && pip wheel --wheel-dir /wheels ".[otel]" && rm /wheels/modality_proxy-*.whl
# The demo image's extra wheels, apart: never installed in the production image.
RUN --mount=type=cache,target=/root/.cache/pip pip wheel --wheel-dir /demo-wheels \
    '.[demo]' 'openai>=3.50' && rm /demo-wheels/modality_proxy-*.whl
COPY README.md ./
COPY app ./app
RUN --mount=type=cache,target=/root/.cache/pip pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.11-slim AS proxy
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# The wheels are bind-mounted, not copied, so they never become a layer of this image.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels "modality-proxy[otel]"
# Numeric, so that Kubernetes' runAsNonRoot can verify it without reading /etc/passwd, and with
# no entry there: no name to clash with (Debian's images already have a user `proxy`, uid 13).
USER 10001:10001
ENV PROXY_HOST=0.0.0.0 \
    PROXY_PORT=8080
EXPOSE 8080
# slim has no curl; urlopen raises (exit 1) on anything but a 2xx answer.
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PROXY_PORT', '8080'), timeout=3)"]
CMD ["modality-proxy"]

FROM proxy AS demo
USER root
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    --mount=type=bind,from=builder,source=/demo-wheels,target=/demo-wheels \
    pip install --no-cache-dir --no-index --find-links /wheels --find-links /demo-wheels \
    'modality-proxy[demo]' 'openai>=3.50'
USER 10001:10001

# The default target: the production image, as the `proxy` stage made it.
FROM proxy
