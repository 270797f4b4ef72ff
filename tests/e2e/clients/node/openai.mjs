// openai-node as its README shows it, pointed at argv[2] (the proxy's /v1, or the fake).
import OpenAI from 'openai';

import { MODALITIES, PROMPT, baseURL, mediaTypes, report } from './harness.mjs';

const client = new OpenAI({ baseURL, apiKey: 'sk-or-test', maxRetries: 0 });
const messages = [{ role: 'user', content: PROMPT }];

async function chat(model) {
  const completion = await client.chat.completions.create({
    model,
    messages,
    modalities: MODALITIES,
  });
  const { message } = completion.choices[0];
  return { text: message.content, images: mediaTypes(message.images) };
}

async function chatStreamed(model) {
  const stream = await client.chat.completions.create({
    model,
    messages,
    modalities: MODALITIES,
    stream: true,
  });
  const result = { text: '', images: [], chunks: 0 };
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta ?? {};
    result.text += delta.content ?? '';
    result.chunks += delta.content ? 1 : 0;
    result.images.push(...mediaTypes(delta.images));
  }
  return result;
}

async function models() {
  const ids = [];
  for await (const model of client.models.list()) ids.push(model.id);
  return { count: ids.length, flux: ids.includes('black-forest-labs/flux.2-pro') };
}

await report({
  text: () => chat('openai/gpt-5'),
  image: () => chat('black-forest-labs/flux.2-pro'),
  'text streamed': () => chatStreamed('openai/gpt-5'),
  'image streamed': () => chatStreamed('black-forest-labs/flux.2-pro'),
  models,
});
