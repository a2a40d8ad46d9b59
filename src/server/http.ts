import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getLogger } from '../util/logger.js';

export interface RouteRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** The exact bytes received (signature checks need them untouched). Empty for streamed routes. */
  body: Buffer;
  req: http.IncomingMessage;
  res: http.ServerResponse;
}

export interface RouteResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer | object;
}

/** A handler answers with a RouteResponse, or writes to `res` itself (SSE, streaming) and returns nothing. */
export type RouteHandler = (request: RouteRequest) => Promise<RouteResponse | void> | RouteResponse | void;

interface Route {
  method: string;
  path: string;
  prefix: boolean;
  maxBodyBytes: number;
  handler: RouteHandler;
}

export interface RouteOptions {
  /** Match every path that starts with `path` (e.g. "/assets/"). */
  prefix?: boolean;
  /** Largest body read into memory; larger requests get 413 (default 1 MiB). */
  maxBodyBytes?: number;
}

/**
 * The one HTTP server of the process (DESIGN.md: one server for webhooks, health, metrics and
 * the playground). Plain node:http: every route needs the raw body for signature checks.
 */
export class HttpServer {
  private readonly routes: Route[] = [];
  private server?: http.Server;

  constructor() {
    this.route('GET', '/healthz', () => ({ status: 200, body: { status: 'ok' } }));
  }

  route(method: string, path: string, handler: RouteHandler, options: RouteOptions = {}): void {
    this.routes.push({
      method: method.toUpperCase(),
      path,
      prefix: options.prefix ?? false,
      maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
      handler,
    });
  }

  has(method: string, path: string): boolean {
    return this.routes.some((r) => r.method === method.toUpperCase() && r.path === path);
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    const server = http.createServer((req, res) => void this.dispatch(req, res));
    server.keepAliveTimeout = 5_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections?.();
    });
  }

  private match(method: string, path: string): { route?: Route; pathKnown: boolean } {
    let pathKnown = false;
    for (const r of this.routes) {
      const hit = r.prefix ? path.startsWith(r.path) : path === r.path;
      if (!hit) continue;
      pathKnown = true;
      if (r.method === method || (method === 'HEAD' && r.method === 'GET')) return { route: r, pathKnown };
    }
    return { pathKnown };
  }

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const { route, pathKnown } = this.match(method, url.pathname);
    if (!route) {
      send(res, pathKnown ? { status: 405, body: { error: 'method not allowed' } } : { status: 404, body: { error: 'not found' } });
      req.resume();
      return;
    }
    try {
      const body = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : await readBody(req, route.maxBodyBytes);
      if (body === null) {
        send(res, { status: 413, body: { error: 'request body too large' } });
        return;
      }
      const result = await route.handler({ method, path: url.pathname, query: url.searchParams, headers: req.headers, body, req, res });
      if (result && !res.headersSent) send(res, result);
    } catch (err) {
      getLogger().error({ err, path: url.pathname }, 'http handler failed');
      if (!res.headersSent) send(res, { status: 500, body: { error: 'internal error' } });
      else res.end();
    }
  }
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooBig = true;
        chunks.length = 0;
        return;
      }
      if (!tooBig) chunks.push(chunk);
    });
    req.on('end', () => resolve(tooBig ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function send(res: http.ServerResponse, r: RouteResponse): void {
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  let payload: string | Buffer | undefined;
  if (r.body === undefined) payload = undefined;
  else if (typeof r.body === 'string' || Buffer.isBuffer(r.body)) payload = r.body;
  else {
    payload = JSON.stringify(r.body);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  res.writeHead(r.status, headers);
  res.end(payload);
}
