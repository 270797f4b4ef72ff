// What every client script shares: the base URL from argv, a fetch that reaches only that
// origin, and one JSON report on stdout. tests/e2e/test_clients.py reads the report.

export const PROMPT = 'A red square';
// Asked of every model, as a client that takes whatever the model makes would ask:
// OpenRouter answers 404 unless the model outputs exactly these, which the proxy fixes.
export const MODALITIES = ['image', 'text'];

export const baseURL = process.argv[2];
if (!baseURL) {
  console.error('usage: node <script>.mjs <base URL, e.g. http://127.0.0.1:8080/v1>');
  process.exit(2);
}

// Installed before any client is made (they capture fetch when built). A client that phoned
// home (telemetry, a gateway) would be refused and show up in `requests`, failing the test.
const allowed = new URL(baseURL).origin;
const requests = [];
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
  requests.push(`${method} ${url.origin === allowed ? url.pathname : url.href}`);
  if (url.origin !== allowed) {
    return Promise.reject(new Error(`refused: ${url.href} is not the proxy`));
  }
  return realFetch(input, init);
};

/** The media types of `data:` URLs, as an OpenAI-shaped `images` list carries them. */
export function mediaTypes(images) {
  return (images ?? []).map((image) => image.image_url.url.slice(5).split(';')[0]);
}

/** Run each call in turn and print {calls: {name: result or {error}}, requests} as JSON. */
export async function report(calls) {
  const results = {};
  for (const [name, call] of Object.entries(calls)) {
    try {
      results[name] = await call();
    } catch (error) {
      const status = error.status ?? error.statusCode ?? null;
      results[name] = { error: { status, message: String(error.message) } };
    }
  }
  process.stdout.write(`${JSON.stringify({ calls: results, requests })}\n`);
}
