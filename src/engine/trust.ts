import { t, type Locale, type MessageKey } from '../i18n/index.js';
import { categoryKey, decideFaceSwap, refusalKey } from '../pipeline/safety/index.js';
import { errorsTotal, resultChecksTotal, safetyRefusalsTotal } from '../util/metrics.js';
import { errorMessage } from '../util/errors.js';
import type { EngineContext } from './context.js';
import type { CheckReport, Command, ExecuteResult, Policy, SafetyVerdict, TrustDeps, UploadImage } from './deps.js';
import { currentLog, markRejected } from './envelope.js';
import type { FailedCheck, JobRecord, ThreadSession } from './state/session.js';
import type { ThreadRef } from './types.js';
import type { LabelMap } from '../core/types.js';

type Refused = Extract<SafetyVerdict, { allowed: false }>;

/** A refusal ready to show: the sentence in the user's language (never the refused words or pixels). */
export interface Refusal {
  text: string;
  key: MessageKey;
  params: Record<string, string>;
  verdict: Refused;
}

/** The current event's id (from the event scope's logger), to remember on a job. */
export function currentEventId(): string | undefined {
  const bindings = (currentLog() as { bindings?: () => Record<string, unknown> } | undefined)?.bindings?.();
  const id = bindings?.eventId;
  return typeof id === 'string' ? id : undefined;
}

/** The texts of a command a planner wrote (prompts, colours, advice), labels excluded. */
function commandTexts(cmd: Command): string[] {
  return Object.entries(cmd.args)
    .filter(([k, v]) => k !== 'labels' && typeof v === 'string')
    .map(([, v]) => v as string);
}

/**
 * The engine's side of trust and safety: which policy applies to a thread (its workspace), the
 * content gate before planning and before posting, the face swap policy, and the result check after
 * a job. Refusals are logged with the event id, the stage and the category — never the text or the
 * image — and counted in `cie_safety_refusals_total`.
 */
export class Trust {
  constructor(private readonly ctx: EngineContext) {}

  private get deps(): TrustDeps | undefined {
    return this.ctx.deps.trust;
  }

  policy(thread: ThreadRef): Policy | undefined {
    return this.deps?.policies.resolve({ platform: thread.platform, workspace: thread.workspace });
  }

  private refusal(stage: 'prompt' | 'commands' | 'output', verdict: Refused, locale: Locale, thread: ThreadRef, extra: Record<string, unknown> = {}): Refusal {
    const log = this.ctx.log;
    const fields = { stage, reason: verdict.reason, source: verdict.source, category: verdict.reason === 'flagged' ? verdict.category : undefined, platform: thread.platform, workspace: thread.workspace, ...extra };
    log.info(fields, 'content refused');
    safetyRefusals(stage, verdict);
    const key = refusalKey(stage === 'output' ? 'output' : 'prompt', verdict);
    const params = { category: verdict.reason === 'flagged' ? t(locale, categoryKey(verdict.category)) : '' };
    return { text: t(locale, key, params), key, params, verdict };
  }

  /** Before planning: the instruction. Undefined when it may be planned. */
  async screenInstruction(thread: ThreadRef, text: string, locale: Locale): Promise<Refusal | undefined> {
    const policy = this.policy(thread);
    if (!policy || !text.trim()) return undefined;
    const verdict = await this.deps!.gate.checkText(text, policy);
    if (verdict.allowed) {
      if (verdict.failedOpen) this.ctx.log.warn({ stage: 'prompt', platform: thread.platform, workspace: thread.workspace }, 'content check unavailable: instruction allowed (fails open at standard)');
      return undefined;
    }
    markRejected();
    return this.refusal('prompt', verdict, locale, thread);
  }

  /**
   * After planning: the texts the planner wrote into commands (the deny list; a planner may have
   * translated a refused wish), and the face swap policy for the person the proposal is for. Face
   * swaps the policy forbids are removed and explained in `notes`.
   */
  screenCommands(session: ThreadSession, requester: string, commands: Command[], locale: Locale): { commands: Command[]; notes: string[]; refusal?: Refusal } {
    const policy = this.policy(session.thread);
    if (!policy) return { commands, notes: [] };
    const verdict = this.deps!.gate.checkTerms(commands.flatMap(commandTexts), policy);
    if (!verdict.allowed) {
      markRejected();
      return { commands: [], notes: [], refusal: this.refusal('commands', verdict, locale, session.thread) };
    }
    const blocked = this.faceSwapRefusal(session, requester, commands);
    if (!blocked) return { commands, notes: [] };
    const governed = this.deps!.faceSwapCommands;
    return { commands: commands.filter((c) => !governed.has(c.command)), notes: [t(locale, blocked)] };
  }

  /** The face swap policy for whoever runs these commands: the refusal's message key, or undefined. */
  faceSwapRefusal(session: ThreadSession, requester: string, commands: readonly Command[]): Extract<MessageKey, 'safety.face_swap_off' | 'safety.face_swap_own_photos'> | undefined {
    const policy = this.policy(session.thread);
    if (!policy || !commands.some((c) => this.deps!.faceSwapCommands.has(c.command))) return undefined;
    // Sessions from before posters were recorded: both photos came from the owner's one message.
    const decision = decideFaceSwap(policy.faceSwap, { requester, targetBy: session.photoBy ?? session.owner, sourceBy: session.faceSourceBy ?? (session.faceSource ? session.owner : undefined) });
    if (decision.allowed) return undefined;
    this.ctx.log.info({ stage: 'face_swap', mode: policy.faceSwap, platform: session.thread.platform, workspace: session.thread.workspace }, 'face swap refused by policy');
    return decision.reason;
  }

  /** Before posting: the result photo. Undefined when it may be posted. */
  async screenOutput(job: JobRecord, upload: UploadImage, signal?: AbortSignal): Promise<Refusal | undefined> {
    const policy = this.policy(job.thread);
    if (!policy) return undefined;
    const verdict = await this.deps!.gate.checkImage(upload.data, policy, signal);
    if (verdict.allowed) return undefined;
    return this.refusal('output', verdict, job.locale, job.thread, { eventId: job.eventId });
  }

  /**
   * After a job: the result check (its mode from the workspace's policy). Failed commands come back
   * ready to store on the job; a change outside the edit regions is logged as a bug. Undefined when
   * there is no checker or the check itself failed (the result stands).
   */
  async checkResult(job: JobRecord, before: Buffer, result: ExecuteResult, upload: UploadImage, labelMap?: LabelMap, signal?: AbortSignal): Promise<{ report: CheckReport; failed: FailedCheck[] } | undefined> {
    const deps = this.deps;
    const policy = this.policy(job.thread);
    if (!deps?.checker || !policy || policy.check === 'off') return undefined;
    // The executor hands back the job's own command objects; an index found otherwise is a stand-in.
    const applied = result.applied.map((command, i) => {
      const index = job.commands.indexOf(command);
      return { index: index >= 0 ? index : (result.regions?.find((r) => r.command === command)?.index ?? i), command };
    });
    let report: CheckReport;
    try {
      report = await deps.checker.check({ mode: policy.check, before, after: result.image, afterEncoded: upload.data, regions: result.regions, labelMap, applied, locale: job.locale, signal });
    } catch (err) {
      if (signal?.aborted) throw err;
      this.ctx.log.warn({ err: errorMessage(err) }, 'result check failed; the result is posted unchecked');
      return undefined;
    }
    if (report.outside?.changed) {
      errorsTotal.inc({ area: 'check' });
      this.ctx.log.error({ pixels: report.outside.pixels, commands: job.commands.map((c) => c.command) }, 'bug: pixels outside every edit region changed (compositing must leave them bit-identical)');
    }
    const failed: FailedCheck[] = report.commands
      .filter((c) => !c.passed)
      .map((c) => ({
        index: c.index,
        command: c.command,
        failure: c.failure ?? 'unchanged',
        ...(c.reason ? { reason: c.reason } : {}),
        retry: Boolean(deps.planRetry(c.command, job.settings)),
      }));
    for (const c of report.commands) resultChecksTotal.inc({ mode: report.mode, result: c.passed ? 'passed' : (c.failure ?? 'unchanged') });
    this.ctx.log.info(
      {
        mode: report.mode,
        commands: report.commands.length,
        failed: failed.map((f) => ({ command: f.command.command, failure: f.failure })),
        localMs: report.localMs,
        ...(report.vision ? { vision: { model: report.vision.model, ms: report.vision.ms, tokens: report.vision.usage, error: report.vision.error } } : {}),
      },
      'result checked',
    );
    return { report, failed };
  }
}

function safetyRefusals(stage: string, verdict: Refused): void {
  safetyRefusalsTotal.inc({ stage, reason: verdict.reason, category: verdict.reason === 'flagged' ? verdict.category : 'none' });
}

/** The trust helper of an engine context (stateless: cheap to make where it is needed). */
export function trustOf(ctx: EngineContext): Trust {
  return new Trust(ctx);
}
