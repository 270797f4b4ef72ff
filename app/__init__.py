"""modality-proxy: an OpenAI-compatible proxy that fixes `modalities` per OpenRouter model."""
