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
  bodyTimeoutMs: number;
  handler: RouteHandler;
}

export interface RouteOptions {
  /** Match every path that starts with `path` (e.g. "/assets/"). */
  prefix?: boolean;
  /** Largest body read into memory; larger requests get 413, refused on their Content-Length when they declare one (default 1 MiB). */
  maxBodyBytes?: number;
  /** Time allowed to receive the whole body; a slower sender gets 408 (default 30 s, plus 1 s per MiB of limit above 1 MiB). */
  bodyTimeoutMs?: number;
}

const MIB = 1024 * 1024;
export const DEFAULT_MAX_BODY_BYTES = MIB;
/** Time to receive a request's headers (node checks every CONNECTIONS_CHECK_MS). */
export const HEADERS_TIMEOUT_MS = 15_000;
/** Backstop for a whole request, above every route's body timeout. */
export const REQUEST_TIMEOUT_MS = 120_000;
const CONNECTIONS_CHECK_MS = 5_000;

function defaultBodyTimeout(maxBodyBytes: number): number {
  return 30_000 + Math.max(0, Math.ceil((maxBodyBytes - MIB) / MIB)) * 1_000;
}

/**
 * The one HTTP server of the process (DESIGN.md: one server for webhooks, health, metrics and
 * the playground). Plain node:http: every route needs the raw body for signature checks.
 */
export class HttpServer {
  private readonly routes: Route[] = [];
  private server?: http.Server;
  private refusal?: (req: http.IncomingMessage) => RouteResponse;

  constructor() {
    this.route('GET', '/healthz', () => ({ status: 200, body: { status: 'ok' } }));
  }

  route(method: string, path: string, handler: RouteHandler, options: RouteOptions = {}): void {
    this.routes.push({
      method: method.toUpperCase(),
      path,
      prefix: options.prefix ?? false,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      bodyTimeoutMs: Math.min(options.bodyTimeoutMs ?? defaultBodyTimeout(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES), REQUEST_TIMEOUT_MS - 1_000),
      handler,
    });
  }

  /**
   * Shutdown step 1: every request that brings something in (any method but GET and HEAD: webhooks,
   * the playground's messages and clicks) gets `refusal` (503 with Retry-After), so platforms
   * deliver it again later or elsewhere. GET routes (/healthz, /metrics, pages) go on answering.
   */
  stopAccepting(refusal: (req: http.IncomingMessage) => RouteResponse): void {
    this.refusal = refusal;
  }

  get accepting(): boolean {
    return this.refusal === undefined;
  }

  has(method: string, path: string): boolean {
    return this.routes.some((r) => r.method === method.toUpperCase() && r.path === path);
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    // A slow sender must not hold a connection: headers, the whole request and each body are timed.
    const server = http.createServer(
      { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: CONNECTIONS_CHECK_MS },
      (req, res) => void this.dispatch(req, res),
    );
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
    let pathname = '';
    try {
      const url = parseTarget(req.url);
      if (!url) return refuse(res, { status: 400, body: { error: 'bad request target' } });
      pathname = url.pathname;
      const method = (req.method ?? 'GET').toUpperCase();
      if (this.refusal && method !== 'GET' && method !== 'HEAD') return refuse(res, this.refusal(req));
      const { route, pathKnown } = this.match(method, pathname);
      if (!route) {
        const answer = pathKnown ? { status: 405, body: { error: 'method not allowed' } } : { status: 404, body: { error: 'not found' } };
        // A body we will not read is not waited for: the connection closes after the answer.
        if (hasBody(req)) return refuse(res, answer);
        send(res, answer);
        req.resume();
        return;
      }
      let body: Buffer = Buffer.alloc(0);
      if (method === 'GET' || method === 'HEAD') {
        if (hasBody(req)) return refuse(res, { status: 400, body: { error: `${method} requests carry no body` } });
      } else {
        // Refused on the declared length, before a byte of the body is read.
        const declared = declaredLength(req);
        if (declared !== undefined && declared > route.maxBodyBytes) return refuse(res, TOO_LARGE);
        const outcome = await readBody(req, route.maxBodyBytes, route.bodyTimeoutMs);
        if (outcome.kind === 'too-large') return refuse(res, TOO_LARGE);
        if (outcome.kind === 'timeout') return refuse(res, { status: 408, body: { error: 'request body not received in time' } });
        if (outcome.kind === 'aborted') {
          getLogger().debug({ path: pathname, received: outcome.received }, 'client went away before its request body was complete');
          return;
        }
        body = outcome.body;
      }
      const result = await route.handler({ method, path: pathname, query: url.searchParams, headers: req.headers, body, req, res });
      if (result && !res.headersSent) send(res, result);
    } catch (err) {
      if (clientGone(req, res, err)) {
        getLogger().debug({ path: pathname, code: (err as NodeJS.ErrnoException)?.code }, 'client went away during the request');
        if (!res.destroyed) res.destroy();
        return;
      }
      getLogger().error({ err, path: pathname }, 'http handler failed');
      if (!res.headersSent) send(res, { status: 500, body: { error: 'internal error' } });
      else res.end();
    }
  }
}

const TOO_LARGE: RouteResponse = { status: 413, body: { error: 'request body too large' } };

/**
 * The path and query of a request target: origin-form ("/path?q"), or absolute-form
 * ("http://host/path", which servers must accept). Anything else is undefined (400).
 */
function parseTarget(target: string | undefined): URL | undefined {
  const raw = target ?? '/';
  try {
    if (raw.startsWith('/')) return new URL(`http://localhost${raw}`);
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

function declaredLength(req: http.IncomingMessage): number | undefined {
  const raw = req.headers['content-length'];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function hasBody(req: http.IncomingMessage): boolean {
  const declared = declaredLength(req);
  return (declared !== undefined && declared > 0) || req.headers['transfer-encoding'] !== undefined;
}

/** Answers and closes the connection, so a body that was not (fully) read is not waited for. */
function refuse(res: http.ServerResponse, r: RouteResponse): void {
  if (res.headersSent || res.destroyed) return;
  send(res, { ...r, headers: { ...(r.headers ?? {}), connection: 'close' } });
}

function clientGone(req: http.IncomingMessage, res: http.ServerResponse, err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNABORTED') return true;
  return (req.destroyed && !req.complete) || (res.destroyed && !res.writableFinished);
}

type BodyOutcome =
  | { kind: 'ok'; body: Buffer }
  | { kind: 'too-large' }
  | { kind: 'timeout' }
  | { kind: 'aborted'; received: number };

/** Reads the body up to `limit` bytes within `timeoutMs`; never rejects. */
function readBody(req: http.IncomingMessage, limit: number, timeoutMs: number): Promise<BodyOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: BodyOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      // Later errors of this request (the client resetting) must not become uncaught exceptions.
      req.on('error', () => undefined);
      req.off('error', onError);
      if (outcome.kind !== 'ok') chunks.length = 0;
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        settle({ kind: 'too-large' });
        req.pause();
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => settle({ kind: 'ok', body: Buffer.concat(chunks, size) });
    const onError = () => settle({ kind: 'aborted', received: size });
    const onClose = () => settle(req.complete ? { kind: 'ok', body: Buffer.concat(chunks, size) } : { kind: 'aborted', received: size });
    const timer = setTimeout(() => {
      settle({ kind: 'timeout' });
      req.pause();
    }, timeoutMs);
    timer.unref();
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
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
