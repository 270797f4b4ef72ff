"""`modality-proxy demo`: the problem and the fix in ten seconds, with no OpenRouter key.

Starts the emulated OpenRouter and the proxy on free loopback ports, sends the requests that
started this project straight to the emulator and through the proxy, and tabulates what each
answered and what `modalities` reached the emulator (each call, when the proxy made two).
"""

import orjson

from app.dev import DemoExtraMissing
from app.dev.emulator import FakeOpenRouter
from app.dev.local_server import serve, wait_until_ready
from app.main import SERVER_OPTIONS, create_app
from app.settings import Settings

try:
    import httpx2
except ModuleNotFoundError:  # a plain install, without the [demo] extra
    raise DemoExtraMissing("httpx2") from None

CASES = (
    ("black-forest-labs/flux.2-pro", ["image", "text"]),
    ("google/gemini-2.5-flash-image", ["image"]),
    ("openai/gpt-5", ["image", "text"]),
)
COLUMNS = ("model", "asked", "straight", "through the proxy", "modalities sent upstream")


def run() -> list[tuple[str, ...]]:
    """One row per case: model, asked, status straight to the emulator, status through the
    proxy, and the `modalities` the proxy sent (`none` when it dropped the field; `image then
    image,text` when upstream refused the first)."""
    emulator = FakeOpenRouter()
    with serve(emulator.app) as emulator_url:
        # WARNING: no access lines on stderr, between the lines of the table.
        settings = Settings(
            openrouter_base_url=f"{emulator_url}/api/v1",
            openrouter_api_key=None,
            proxy_log_level="WARNING",
        )
        with serve(create_app(settings), **SERVER_OPTIONS) as proxy_url:
            wait_until_ready(proxy_url)
            return [
                _case(emulator, f"{emulator_url}/api/v1", f"{proxy_url}/v1", model, asked)
                for model, asked in CASES
            ]


def _case(
    emulator: FakeOpenRouter, straight: str, proxied: str, model: str, asked: list[str]
) -> tuple[str, ...]:
    body = {"model": model, "modalities": asked, "messages": [{"role": "user", "content": "Hi"}]}
    headers = {"Authorization": "Bearer demo"}  # the emulator wants a key, any key
    direct = httpx2.post(f"{straight}/chat/completions", json=body, headers=headers)
    before = len(emulator.requests)
    through = httpx2.post(f"{proxied}/chat/completions", json=body, headers=headers)
    calls = [r for r in emulator.requests[before:] if r.path.endswith("/chat/completions")]
    sent = [orjson.loads(call.body).get("modalities") for call in calls]
    return (
        model,
        ",".join(asked),
        _status(direct),
        _status(through),
        " then ".join(",".join(each) if each else "none (dropped)" for each in sent),
    )


def _status(response: httpx2.Response) -> str:
    """`200, 1 image`, `200, text`, or the error's status and the start of its message."""
    if response.is_success:
        images = response.json()["choices"][0]["message"].get("images", [])
        return f"{response.status_code}, {len(images)} image" if images else "200, text"
    message = response.json()["error"]["message"]
    shown = f"{message[:40]}..." if len(message) > 40 else message
    return f"{response.status_code}: {shown}"
