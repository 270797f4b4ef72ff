"""The bodies of `fuzz_requests`: each route's JSON fields with random values, the shapes that
have broken the proxy before (nesting past orjson's write limit, duplicate keys, numbers beyond
64 bits and doubles), and multipart forms for the routes that take them."""

import random

import orjson

MODELS = [
    "openai/gpt-5",
    "black-forest-labs/flux.2-pro",
    "google/gemini-2.5-flash-image",
    "openai/gpt-audio",
    "openai/text-embedding-3-small",
    "google/gemini-3.1-flash-tts-preview",
    "mistralai/voxtral-mini-tts-2603",
    "openai/whisper-1",
    "google/veo-3.1-lite",
    "qwen/qwen-image-3",
    "../../key",
    "a/%2e%2e/b",
    "",
    "x" * 300,
    "test/stream-error",
]
COMMON = ["model", "stream", "provider", "n", "seed", "user"]
FIELDS = {
    b"chat": ["messages", "modalities", "models", "tools", "image_config", "audio"],
    b"responses": ["input", "modalities", "image_config", "tools"],
    b"images": ["prompt", "size", "quality", "response_format", "input_references", "background"],
    b"embeddings": ["input", "encoding_format", "dimensions", "input_type"],
    b"speech": ["input", "voice", "response_format", "speed", "instructions"],
    b"transcriptions": ["input_audio", "language", "response_format", "temperature"],
    b"videos": ["prompt", "seconds", "size", "duration", "resolution", "aspect_ratio"],
}
# orjson parses 1,024 levels but writes fewer: the depths around both limits.
DEPTHS = [250, 253, 254, 255, 256, 300, 511, 512, 1000, 1023, 1024, 1025]


def _values(rng: random.Random) -> list[object]:
    return [
        None,
        True,
        1,
        -1,
        2**63,
        1.5,
        "",
        "x" * rng.randint(0, 5000),
        [],
        {},
        ["image", "text"],
        ["image"],
        ["audio"],
        [1, 2],
        {"a": [{}] * rng.randint(0, 50)},
        {"data": "AAAA", "format": "wav"},
        "\u0000\ud7ff",
        "1024x1024",
        "8",
        "base64",
        "mp3",
    ]


def _route(path: bytes) -> bytes:
    for route in FIELDS:
        if route in path:
            return route
    return b"chat"


def fields(rng: random.Random, path: bytes) -> dict[str, object]:
    """A body for the route of `path`: its fields (some of them), random values."""
    values = _values(rng)
    body: dict[str, object] = {"model": rng.choice([*MODELS, *values])}
    names = FIELDS[_route(path)] + COMMON
    for name in rng.sample(names, min(4, len(names))):
        if name != "model":
            body[name] = rng.choice(values)
    if _route(path) == b"chat" and rng.random() < 0.5:
        body["messages"] = [{"role": "user", "content": rng.choice(values)}]
    return body


# Requests a client would send: each reaches upstream, for the hostile answers to be tried on.
PLAUSIBLE: dict[bytes, list[dict[str, object]]] = {
    b"/v1/chat/completions": [
        {"model": "openai/gpt-5", "messages": [{"role": "user", "content": "hi"}]},
        {
            "model": "black-forest-labs/flux.2-pro",
            "messages": [{"role": "user", "content": "a"}],
            "modalities": ["image", "text"],
        },
        {
            "model": "openai/gpt-audio",
            "messages": [{"role": "user", "content": "hi"}],
            "modalities": ["text", "audio"],
            "audio": {"voice": "alloy", "format": "wav"},
        },
        {"model": "qwen/qwen-image-3", "messages": [{"role": "user", "content": "a"}]},
    ],
    b"/v1/responses": [{"model": "openai/gpt-5", "input": "hi"}],
    b"/v1/images/generations": [
        {"model": "black-forest-labs/flux.2-pro", "prompt": "a"},
        {"model": "black-forest-labs/flux.2-pro", "prompt": "a", "response_format": "url"},
    ],
    b"/v1/embeddings": [
        {"model": "openai/text-embedding-3-small", "input": ["a", "b"]},
        {"model": "openai/text-embedding-3-small", "input": "a", "encoding_format": "float"},
    ],
    b"/v1/audio/speech": [
        {"model": "mistralai/voxtral-mini-tts-2603", "input": "hi", "response_format": format}
        for format in ("wav", "mp3", "flac", "opus", "aac", "pcm")
    ],
    b"/v1/audio/transcriptions": [
        {"model": "openai/whisper-1", "input_audio": {"data": "UklGRg==", "format": "wav"}},
    ],
    b"/api/v1/videos": [{"model": "google/veo-3.1-lite", "prompt": "a", "duration": 8}],
}


def plausible(rng: random.Random) -> tuple[bytes, bytes]:
    """A well-formed request's path and JSON body, sometimes streamed."""
    path = rng.choice(list(PLAUSIBLE))
    body = dict(rng.choice(PLAUSIBLE[path]))
    if rng.random() < 0.3:
        body["stream"] = True
    return path, orjson.dumps(body)


def json_body(rng: random.Random, path: bytes) -> bytes:
    return orjson.dumps(fields(rng, path))


def nested(rng: random.Random, path: bytes) -> bytes:
    """A route's body with one value nested `DEPTHS` deep (in an array or objects)."""
    depth = rng.choice(DEPTHS)
    if rng.random() < 0.5:
        value = b"[" * depth + b"1" + b"]" * depth
    else:
        value = b'{"a":' * depth + b"1" + b"}" * depth
    body = json_body(rng, path)
    name = rng.choice([b"extra", b"messages", b"input", b"modalities", b"metadata"])
    return body[:-1] + b',"' + name + b'":' + value + b"}"


def odd_json(rng: random.Random, path: bytes) -> bytes:
    """Valid (or nearly) JSON that parsers disagree on: duplicate keys, huge numbers, NaN."""
    body = json_body(rng, path)[:-1]
    extra = rng.choice(
        [
            b',"model":"openai/gpt-5","model":"black-forest-labs/flux.2-pro"',
            b',"modalities":["image"],"modalities":["image","text"]',
            b',"stream":true,"stream":false',
            b',"seed":' + b"9" * rng.randint(19, 5000),
            b',"n":1e400',
            b',"n":-1e-400',
            b',"temperature":1.' + b"5" * 3000,
            b',"x":NaN,"x":Infinity',
            b',"\\u006dodel":"black-forest-labs/flux.2-pro"',
        ]
    )
    return body + extra + b"}"


def form_body(rng: random.Random, path: bytes) -> tuple[bytes, bytes]:
    """A multipart body for a form route (sometimes broken) and its Content-Type."""
    boundary = rng.choice([b"b", b"x" * 70, b"", b"\xff", b"--"])
    names = [b"model", b"prompt", b"n", b"image", b"image[]", b"mask", b"file", b"seconds"]
    names += [b"size", b"response_format", b"input_reference", b"timestamp_granularities[]", b"x"]
    parts = []
    for name in rng.sample(names, 5):
        value = rng.choice(
            [b"9" * rng.randint(1, 6000), rng.choice(MODELS).encode(), b"", b"\x89PNG", b"RIFF"]
        )
        is_file = name in (b"image", b"image[]", b"mask", b"file", b"input_reference")
        file = b'; filename="a.png"\r\nContent-Type: image/png' if is_file else b""
        head = b'Content-Disposition: form-data; name="' + name + b'"' + file
        parts.append(b"--" + boundary + b"\r\n" + head + b"\r\n\r\n" + value + b"\r\n")
    body = b"".join(parts) + (b"--" + boundary + b"--\r\n" if rng.random() < 0.8 else b"")
    return body, b"multipart/form-data; boundary=" + boundary
