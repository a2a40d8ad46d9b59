import { UserFacingError } from '../../util/errors.js';

/** Keys after which the fallback chain tries the next backend (the service, not the request, failed). */
export const FALLBACK_KEYS = new Set([
  'execute.backend.down',
  'execute.backend.timeout',
  'execute.backend.http_error',
  'execute.backend.bad_image',
  // the embedded inpainting model: missing, not downloadable, or broken
  'inpaint.unavailable',
  'inpaint.download_failed',
  'inpaint.failed',
  'inpaint.load_failed',
  'inpaint.bad_io',
  'inpaint.bad_output',
]);

export function canFallBack(err: unknown): boolean {
  return err instanceof UserFacingError && FALLBACK_KEYS.has(err.key);
}

export function shortDetail(err: unknown): string {
  // fetch and the SDKs wrap the socket error ("fetch failed" ← ECONNREFUSED): report the innermost one.
  let cur: unknown = err;
  let message = '';
  for (let depth = 0; depth < 5 && cur && typeof cur === 'object'; depth++) {
    const { code, message: m, cause } = cur as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string' && /^E[A-Z]+$|^UND_ERR/.test(code)) return code;
    if (typeof m === 'string' && m) message = m;
    cur = cause;
  }
  return (message || String(err)).split('\n')[0]!.slice(0, 120);
}

/** Text of an error response without markup, for a one-line detail. */
export function errorBodyDetail(body: string): string {
  const text = body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  try {
    const json = JSON.parse(body) as { detail?: unknown; error?: unknown; errors?: unknown };
    const d = json.detail ?? json.error ?? json.errors;
    if (d) return (typeof d === 'string' ? d : JSON.stringify(d)).slice(0, 160);
  } catch {
    /* not JSON */
  }
  return text.slice(0, 160) || 'empty body';
}
