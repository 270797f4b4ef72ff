// OpenRouter's official TypeScript SDK (@openrouter/sdk), as its README shows it, pointed at
// argv[2] (the proxy's /api/v1, or the fake). It validates every answer against OpenRouter's
// OpenAPI schema: an answer it rejects shows up as an error in the report.
import { OpenRouter } from '@openrouter/sdk';

import { PROMPT, baseURL, mediaTypes, report } from './harness.mjs';

const client = new OpenRouter({
  apiKey: 'sk-or-test',
  serverURL: baseURL,
  retryConfig: { strategy: 'none' },
});
const messages = [{ role: 'user', content: PROMPT }];
// Asked of every seed model: a subset or a superset of what each outputs, fixed by the proxy.
const modalities = ['image', 'text'];
const MAX_PAGES = 10; // the catalog is 2 pages of 500: a paging that never ends stops here

/** The SDK's answer in camelCase; the harness's mediaTypes reads OpenAI's snake_case. */
const imageTypes = (images) => mediaTypes(images?.map((i) => ({ image_url: i.imageUrl })));

async function chat(model) {
  const completion = await client.chat.send({ chatRequest: { model, messages, modalities } });
  const { message } = completion.choices[0];
  return { text: message.content, images: imageTypes(message.images) };
}

// The SDK's stream delta has no `images` (OpenRouter's schema lists none there): the text and
// how the answer finished.
async function chatStreamed(model) {
  const stream = await client.chat.send({
    chatRequest: { model, messages, modalities, stream: true },
  });
  const result = { text: '', finished: [] };
  for await (const chunk of stream) {
    for (const choice of chunk.choices) {
      result.text += choice.delta?.content ?? '';
      if (choice.finishReason) result.finished.push(choice.finishReason);
    }
  }
  return { text: result.text, finished: result.finished[0] };
}

/** Every page of `models.list`, followed with `for await` as the README shows. */
async function models(request) {
  const ids = [];
  let pages = 0;
  for await (const page of await client.models.list(request)) {
    ids.push(...page.result.data.map((model) => model.id));
    pages += 1;
    if (pages >= MAX_PAGES) throw new Error(`still paging after ${pages} pages, ${ids.length} ids`);
  }
  return { pages, count: ids.length, unique: new Set(ids).size, ids };
}

async function images() {
  const answer = await client.images.generate({
    imageGenerationRequest: { model: 'black-forest-labs/flux.2-pro', prompt: PROMPT },
  });
  return { images: answer.data.map((image) => Boolean(image.b64Json)) };
}

async function embeddings() {
  const answer = await client.embeddings.generate({
    requestBody: { model: 'openai/text-embedding-3-small', input: ['a', 'b'] },
  });
  return { vectors: answer.data.map((item) => item.embedding.length > 0) };
}

async function speech() {
  const audio = await client.tts.createSpeech({
    speechRequest: {
      model: 'hexgrad/kokoro-82m',
      input: 'Hello',
      voice: 'af_alloy',
      responseFormat: 'mp3',
    },
  });
  const bytes = new Uint8Array(await new Response(audio).arrayBuffer());
  return { audio: bytes.length > 0 };
}

/** One second of 16-bit mono silence at 16 kHz, as a WAV file. */
function silence() {
  const samples = 16000;
  const wav = new DataView(new ArrayBuffer(44 + samples * 2));
  const text = (at, s) => [...s].forEach((c, i) => wav.setUint8(at + i, c.charCodeAt(0)));
  text(0, 'RIFF');
  wav.setUint32(4, 36 + samples * 2, true);
  text(8, 'WAVEfmt ');
  wav.setUint32(16, 16, true); // the fmt chunk's size
  wav.setUint16(20, 1, true); // PCM
  wav.setUint16(22, 1, true); // mono
  wav.setUint32(24, 16000, true);
  wav.setUint32(28, 32000, true);
  wav.setUint16(32, 2, true);
  wav.setUint16(34, 16, true);
  text(36, 'data');
  wav.setUint32(40, samples * 2, true);
  return new Blob([wav.buffer], { type: 'audio/wav' });
}

async function transcription() {
  const answer = await client.stt.createTranscriptionMultipart({
    requestBody: { model: 'openai/whisper-1', file: silence() },
  });
  return { text: Boolean(answer.text) };
}

const SEED_MODELS = [
  'black-forest-labs/flux.2-pro',
  'google/gemini-2.5-flash-image',
  'openai/gpt-5',
];
await report({
  ...Object.fromEntries(SEED_MODELS.map((model) => [model, () => chat(model)])),
  ...Object.fromEntries(SEED_MODELS.map((model) => [`${model} streamed`, () => chatStreamed(model)])),
  'qwen/qwen-image-3': () => chat('qwen/qwen-image-3'),
  models: () => models(),
  'image models': () => models({ outputModalities: 'image', limit: 20 }),
  images,
  embeddings,
  speech,
  transcription,
});
