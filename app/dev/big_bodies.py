"""Large request bodies of each route that holds its body (read, parsed, sent): what a hostile
client sends many of at once, for `python -m bench.bodies_at_once` and the container tests.
Each is ordinary in shape, only large: a data URL or a long prompt, an uploaded file."""

import uuid
from dataclasses import dataclass

import orjson

IMAGE_MODEL = "black-forest-labs/flux.2-pro"  # outputs images only: ["image","text"] is rewritten
TRANSCRIBER = "openai/whisper-1"
EDITOR = "google/gemini-2.5-flash-image"


@dataclass(frozen=True)
class BigRequest:
    """One request: its path under the proxy, Content-Type, body and any other headers."""

    path: str
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def json_request(path: str, body: object) -> BigRequest:
    return BigRequest(path, "application/json", orjson.dumps(body))


def data_url(size: int) -> str:
    return "data:image/png;base64," + "A" * size


def chat(size: int) -> BigRequest:
    """A chat body whose one message holds a `size`-byte image; rewritten (`modalities`)."""
    part = {"type": "image_url", "image_url": {"url": data_url(size)}}
    body = {
        "model": IMAGE_MODEL,
        "modalities": ["image", "text"],
        "messages": [{"role": "user", "content": [part]}],
    }
    return BigRequest("/v1/chat/completions", "application/json", orjson.dumps(body))


def responses(size: int) -> BigRequest:
    """A Responses body whose one input holds a `size`-byte image; rewritten (`modalities`)."""
    part = {"type": "input_image", "image_url": data_url(size)}
    body = {
        "model": IMAGE_MODEL,
        "modalities": ["image", "text"],
        "input": [{"role": "user", "content": [part]}],
    }
    return BigRequest("/v1/responses", "application/json", orjson.dumps(body))


def images(size: int) -> BigRequest:
    """An image generation with a `size`-byte prompt."""
    body = {"model": IMAGE_MODEL, "prompt": "A" * size}
    return BigRequest("/v1/images/generations", "application/json", orjson.dumps(body))


def form(path: str, fields: dict[str, str], name: str, filename: str, file: bytes) -> BigRequest:
    """A multipart form of `fields` and one file, as the OpenAI SDK sends it."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    )
    body = b"".join([*parts, head.encode(), file, f"\r\n--{boundary}--\r\n".encode()])
    return BigRequest(path, f"multipart/form-data; boundary={boundary}", body)


def transcription(size: int) -> BigRequest:
    """A transcription of a `size`-byte file (spooled to the temporary directory)."""
    file = bytes(range(256)) * (size // 256)
    return form("/v1/audio/transcriptions", {"model": TRANSCRIBER}, "file", "a.wav", file)


def image_edit(size: int) -> BigRequest:
    """An image edit of one `size`-byte image (spooled, then sent as a data URL)."""
    fields = {"model": EDITOR, "prompt": "Make it blue"}
    return form("/v1/images/edits", fields, "image", "a.png", b"\x89PNG" + bytes(size - 4))


SHAPES = {
    "chat": chat,
    "responses": responses,
    "images": images,
    "transcription": transcription,
    "image_edit": image_edit,
}


def embeddings(inputs: int, dimensions: int, encoding: str) -> BigRequest:
    """An embeddings batch: a small request whose answer is `inputs` x `dimensions` numbers."""
    body = {
        "model": "openai/text-embedding-3-large",
        "input": [f"text {n}" for n in range(inputs)],
        "dimensions": dimensions,
        "encoding_format": encoding,
    }
    return json_request("/v1/embeddings", body)


def nested(path: str, depth: int) -> BigRequest:
    """A small JSON body of `path`'s with a value nested `depth` levels deep."""
    value = b"[" * depth + b"]" * depth
    body = b'{"model": "openai/gpt-5", "input": "hi", "prompt": "a", "x": ' + value + b"}"
    return BigRequest(path, "application/json", body)
