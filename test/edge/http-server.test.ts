import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { HttpServer } from '../../src/server/http.js';
import { getLogger } from '../../src/util/logger.js';

let server: HttpServer;
let port = 0;
const received: number[] = [];

beforeAll(async () => {
  server = new HttpServer();
  server.route('POST', '/echo', ({ body }) => {
    received.push(body.length);
    return { status: 200, body: { bytes: body.length } };
  });
  server.route('POST', '/small', ({ body }) => ({ status: 200, body: { bytes: body.length } }), { maxBodyBytes: 16 });
  server.route('POST', '/slow', ({ body }) => ({ status: 200, body: { bytes: body.length } }), { bodyTimeoutMs: 200 });
  server.route('POST', '/boom', () => {
    throw new Error('handler bug');
  });
  port = (await server.listen('127.0.0.1', 0)).port;
});

afterAll(() => server.close());
afterEach(() => vi.restoreAllMocks());

/**
 * Writes raw bytes and collects what the server answers until it closes the connection (or
 * `untilStatus` is seen, for answers on a connection that stays open). Resolves with the text.
 */
function raw(request: string | Buffer, opts: { endAfterWrite?: boolean; untilStatus?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d) => {
      text += d.toString('latin1');
      if (opts.untilStatus && /\r\n\r\n/.test(text)) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('error', (err) => (text ? resolve(text) : reject(err)));
    socket.on('close', () => resolve(text));
    socket.write(request);
    if (opts.endAfterWrite) socket.end();
  });
}

const status = (text: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);

describe('HttpServer limits', () => {
  it('refuses a declared Content-Length above the limit with 413 before reading the body', async () => {
    // Headers only: the 2 MiB body is never sent, yet the answer comes and the connection closes.
    const text = await raw(`POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${2 * 1024 * 1024}\r\n\r\n`);
    expect(status(text)).toBe(413);
    expect(text.toLowerCase()).toContain('connection: close');
    expect(received).toEqual([]);
  });

  it('uses the route limit for the declared length', async () => {
    expect(status(await raw('POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n'))).toBe(413);
    const ok = await raw('POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 16\r\nConnection: close\r\n\r\n0123456789abcdef');
    expect(status(ok)).toBe(200);
  });

  it('refuses a chunked body that grows past the limit', async () => {
    const chunk = 'x'.repeat(10);
    const text = await raw(`POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\na\r\n${chunk}\r\na\r\n${chunk}\r\n`);
    expect(status(text)).toBe(413);
  });

  it('answers 408 when the body does not arrive in time', async () => {
    const text = await raw('POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npartial');
    expect(status(text)).toBe(408);
    expect(text.toLowerCase()).toContain('connection: close');
  });

  it('logs an aborted upload at debug level, without an error', async () => {
    const logger = getLogger();
    const error = vi.spyOn(logger, 'error');
    const debug = vi.spyOn(logger, 'debug');
    await new Promise<void>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly a little', () => setTimeout(() => socket.destroy(), 20));
      });
      socket.on('close', () => resolve());
    });
    await vi.waitFor(() => expect(debug).toHaveBeenCalled());
    expect(error).not.toHaveBeenCalled();
    const [fields] = debug.mock.calls.at(-1) as unknown as [Record<string, unknown>];
    expect(fields).not.toHaveProperty('err');
    // Still serving.
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it('survives request targets that a URL parser refuses (GET // used to crash the process)', async () => {
    for (const target of ['//', '///', '//[', '/%zz', '*']) {
      const text = await raw(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect([400, 404], target).toContain(status(text));
    }
    for (const target of ['http://[', 'ftp://x/y']) {
      expect(status(await raw(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)), target).toBe(400);
    }
    // Absolute-form targets (which servers must accept) still reach their route.
    expect(status(await raw('GET http://example.test/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it('does not wait for bodies it will not read', async () => {
    expect(status(await raw('POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n'))).toBe(404);
    expect(status(await raw('PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n'))).toBe(405);
    expect(status(await raw('GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n'))).toBe(400);
  });

  it('still answers 500 to a handler bug, and logs it as an error', async () => {
    const error = vi.spyOn(getLogger(), 'error');
    const res = await fetch(`http://127.0.0.1:${port}/boom`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(500);
    expect(error).toHaveBeenCalled();
  });
});
