import { createHash, timingSafeEqual } from 'node:crypto';
import type { RouteRequest } from '../../server/http.js';

const COOKIE = 'cie_playground';

/** 127.0.0.1, ::1, localhost: only this machine reaches the server. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * Who may use the playground, which spends the operator's SD and OpenAI budget. On a loopback
 * address: anyone on this machine (or token holders, when a token is set). Elsewhere: nobody
 * without PLAYGROUND_TOKEN; with it, only requests that carry it.
 */
export function playgroundAccess(host: string, token: string | undefined): { enabled: boolean; token?: string } {
  if (token) return { enabled: true, token };
  return { enabled: isLoopbackHost(host) };
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function cookieToken(req: RouteRequest): string | undefined {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/** The token a request presents: `Authorization: Bearer`, the playground cookie, or `?token=`. */
export function presented(req: RouteRequest): string | undefined {
  const auth = String(req.headers.authorization ?? '');
  if (auth.startsWith('Bearer ')) return auth.slice(7).trim();
  return cookieToken(req) ?? req.query.get('token') ?? undefined;
}

export function authorized(req: RouteRequest, token: string | undefined): boolean {
  if (!token) return true;
  const given = presented(req);
  // Compared as digests: equal length, constant time.
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

/** Set when the page is opened with ?token=: the browser then sends it with every request. */
export function tokenCookie(token: string): string {
  return `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}
