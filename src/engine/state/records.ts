import type { EngineConfig } from '../../config/schemas/engine.js';
import { resolveLocale, type Locale } from '../../i18n/index.js';
import type { Platform, ThreadRef } from '../types.js';
import { currentOwner } from './ids.js';
import { keys } from './keys.js';
import { newId, type ActionScope, type JobRecord, type Proposal, type ThreadSession, type ThreadSettings } from './session.js';
import type { StateStore } from './store.js';

/**
 * Typed access to the engine's records in the state store: sessions, settings, proposals, jobs and
 * button scopes, each with its lifetime from config.
 */
export class Records {
  constructor(
    readonly store: StateStore,
    private readonly config: EngineConfig,
  ) {}

  private get sessionTtl(): number {
    return this.config.sessionTtlSeconds * 1000;
  }

  private get actionTtl(): number {
    return this.config.actionTtlSeconds * 1000;
  }

  session(thread: ThreadRef): Promise<ThreadSession | undefined> {
    return this.store.get<ThreadSession>(keys.session(thread));
  }

  async saveSession(session: ThreadSession): Promise<void> {
    session.updatedAt = Date.now();
    await this.store.set(keys.session(session.thread), session, this.sessionTtl);
  }

  /** Read-modify-write of an existing session; undefined when the thread has none. */
  updateSession(thread: ThreadRef, fn: (s: ThreadSession) => void | Promise<void>): Promise<ThreadSession | undefined> {
    return this.store.update<ThreadSession>(
      keys.session(thread),
      async (s) => {
        if (!s) return undefined;
        await fn(s);
        s.updatedAt = Date.now();
        return s;
      },
      this.sessionTtl,
    );
  }

  /** Whether `userId` may steer the thread: the owner, or anyone under actionPolicy "channel". */
  mayAct(session: ThreadSession | undefined, userId: string): boolean {
    return !session || this.config.actionPolicy === 'channel' || session.owner === userId;
  }

  /** The thread's settings over the user's defaults. */
  async settings(thread: ThreadRef, userId?: string): Promise<ThreadSettings> {
    const [own, mine] = await Promise.all([
      this.store.get<ThreadSettings>(keys.settings(thread)),
      userId ? this.store.get<ThreadSettings>(keys.userSettings(thread.platform, userId)) : undefined,
    ]);
    // Language stays a matter of the thread and the platform's locale; job parameters follow the user.
    const { locale: _ignored, ...defaults } = mine ?? {};
    return { ...defaults, ...(own ?? {}) };
  }

  /** Saves options both for the thread and as the user's defaults on the platform. */
  async applySettings(thread: ThreadRef, platform: Platform, userId: string, options: Record<string, string | number | boolean>): Promise<ThreadSettings | undefined> {
    const [next] = await Promise.all([
      this.store.update<ThreadSettings>(keys.settings(thread), (cur) => applySettings(cur ?? {}, options), this.sessionTtl),
      this.store.update<ThreadSettings>(keys.userSettings(platform, userId), (cur) => applySettings(cur ?? {}, options), this.sessionTtl),
    ]);
    return next;
  }

  /**
   * The language of a reply: the thread's explicit setting (/settings locale) when there is one,
   * else the language of the user's words (a Chinese instruction on an English page is answered in
   * Chinese), else the platform's locale (the playground: the page's language), else what the
   * thread used last.
   */
  locale(raw: string | undefined, text: string, session: ThreadSession | undefined, settings: ThreadSettings): Locale {
    if (settings.locale) return settings.locale;
    const words = wordsLocale(text);
    if (words) return words;
    const fallback = session?.locale ?? this.config.defaultLocale;
    // A platform locale we do not speak ("ja") says nothing.
    if (raw && /^(zh|en)/i.test(raw)) return resolveLocale(raw, fallback);
    return fallback;
  }

  /** Stores what a button refers to and returns the token that goes into its id. */
  async newScope(scope: ActionScope): Promise<string> {
    const token = newId(16);
    await this.store.set(keys.scope(token), scope, this.actionTtl);
    return token;
  }

  /** Stores a scope under a known token (a job's buttons use the job id). */
  setScope(token: string, scope: ActionScope): Promise<void> {
    return this.store.set(keys.scope(token), scope, this.actionTtl);
  }

  scope(token: string): Promise<ActionScope | undefined> {
    return this.store.get<ActionScope>(keys.scope(token));
  }

  proposal(id: string): Promise<Proposal | undefined> {
    return this.store.get<Proposal>(keys.proposal(id));
  }

  saveProposal(p: Proposal): Promise<void> {
    return this.store.set(keys.proposal(p.id), p, this.actionTtl);
  }

  updateProposal(id: string, fn: (p: Proposal) => Proposal): Promise<Proposal | undefined> {
    return this.store.update<Proposal>(keys.proposal(id), (p) => (p ? fn(p) : p), this.actionTtl);
  }

  job(id: string): Promise<JobRecord | undefined> {
    return this.store.get<JobRecord>(keys.job(id));
  }

  saveJob(job: JobRecord): Promise<void> {
    job.updatedAt = Date.now();
    return this.store.set(keys.job(job.id), job, this.actionTtl);
  }

  /**
   * True exactly once per key (within the action lifetime): first click, first reporter. The event
   * being handled owns its claims, so handling it again after a restart finds them its own.
   */
  claim(key: string): Promise<boolean> {
    return this.store.claim(key, this.actionTtl, currentOwner());
  }

  release(key: string): Promise<void> {
    return this.store.releaseClaim(key);
  }
}

/**
 * The language of the words: Chinese or English, whichever has more (Chinese characters against
 * English words; colour codes and single letters aside); nothing when there are no words.
 */
function wordsLocale(text: string): Locale | undefined {
  const chinese = text.match(/[\u3400-\u9fff\uf900-\ufaff]/g)?.length ?? 0;
  const english = text.replace(/#[0-9a-f]{3,8}\b/gi, ' ').match(/[A-Za-z]{2,}/g)?.length ?? 0;
  if (chinese === 0 && english === 0) return undefined;
  return chinese >= english ? 'zh-CN' : 'en';
}

function applySettings(cur: ThreadSettings, options: Record<string, string | number | boolean>): ThreadSettings | undefined {
  const next: ThreadSettings = { ...cur };
  for (const [k, v] of Object.entries(options)) {
    if (k === 'backend' && typeof v === 'string') next.backend = v === 'default' ? undefined : v;
    else if (k === 'locale' && typeof v === 'string') next.locale = v.toLowerCase().startsWith('zh') ? 'zh-CN' : v.toLowerCase().startsWith('en') ? 'en' : undefined;
    else if ((k === 'strength' || k === 'seed' || k === 'steps' || k === 'cfgScale') && v !== '' && Number.isFinite(Number(v))) next[k] = Number(v);
  }
  for (const key of Object.keys(next) as (keyof ThreadSettings)[]) if (next[key] === undefined) delete next[key];
  return next;
}
