import type { EnvSettings } from '../config/env.js';
import type { EngineApi } from '../engine/types.js';
import type { HttpServer } from '../server/http.js';
import type { Logger } from '../util/logger.js';
import type { HealthStatus } from '../core/health.js';

/** What `serve` hands every bot when it starts it. */
export interface BotContext {
  env: EnvSettings;
  engine: EngineApi;
  http: HttpServer;
  logger: Logger;
}

export interface BotHandle {
  readonly name: string;
  /** Stop taking events; resolve when connections are closed. */
  stop(): Promise<void>;
  health(): Promise<HealthStatus>;
}

/** Each platform folder exports one of these from its index.ts. */
export type StartBot = (ctx: BotContext) => Promise<BotHandle>;
