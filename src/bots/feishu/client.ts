import { LRUCache } from 'lru-cache';
import * as lark from '@larksuiteoapi/node-sdk';
import type { Logger } from '../../util/logger.js';

export const FEISHU_OPEN_API = 'https://open.feishu.cn';
export const LARK_OPEN_API = 'https://open.larksuite.com';

/**
 * FEISHU_DOMAIN: "feishu" (default, open.feishu.cn), "lark" (open.larksuite.com), or a base URL
 * (a private deployment, a proxy, or a test's loopback fake).
 */
export function resolveFeishuDomain(raw: string | undefined): string {
  const value = raw?.trim();
  if (!value || value.toLowerCase() === 'feishu') return FEISHU_OPEN_API;
  if (value.toLowerCase() === 'lark' || value.toLowerCase() === 'larksuite') return LARK_OPEN_API;
  const withScheme = /^[a-z]+:\/\//i.test(value) ? value : `https://${value}`;
  return withScheme.replace(/\/+$/, '');
}

/** Lark (international) users read English first; Feishu users Chinese. */
export function isLarkDomain(domain: string): boolean {
  return /larksuite\.com/i.test(domain);
}

/** Routes the SDK's console logging into our pino logger; its chatty "info" lines become debug. */
export function sdkLogger(logger: Logger): lark.Logger {
  const one = (m: unknown): string => {
    if (typeof m === 'string') return m;
    if (m instanceof Error) return m.message;
    try {
      return JSON.stringify(m) ?? String(m);
    } catch {
      return String(m);
    }
  };
  const line = (msg: unknown[]): string => msg.map(one).join(' ');
  return {
    error: (...msg: unknown[]) => logger.error({ sdk: 'lark' }, line(msg)),
    warn: (...msg: unknown[]) => logger.warn({ sdk: 'lark' }, line(msg)),
    info: (...msg: unknown[]) => logger.debug({ sdk: 'lark' }, line(msg)),
    debug: (...msg: unknown[]) => logger.debug({ sdk: 'lark' }, line(msg)),
    trace: (...msg: unknown[]) => logger.trace({ sdk: 'lark' }, line(msg)),
  };
}

/**
 * A token cache per bot: the SDK's default cache is module-wide, which would share a tenant token
 * between two bots (or two tests) that use the same app id against different domains.
 */
type CacheKey = Parameters<lark.Cache['get']>[0];

export class TokenCache implements lark.Cache {
  private readonly values = new LRUCache<string, { value: unknown }>({ max: 1000 });

  private key(key: CacheKey, namespace?: string): string {
    return `${namespace ?? ''}/${key.toString()}`;
  }

  async get(key: CacheKey, options?: { namespace?: string }): Promise<unknown> {
    return this.values.get(this.key(key, options?.namespace))?.value;
  }

  async set(key: CacheKey, value: unknown, expiresAt?: number, options?: { namespace?: string }): Promise<boolean> {
    const ttl = expiresAt === undefined ? undefined : expiresAt - Date.now();
    if (ttl !== undefined && ttl <= 0) this.values.delete(this.key(key, options?.namespace));
    else this.values.set(this.key(key, options?.namespace), { value }, ttl === undefined ? {} : { ttl });
    return true;
  }
}

export function createLarkClient(opts: { appId: string; appSecret: string; domain: string; logger: Logger }): lark.Client {
  return new lark.Client({
    appId: opts.appId,
    appSecret: opts.appSecret,
    appType: lark.AppType.SelfBuild,
    domain: opts.domain,
    cache: new TokenCache(),
    logger: sdkLogger(opts.logger),
    loggerLevel: lark.LoggerLevel.info,
  });
}
