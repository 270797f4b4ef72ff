"""The fake's catalog: OpenRouter's recorded model list, and the `test/*` models it never lists."""

import gzip
import json
from pathlib import Path
from typing import Any

# OpenRouter's answer to `GET /models?output_modalities=all` of 2026-08-19, gzipped: a copy of
# tests/data/models-all-2026-08-19.json (tests/data/SOURCES.md; tests/dev/test_emulator.py checks
# it), the one catalog the emulator serves, at a twelfth of the bytes in the wheel.
CATALOG = Path(__file__).with_name("catalog.json.gz")
# Test-only text models: resolvable on chat but never listed by GET /models.
TEST_MODELS = (
    "test/slow",
    "test/stream-slow",
    "test/stream-forever",
    "test/stream-stall",
    "test/stream-error",
    "test/reset",
    "test/stream-reset",
)
TEST_AUDIO_MODELS = ("test/audio-error", "test/audio-reset")  # likewise, text and audio out


def load_catalog() -> list[dict[str, Any]]:
    """Return the ``data`` list of the emulator's catalog (``CATALOG``)."""
    models: list[dict[str, Any]] = json.loads(gzip.decompress(CATALOG.read_bytes()))["data"]
    return models


def models_by_id(models: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Return `models` by id, with the `test/*` models that chat resolves and no list shows."""
    by_id = {model["id"]: model for model in models}
    for test_id in TEST_MODELS:
        by_id[test_id] = {"id": test_id, "architecture": {"output_modalities": ["text"]}}
    audio = {"output_modalities": ["text", "audio"]}
    for test_id in TEST_AUDIO_MODELS:
        by_id[test_id] = {"id": test_id, "architecture": audio}
    return by_id
