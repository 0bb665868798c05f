// The app served on a loopback socket, and raw HTTP/1.1 exchanges with it: what a client that stalls
// halfway, or never stops sending, looks like to the server.
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Harness } from './recur.js';

export interface Served {
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function serveOnSocket(app: Harness['app']): Promise<Served> {
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** From the first byte sent to the whole answer read. */
  elapsedMs: number;
}

/**
 * Sends `head` (request line and headers, without the blank line) and then each of `parts` as it comes,
 * without ever ending the request unless a part says so; resolves with the first whole answer. A part may be
 * a function: it is called once the previous parts are written, and its bytes written when it resolves (a
 * client that never sends more simply never resolves).
 */
export function rawExchange(port: number, head: string, parts: Array<string | Buffer | (() => Promise<string | Buffer>)>, timeoutMs = 10_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no whole answer within ${timeoutMs} ms; got ${JSON.stringify(received.toString('latin1').slice(0, 300))}`));
    }, timeoutMs);
    const finish = (answer: RawAnswer) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      const answer = parseAnswer(received, started);
      if (answer) finish(answer);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      const answer = parseAnswer(received, started, true);
      if (answer) finish(answer);
    });
    void (async () => {
      socket.write(`${head}\r\n\r\n`);
      for (const part of parts) {
        if (socket.destroyed) return;
        const bytes = typeof part === 'function' ? await part() : part;
        if (!socket.destroyed) socket.write(bytes);
      }
    })();
  });
}

function parseAnswer(received: Buffer, started: number, closed = false): RawAnswer | null {
  const end = received.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = received.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(lines[0]!.split(' ')[1]);
  const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  const body = received.subarray(end + 4);
  const length = Number(headers['content-length'] ?? NaN);
  if (Number.isFinite(length) ? body.length < length : !closed) return null;
  return { status, headers, body: body.subarray(0, Number.isFinite(length) ? length : undefined).toString('utf8'), elapsedMs: performance.now() - started };
}

/** A promise that never settles: a client that stops sending. */
export const never = () => new Promise<never>(() => {});
