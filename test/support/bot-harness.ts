import type { EnvSettings } from '../../src/config/env.js';
import { createDiscordBot } from '../../src/bots/discord/index.js';
import { createFeishuBot } from '../../src/bots/feishu/index.js';
import { createSlackBot } from '../../src/bots/slack/index.js';
import type { Bot } from '../../src/bots/types.js';
import type { HealthStatus } from '../../src/core/health.js';
import type { Engine } from '../../src/engine/index.js';
import { eventOf, type ActionEvent, type ChatAdapter, type CommandInvocation, type Deliver, type IncomingMessage, type ReplyContext, type ThreadRef, type UserRef } from '../../src/engine/types.js';
import type { HttpServer } from '../../src/server/http.js';
import { getLogger, type Logger } from '../../src/util/logger.js';

/**
 * A stand-in engine for a bot's own tests: it records what the bot delivers and answers through the
 * adapter it is given, which already carries the event's reply context (as the engine's outbox does).
 */
export interface StubEngine {
  handleMessage(message: IncomingMessage, adapter: ChatAdapter): Promise<void>;
  handleCommand?(command: CommandInvocation, adapter: ChatAdapter): Promise<void>;
  handleAction(action: ActionEvent, adapter: ChatAdapter): Promise<void>;
  isActiveThread?(thread: ThreadRef, user?: UserRef): Promise<boolean>;
  /** Called once the bot can send, as the engine's recovery of interrupted jobs. */
  registerAdapter?(adapter: ChatAdapter): Promise<void>;
}

/** The adapter with one event's reply context bound to every call. */
export function bindContext(adapter: ChatAdapter, ctx: ReplyContext | undefined): ChatAdapter {
  return {
    platform: adapter.platform,
    send: (thread, reply) => adapter.send(thread, reply, ctx),
    update: (message, reply) => adapter.update(message, reply, ctx),
    sendEphemeral: (thread, user, reply) => adapter.sendEphemeral(thread, user, reply, ctx),
    uploadLimit: (thread) => adapter.uploadLimit(thread, ctx),
    download: (image, signal) => adapter.download(image, signal),
  };
}

export interface RunningBot<B extends Bot> {
  bot: B;
  /** Resolves when every event delivered so far has been handled. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a bot the way the app does, in front of a real engine or a stub. */
export async function runBot<B extends Bot>(bot: B, o: { engine: Engine | StubEngine; http: HttpServer; logger?: Logger }): Promise<RunningBot<B>> {
  const logger = o.logger ?? getLogger();
  const inflight = new Set<Promise<unknown>>();
  const background = <T>(work: Promise<T>): Promise<T> => {
    inflight.add(work);
    void work.finally(() => inflight.delete(work)).catch(() => undefined);
    return work;
  };
  const engine = o.engine;
  let deliver: Deliver;
  let threads: { isActive(thread: ThreadRef, user?: UserRef): Promise<boolean> };
  if ('deliver' in engine) {
    engine.attach(bot.adapter);
    // As the app does: the bot gets `accept` (resolves once the event is stored); idle() waits for the handling.
    deliver = (event, ctx) => background(engine.accept(event, ctx));
    threads = engine;
  } else {
    // As the engine does: the first delivery of an event id wins, re-deliveries are dropped; the
    // event counts as stored at once and is handled afterwards.
    const seen = new Set<string>();
    deliver = (event, ctx) => {
      const ev = eventOf(event);
      if (seen.has(`${ev.platform}:${ev.eventId}`)) return Promise.resolve();
      seen.add(`${ev.platform}:${ev.eventId}`);
      const adapter = bindContext(bot.adapter, ctx);
      const work =
        event.kind === 'message'
          ? engine.handleMessage(event.message, adapter)
          : event.kind === 'command'
            ? (engine.handleCommand?.(event.command, adapter) ?? Promise.resolve())
            : engine.handleAction(event.action, adapter);
      void background(work).catch(() => undefined);
      return Promise.resolve();
    };
    threads = { isActive: (thread, user) => engine.isActiveThread?.(thread, user) ?? Promise.resolve(false) };
  }
  await bot.start({ http: o.http, logger, threads, background }, deliver);
  // Once the bot can send, the engine reports what a previous process left unfinished.
  void Promise.resolve(bot.ready?.()).then(() => ('deliver' in engine ? engine.recover(bot.platform) : engine.registerAdapter?.(bot.adapter)));
  const idle = async () => {
    while (inflight.size) await Promise.allSettled([...inflight]);
    if ('deliver' in engine) await engine.idle();
  };
  return {
    bot,
    idle,
    async stop() {
      await bot.stop();
      await idle();
    },
  };
}

/** A started bot as its tests drive it. */
export interface TestBot {
  bot: Bot;
  readonly mode?: string;
  stop(): Promise<void>;
  health(): Promise<HealthStatus>;
  /** Every event delivered so far has been handled. */
  idle(): Promise<void>;
  /** The bot can send (Slack: auth.test answered and Socket Mode connected). */
  ready(): Promise<void>;
}

/** Creates a platform's bot from the environment, as `serve` does, and starts it. */
export async function startTestBot(platform: 'discord' | 'slack' | 'feishu', o: { env: EnvSettings; engine: Engine | StubEngine; http: HttpServer; logger?: Logger }): Promise<TestBot> {
  const logger = o.logger ?? getLogger();
  const bot =
    platform === 'discord'
      ? createDiscordBot(o.env.discord, { maxDownloadBytes: 50 * 1024 * 1024, signatureMaxAgeSeconds: 300 }, logger)
      : platform === 'slack'
        ? createSlackBot(o.env.slack, { signatureMaxAgeSeconds: 300 }, logger)
        : createFeishuBot(o.env.feishu, { signatureMaxAgeSeconds: 300, redisUrl: o.env.redisUrl }, logger);
  const running = await runBot(bot, o);
  return {
    bot,
    mode: (bot as { mode?: string }).mode,
    stop: () => running.stop(),
    health: () => bot.health(),
    idle: () => running.idle(),
    ready: async () => void (await bot.ready?.()),
  };
}
