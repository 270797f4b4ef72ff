"""OpenRouter's `GET /models` answers the tests read, byte-identical to their sources
(SOURCES.md says where each comes from, with its sha256)."""

import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent


def load_snapshot(name: str) -> list[dict[str, Any]]:
    """The `data` list of the snapshot `DATA_DIR / name`."""
    models: list[dict[str, Any]] = json.loads((DATA_DIR / name).read_bytes())["data"]
    return models
