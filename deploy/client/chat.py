"""The example client of deploy/docker-compose.yml: plain OpenAI SDK code, pointed at the proxy
by OPENAI_BASE_URL and OPENAI_API_KEY (read by the SDK itself)."""

import os

from openai import OpenAI


def main() -> None:
    client = OpenAI()
    image_models = client.models.list(extra_query={"output_modalities": "image"})
    print(f"{len(image_models.data)} models output images, e.g. {image_models.data[0].id}")
    model = os.environ.get("CHAT_MODEL", "openai/gpt-4o-mini")
    # A text model asked for images and text: the proxy drops `modalities`, so this works.
    raw = client.chat.completions.with_raw_response.create(
        model=model,
        messages=[{"role": "user", "content": "Say hello in five words."}],
        max_tokens=20,
        extra_body={"modalities": ["image", "text"]},
    )
    answer = raw.parse()
    print(f"{model}: {answer.choices[0].message.content!r}")
    print(f"X-Modalities: {raw.headers.get('x-modalities')}")


if __name__ == "__main__":
    main()
