"""The fake's `GET /videos/models`: one row per video model of the catalog snapshot.

docs/openrouter.md gives the shape and a few facts (`google/veo-3.1-lite` takes durations `[8, 4,
6]`; any `supported_*` may be null for edit, upscale and avatar models; `generate_audio` and `seed`
are booleans or null). The values per family below are MADE UP where docs/openrouter.md has no
facts, chosen to give the proxy three families with different parameter sets:
- Veo (`google/veo-*`): durations, resolutions and aspect ratios, no sizes, audio and seed.
- Sora (`openai/sora-*`): OpenAI's four sizes and durations 4, 8, 12, no resolutions or aspect
  ratios, no audio switch, no seed.
- Seedance (`bytedance/seedance-*`): 480p to 1080p, six aspect ratios, durations 5 and 10, seed.
- Aleph (`runway/aleph-*`, an edit model): every list null.
- Others: a plain set (720p and 1080p, three aspect ratios, durations 5 and 10).
"""

from __future__ import annotations

from typing import Any

FRAMES = ["first_frame", "last_frame"]
VEO = {
    "supported_resolutions": ["720p", "1080p"],
    "supported_aspect_ratios": ["16:9", "9:16"],
    "supported_sizes": None,
    "supported_durations": [4, 6, 8],
    "supported_frame_images": FRAMES,
    "generate_audio": True,
    "seed": True,
}
SORA = {
    "supported_resolutions": None,
    "supported_aspect_ratios": None,
    "supported_sizes": ["720x1280", "1280x720", "1024x1792", "1792x1024"],
    "supported_durations": [4, 8, 12],
    "supported_frame_images": ["first_frame"],
    "generate_audio": None,
    "seed": None,
}
SEEDANCE = {
    "supported_resolutions": ["480p", "720p", "1080p"],
    "supported_aspect_ratios": ["16:9", "9:16", "1:1", "4:3", "3:4", "21:9"],
    "supported_sizes": None,
    "supported_durations": [5, 10],
    "supported_frame_images": FRAMES,
    "generate_audio": False,
    "seed": True,
}
EDIT = {
    "supported_resolutions": None,
    "supported_aspect_ratios": None,
    "supported_sizes": None,
    "supported_durations": None,
    "supported_frame_images": None,
    "generate_audio": None,
    "seed": None,
}
OTHER = {
    "supported_resolutions": ["720p", "1080p"],
    "supported_aspect_ratios": ["16:9", "9:16", "1:1"],
    "supported_sizes": None,
    "supported_durations": [5, 10],
    "supported_frame_images": ["first_frame"],
    "generate_audio": False,
    "seed": None,
}
FAMILIES = (
    ("google/veo-", VEO),
    ("openai/sora-", SORA),
    ("bytedance/seedance-", SEEDANCE),
    ("runway/aleph-", EDIT),
)


def video_row(model: dict[str, Any]) -> dict[str, Any]:
    """A catalog video model as `GET /videos/models` lists it."""
    parameters = next((kept for prefix, kept in FAMILIES if model["id"].startswith(prefix)), OTHER)
    if model["id"] == "google/veo-3.1-lite":
        parameters = {**parameters, "supported_durations": [8, 4, 6]}  # docs/openrouter.md
    return {
        "id": model["id"],
        "canonical_slug": model.get("canonical_slug", model["id"]),
        "name": model.get("name", model["id"]),
        "created": model.get("created", 0),
        "description": model.get("description", ""),
        **parameters,
        "allowed_passthrough_parameters": [],
        "pricing_skus": {"per-video-second": "0.10"},
    }
