// The Vercel AI SDK with OpenRouter's provider, as its README shows it, pointed at argv[2]
// (the proxy's /api/v1, or the fake).
import { createOpenRouter } from '@openrouter/ai-sdk-provider';
import { generateText, streamText } from 'ai';

import { MODALITIES, PROMPT, baseURL, report } from './harness.mjs';

globalThis.AI_SDK_LOG_WARNINGS = false; // stdout carries the report only

const openrouter = createOpenRouter({ baseURL, apiKey: 'sk-or-test' });
// OpenRouter's fields as the provider's README passes them; `usage` must survive the rewrite.
const options = (model) => ({
  model: openrouter(model, { usage: { include: true } }),
  prompt: PROMPT,
  maxRetries: 0,
  providerOptions: { openrouter: { modalities: MODALITIES } },
});

async function generate(model) {
  const result = await generateText(options(model));
  return { text: result.text, images: result.files.map((file) => file.mediaType) };
}

async function stream(model) {
  const result = { text: '', images: [], chunks: 0 };
  // Errors arrive as stream parts, thrown below; the default onError would also log them.
  const parts = streamText({ ...options(model), onError: () => {} }).fullStream;
  for await (const part of parts) {
    if (part.type === 'error') throw part.error;
    if (part.type === 'text-delta' && part.text) {
      result.text += part.text;
      result.chunks += 1;
    }
    if (part.type === 'file') result.images.push(part.file.mediaType);
  }
  return result;
}

await report({
  text: () => generate('openai/gpt-5'),
  image: () => generate('black-forest-labs/flux.2-pro'),
  'text streamed': () => stream('openai/gpt-5'),
  'image streamed': () => stream('black-forest-labs/flux.2-pro'),
});
