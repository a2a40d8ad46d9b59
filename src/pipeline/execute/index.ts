import type { EnvSettings } from '../../config/env.js';
import type { CommandRule, CommandsConfig } from '../../config/schemas/commands.js';
import type { BackendsConfig } from '../../config/schemas/backends.js';
import type { MasksConfig } from '../../config/schemas/masks.js';
import type { ModelsConfig } from '../../config/schemas/models.js';
import type { ParamsConfig } from '../../config/schemas/params.js';
import type { Template, TemplatesConfig } from '../../config/schemas/templates.js';
import type { MessageKey } from '../../i18n/index.js';
import type { HealthCheck, HealthStatus } from '../../core/health.js';
import { BackendChain, createImageBackends, LocalOperations, type ImageBackend } from '../../providers/image/index.js';
import { createInpaintBackend } from '../../providers/inpaint/index.js';
import { UserFacingError } from '../../util/errors.js';
import { childLogger } from '../../util/logger.js';
import type { Command } from '../../core/commands.js';
import { cropMask, decodeBackendImage, extractCrop, planCrop, type Box, type CropPlan } from '../composite.js';
import { decodeImage, inspectImage, DEFAULT_LIMITS, type ImageLimits, type RawImage } from '../../core/image-io.js';
import { isPixelOperation, regionOf, runLocalEdit, type LabelMapRef } from '../image/ops.js';
import { pixelPool, type PixelPool } from '../image/pool.js';
import { copySliced, ref, rowBands, sharedAsync, sharedBytes, toSharedAsync } from '../image/shared.js';
import type { LabelMap, Mask } from '../../core/types.js';
import { erodeStrengths, resolveParams, type ErodeSettings, type ParamOrder } from './deps.js';

export interface UserSettings {
  backend?: string;
  strength?: number;
  seed?: number;
  steps?: number;
  cfgScale?: number;
}

export interface ExecuteRequest {
  image: Buffer;
  labelMap?: LabelMap;
  commands: Command[];
  faceSource?: Buffer;
  /** Second photo used as the new background (`background` with source "photo"). */
  backgroundSource?: Buffer;
  settings?: UserSettings;
  signal?: AbortSignal;
  onProgress?: (p: { fraction: number; stage: string }) => void;
}

/**
 * Where an applied command edited the photo: its feathered alpha at full size (0 = untouched), or
 * 'whole'. The result check measures each command inside its own region and asserts that nothing
 * outside every region changed.
 */
export interface AppliedRegion {
  /** Index of the command in the request. */
  index: number;
  command: Command;
  alpha: Uint8Array | 'whole';
}

export interface ExecuteResult {
  /** Full resolution, upright; 4 channels if any transparency. */
  image: RawImage;
  applied: Command[];
  /** The region of each applied command whose region is known (for the result check). */
  regions?: AppliedRegion[];
  skipped: { command: Command; reason: MessageKey }[];
  advice: string[];
  /** The generative backend that produced the result, "local" for local operations only, "none" when nothing ran. */
  backend: string;
  fallbackReason?: MessageKey;
}

export interface Executor extends HealthCheck {
  execute(req: ExecuteRequest): Promise<ExecuteResult>;
  needsSegmentation(commands: Command[]): boolean;
  /**
   * Whether a command can run here at all: local and text commands always; generative ones when a
   * backend that supports their template is configured (erase: SD WebUI, OpenAI or the embedded
   * inpainting model). Planners should not propose commands for which this is false.
   */
  canRun(command: string): boolean;
  backends(): HealthCheck[];
}

/** The configuration sections execution reads. */
export interface ExecutorConfig {
  commands: CommandsConfig;
  templates: TemplatesConfig;
  backends: BackendsConfig;
  /** Which source wins for each backend parameter (thesis algorithm 8). */
  params: ParamsConfig;
  /** Edge optimisation of the masks of generative edits. */
  masks: Pick<MasksConfig, 'erode'>;
  /** The embedded inpainting model cards (erase without a generator). */
  models?: Pick<ModelsConfig, 'inpaint'>;
}

export interface ExecutorOptions {
  env: EnvSettings;
  config: ExecutorConfig;
  /** Generative backends in chain order (default: from config/backends.yaml and the environment). */
  imageBackends?: ImageBackend[];
  limits?: ImageLimits;
  /** Worker pool for per-pixel work (default: the process-wide pool). */
  pool?: PixelPool;
  /**
   * The embedded inpainting model as a backend (erase without a generator). Default: from
   * config/models.yaml when `imageBackends` is not given; none when it is (tests pass their own).
   */
  inpaint?: ImageBackend | null;
}

const WHOLE = '*';
const FACE_LABEL = 'Face';
const INPAINT_BACKEND = 'inpaint-model';

function labelsOf(cmd: Command): string[] {
  const v = cmd.args.labels;
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Settings → SD WebUI parameter names (the "user" source of resolveParams). */
function userParams(s: UserSettings | undefined): Record<string, unknown> {
  if (!s) return {};
  const out: Record<string, unknown> = {};
  if (typeof s.strength === 'number') out.denoising_strength = s.strength;
  if (typeof s.seed === 'number') out.seed = s.seed;
  if (typeof s.steps === 'number') out.steps = s.steps;
  if (typeof s.cfgScale === 'number') out.cfg_scale = s.cfgScale;
  return out;
}

/** Command arguments that are backend parameters (the "command" source). */
const COMMAND_PARAM_NAMES: Record<string, string> = {
  strength: 'denoising_strength',
  denoising_strength: 'denoising_strength',
  seed: 'seed',
  steps: 'steps',
  cfg_scale: 'cfg_scale',
  sampler_name: 'sampler_name',
};

export class DefaultExecutor implements Executor {
  private readonly rules: Record<string, CommandRule>;
  private readonly templates: TemplatesConfig;
  private readonly chain: BackendChain;
  private readonly local = new LocalOperations();
  private readonly paramOrder: ParamOrder;
  private readonly erode: ErodeSettings;
  private readonly limits: ImageLimits;
  private readonly pool: PixelPool | undefined;
  private readonly log = childLogger({ module: 'execute' });

  constructor(opts: ExecutorOptions) {
    const cfg = opts.config;
    this.rules = cfg.commands.commands;
    this.templates = cfg.templates;
    const generative = opts.imageBackends ?? createImageBackends(opts.env, cfg.backends);
    const inpaint = opts.inpaint !== undefined ? opts.inpaint : opts.imageBackends || !cfg.models ? null : createInpaintBackend(opts.env, cfg.models.inpaint);
    // The embedded model only supports erase templates, so it goes first: for removal it is the
    // specialised, local and free choice; a user's backend setting still puts theirs first.
    this.chain = new BackendChain(inpaint ? [inpaint, ...generative] : generative);
    this.paramOrder = cfg.params;
    this.erode = cfg.masks.erode;
    this.limits = opts.limits ?? DEFAULT_LIMITS;
    this.pool = opts.pool;
  }

  private pixels(): PixelPool {
    return this.pool ?? pixelPool();
  }

  backends(): HealthCheck[] {
    return [...this.chain.all(), this.local];
  }

  canRun(command: string): boolean {
    const rule = Object.prototype.hasOwnProperty.call(this.rules, command) ? this.rules[command] : undefined;
    if (!rule) return false;
    if (rule.executor !== 'generative') return rule.executor === 'text' || isPixelOperation(rule.operation);
    const template = this.template(rule);
    return Boolean(template && this.chain.usable(template).length > 0);
  }

  async health(signal?: AbortSignal): Promise<HealthStatus> {
    // The embedded inpainting model only erases: it is reported, but it is not a generator.
    const all = await Promise.all(this.chain.all().map(async (b) => ({ eraseOnly: b.name === INPAINT_BACKEND, status: await b.health(signal) })));
    const states = all.filter((s) => !s.eraseOnly).map((s) => s.status);
    const erase = all.filter((s) => s.eraseOnly).map((s) => `; erase: ${s.status.name} ${s.status.state}`).join('');
    const configured = states.filter((s) => s.state !== 'off');
    const down = configured.filter((s) => s.state === 'down');
    const summary = states.map((s) => `${s.name}: ${s.state}`).join(', ');
    if (configured.length === 0) return { name: 'executor', state: 'degraded', detail: `local operations only (no generative backend configured: ${summary})${erase}` };
    if (down.length === configured.length) return { name: 'executor', state: 'degraded', detail: `generative backends down, local operations work (${summary})${erase}` };
    return { name: 'executor', state: down.length ? 'degraded' : 'ok', detail: `${summary}${erase}` };
  }

  private template(rule: CommandRule): Template | undefined {
    return rule.template ? this.templates.templates[rule.template] : undefined;
  }

  /** Whether the command cannot run at all without a label map. */
  private mustSegment(cmd: Command): boolean {
    const rule = this.rules[cmd.command];
    if (!rule || rule.executor === 'text') return false;
    if (rule.executor === 'local') return !(labelsOf(cmd).length === 1 && labelsOf(cmd)[0] === WHOLE);
    const template = this.template(rule);
    if (!template || template.region === 'whole') return false;
    if (template.region === 'face') return !template.faceSwap; // ReActor finds the face itself
    return !labelsOf(cmd).every((l) => l === WHOLE);
  }

  needsSegmentation(commands: Command[]): boolean {
    return commands.some((c) => {
      if (this.mustSegment(c)) return true;
      const rule = this.rules[c.command];
      const template = rule && this.template(rule);
      return Boolean(template && template.region === 'face'); // face swap is cleaner with the face mask
    });
  }

  async execute(req: ExecuteRequest): Promise<ExecuteResult> {
    const info = await inspectImage(req.image, this.limits);
    const decoded = await decodeImage(req.image, { channels: info.hasAlpha ? 4 : 3, limits: this.limits });
    // Shared memory from here on: the pool's kernels edit the photo in place.
    const image: RawImage = await toSharedAsync({ data: decoded.data, width: decoded.width, height: decoded.height, channels: decoded.channels });
    const map = req.labelMap;
    if (map && (map.width !== image.width || map.height !== image.height)) {
      throw new UserFacingError('execute.labelmap_size', { mapSize: `${map.width}×${map.height}`, imageSize: `${image.width}×${image.height}` });
    }
    const mapRef: LabelMapRef | undefined = map ? { data: await sharedAsync(map.data), width: map.width, height: map.height, labels: map.labels } : undefined;
    const result: ExecuteResult = { image, applied: [], regions: [], skipped: [], advice: [], backend: 'none' };
    const total = Math.max(1, req.commands.length);
    const progress = (i: number, f: number, stage: string) => req.onProgress?.({ fraction: Math.min(1, (i + f) / total), stage });
    const pool = this.pixels();

    for (const [i, cmd] of req.commands.entries()) {
      if (req.signal?.aborted) throw new UserFacingError('execute.cancelled');
      const rule = this.rules[cmd.command];
      const skip = (reason: MessageKey) => result.skipped.push({ command: cmd, reason });
      progress(i, 0, cmd.command);
      if (!rule) {
        skip('execute.skip.unknown_command');
        continue;
      }
      if (rule.executor === 'text') {
        const text = typeof cmd.args.text === 'string' ? cmd.args.text : '';
        if (text) result.advice.push(text);
        continue;
      }
      if (!map && this.mustSegment(cmd)) {
        skip('execute.skip.needs_segmentation');
        continue;
      }
      if (rule.executor === 'local') {
        const op = rule.operation;
        if (!isPixelOperation(op)) {
          skip('execute.skip.unknown_command');
          continue;
        }
        const done = await runLocalEdit(op, {
          pool,
          image: result.image,
          map: mapRef,
          labels: labelsOf(cmd),
          args: cmd.args,
          feather: this.templates.local.feather,
          blurSigmaAt100: this.templates.local.blurSigmaAt100,
          backgroundSource: req.backgroundSource,
          limits: this.limits,
        });
        if ('skip' in done) {
          skip(done.skip);
          continue;
        }
        result.image = await toSharedAsync(done.image);
        result.applied.push(cmd);
        if (done.region) result.regions!.push({ index: i, command: cmd, alpha: done.region });
        if (result.backend === 'none') result.backend = 'local';
      } else {
        const template = this.template(rule);
        if (!template) {
          skip('execute.skip.unknown_command');
          continue;
        }
        if (template.faceSwap && !req.faceSource) {
          skip('execute.skip.no_face_source');
          continue;
        }
        if (this.chain.usable(template, req.settings?.backend).length === 0) {
          skip('execute.skip.no_generative_backend');
          continue;
        }
        const region = await this.generativeRegion(pool, cmd, template, mapRef, result.image);
        if (!region.box) {
          skip(template.region === 'face' ? 'execute.skip.no_face' : 'execute.skip.empty_region');
          continue;
        }
        const mask: Mask = { width: image.width, height: image.height, data: new Uint8Array(region.mask) };
        const box = region.box;
        const { result: patch, backend, fallbackReason } = await this.chain.run(
          template,
          (b) => this.generate(b, cmd, rule, template, result.image, mask, box, req, (f) => progress(i, f, cmd.command)),
          req.settings?.backend,
        );
        result.image = await this.blend(pool, result.image, patch.data, patch.plan.box, region.alpha);
        result.applied.push(cmd);
        // A face template without a label map edits "the whole photo" only nominally (ReActor finds the
        // face): its real region is unknown, so the check does not judge it.
        if (!(template.region === 'face' && !map)) result.regions!.push({ index: i, command: cmd, alpha: region.coverage >= 1 ? 'whole' : new Uint8Array(region.alpha) });
        result.backend = backend.name;
        if (fallbackReason) result.fallbackReason = fallbackReason;
      }
      progress(i, 1, cmd.command);
    }
    return result;
  }

  /** The edit mask (edge optimisation, dilation) and its feather for a generative command, on the pool. */
  private async generativeRegion(pool: PixelPool, cmd: Command, template: Template, map: LabelMapRef | undefined, image: RawImage) {
    const long = Math.max(image.width, image.height);
    let labels: readonly string[];
    if (template.region === 'whole') labels = [WHOLE];
    else if (template.region === 'face') labels = map ? [FACE_LABEL] : [WHOLE]; // only face swap gets here without a map (ReActor finds the face)
    else labels = labelsOf(cmd).includes(WHOLE) || !map ? [WHOLE] : labelsOf(cmd);
    return regionOf({ pool, image, map }, labels, {
      feather: template.feather * long,
      ...(template.optimize && map ? { erode: erodeStrengths(image.width, this.erode) } : {}),
      ...(template.dilate > 0 ? { dilate: Math.max(1, Math.round(template.dilate * long)) } : {}),
    });
  }

  /** The backend's patch into the photo with the feathered alpha, in row bands on the pool. */
  private async blend(pool: PixelPool, image: RawImage, patch: Buffer, box: Box, alpha: SharedArrayBuffer): Promise<RawImage> {
    const imgRef = ref(image);
    const patchShared = sharedBytes(patch.length);
    await copySliced(patch, patchShared);
    await Promise.all(
      rowBands(box.top, box.top + box.height, pool.threads * 2).map((rows) =>
        pool.run({ kind: 'blend', image: imgRef, patch: patchShared.buffer as SharedArrayBuffer, box, alpha, rows }),
      ),
    );
    return { ...image, data: Buffer.from(imgRef.buffer, 0, image.data.length) };
  }

  private async generate(
    backend: ImageBackend,
    cmd: Command,
    rule: CommandRule,
    template: Template,
    image: RawImage,
    mask: Mask,
    bbox: Box,
    req: ExecuteRequest,
    onProgress: (f: number) => void,
  ): Promise<{ data: Buffer; plan: CropPlan }> {
    const plan = planCrop(bbox, image, template.padding, (w, h) => backend.workingSize(w, h));
    const crop = await extractCrop(image, plan);
    const commandParams: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(cmd.args)) if (COMMAND_PARAM_NAMES[k]) commandParams[COMMAND_PARAM_NAMES[k]] = v;
    const params = resolveParams(
      { command: commandParams, user: userParams(req.settings), template: template.params, defaults: this.templates.defaults },
      this.paramOrder,
    );
    const prompt = [typeof cmd.args.prompt === 'string' ? cmd.args.prompt.trim() : '', template.promptSuffix].filter(Boolean).join(', ');
    this.log.info({ backend: backend.name, command: cmd.command, crop: plan.box, size: [plan.outWidth, plan.outHeight] }, 'generative edit');
    const out = await backend.generate({
      image: crop,
      mask: cropMask(mask, plan),
      width: plan.outWidth,
      height: plan.outHeight,
      prompt,
      negativePrompt: template.negativePrompt,
      params: { ...params, width: plan.outWidth, height: plan.outHeight },
      templateName: rule.template ?? cmd.command,
      template,
      faceSource: req.faceSource,
      signal: req.signal,
      onProgress,
    });
    return { data: await decodeBackendImage(out, plan, backend.name), plan };
  }
}

export function createExecutor(opts: ExecutorOptions): Executor {
  return new DefaultExecutor(opts);
}
