import type { EnvSettings } from '../../config/env.js';
import type { CommandRule, CommandsConfig } from '../../config/schemas/commands.js';
import type { BackendsConfig } from '../../config/schemas/backends.js';
import type { MasksConfig } from '../../config/schemas/masks.js';
import type { ParamsConfig } from '../../config/schemas/params.js';
import type { Template, TemplatesConfig } from '../../config/schemas/templates.js';
import type { MessageKey } from '../../i18n/index.js';
import type { HealthCheck, HealthStatus } from '../../core/health.js';
import { BackendChain, createImageBackends, LocalOperations, applyLocalOperation, isLocalOperation, type ImageBackend } from '../../providers/image/index.js';
import { UserFacingError } from '../../util/errors.js';
import { childLogger } from '../../util/logger.js';
import type { Command } from '../../core/commands.js';
import { blendPatch, cropMask, decodeBackendImage, extractCrop, featherInsideFast, planCrop, type Box, type CropPlan } from '../composite.js';
import { decodeImage, inspectImage, DEFAULT_LIMITS, type ImageLimits, type RawImage } from '../../core/image-io.js';
import type { LabelMap, Mask } from '../../core/types.js';
import { buildMask, featherInside, maskBoundingBox, resolveParams, type ErodeSettings, type ParamOrder } from './deps.js';

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
}

export interface ExecutorOptions {
  env: EnvSettings;
  config: ExecutorConfig;
  /** Generative backends in chain order (default: from config/backends.yaml and the environment). */
  imageBackends?: ImageBackend[];
  limits?: ImageLimits;
}

const WHOLE = '*';
/** Masks that cover the whole photo: their feather is the mask itself (nothing borders them). */
const WHOLE_MASKS = new WeakSet<Mask>();
const FACE_LABEL = 'Face';

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
  private readonly log = childLogger({ module: 'execute' });

  constructor(opts: ExecutorOptions) {
    const cfg = opts.config;
    this.rules = cfg.commands.commands;
    this.templates = cfg.templates;
    this.chain = new BackendChain(opts.imageBackends ?? createImageBackends(opts.env, cfg.backends));
    this.paramOrder = cfg.params;
    this.erode = cfg.masks.erode;
    this.limits = opts.limits ?? DEFAULT_LIMITS;
  }

  backends(): HealthCheck[] {
    return [...this.chain.all(), this.local];
  }

  async health(signal?: AbortSignal): Promise<HealthStatus> {
    const states = await Promise.all(this.chain.all().map((b) => b.health(signal)));
    const configured = states.filter((s) => s.state !== 'off');
    const down = configured.filter((s) => s.state === 'down');
    const summary = states.map((s) => `${s.name}: ${s.state}`).join(', ');
    if (configured.length === 0) return { name: 'executor', state: 'degraded', detail: `local operations only (no generative backend configured: ${summary})` };
    if (down.length === configured.length) return { name: 'executor', state: 'degraded', detail: `generative backends down, local operations work (${summary})` };
    return { name: 'executor', state: down.length ? 'degraded' : 'ok', detail: summary };
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
    let image: RawImage = await decodeImage(req.image, { channels: info.hasAlpha ? 4 : 3, limits: this.limits });
    image = { data: image.data, width: image.width, height: image.height, channels: image.channels };
    const map = req.labelMap;
    if (map && (map.width !== image.width || map.height !== image.height)) {
      throw new UserFacingError('execute.labelmap_size', { mapSize: `${map.width}×${map.height}`, imageSize: `${image.width}×${image.height}` });
    }
    const result: ExecuteResult = { image, applied: [], regions: [], skipped: [], advice: [], backend: 'none' };
    const total = Math.max(1, req.commands.length);
    const progress = (i: number, f: number, stage: string) => req.onProgress?.({ fraction: Math.min(1, (i + f) / total), stage });

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
        if (!isLocalOperation(op)) {
          skip('execute.skip.unknown_command');
          continue;
        }
        const mask = this.localMask(cmd, op, map, image);
        const box = maskBoundingBox(mask);
        if (!box) {
          skip('execute.skip.empty_region');
          continue;
        }
        const radius = this.templates.local.feather * Math.max(image.width, image.height);
        // local edits run on every request at full resolution: the libvips feather is much cheaper
        const alpha = WHOLE_MASKS.has(mask) ? mask.data : await featherInsideFast(mask, radius);
        result.image = await applyLocalOperation(op, { image: result.image, alpha, box, args: cmd.args, blurSigmaAt100: this.templates.local.blurSigmaAt100 });
        result.applied.push(cmd);
        result.regions!.push({ index: i, command: cmd, alpha: WHOLE_MASKS.has(mask) ? 'whole' : alpha });
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
        const mask = this.generativeMask(cmd, template, map, image);
        const box = mask && maskBoundingBox(mask);
        if (!mask || !box) {
          skip(template.region === 'face' ? 'execute.skip.no_face' : 'execute.skip.empty_region');
          continue;
        }
        const { result: patch, backend, fallbackReason } = await this.chain.run(
          template,
          (b) => this.generate(b, cmd, rule, template, result.image, mask, box, req, (f) => progress(i, f, cmd.command)),
          req.settings?.backend,
        );
        const radius = template.feather * Math.max(image.width, image.height);
        const alpha = WHOLE_MASKS.has(mask) ? mask.data : featherInside(mask, radius);
        result.image = blendPatch(result.image, patch.data, patch.plan.box, alpha);
        result.applied.push(cmd);
        // A face template without a label map edits "the whole photo" only nominally (ReActor finds the
        // face): its real region is unknown, so the check does not judge it.
        if (!(template.region === 'face' && !map)) result.regions!.push({ index: i, command: cmd, alpha: WHOLE_MASKS.has(mask) ? 'whole' : alpha });
        result.backend = backend.name;
        if (fallbackReason) result.fallbackReason = fallbackReason;
      }
      progress(i, 1, cmd.command);
    }
    return result;
  }

  private wholeMask(image: RawImage): Mask {
    const mask = { width: image.width, height: image.height, data: new Uint8Array(image.width * image.height).fill(255) };
    WHOLE_MASKS.add(mask);
    return mask;
  }

  private localMask(cmd: Command, op: string, map: LabelMap | undefined, image: RawImage): Mask {
    const labels = labelsOf(cmd);
    const whole = labels.includes(WHOLE);
    const selected = whole || !map ? this.wholeMask(image) : buildMask(map, { labels, optimize: false });
    if (op !== 'cutout') return selected;
    // cutout keeps the listed parts: the edit region (made transparent) is everything else.
    const data = new Uint8Array(selected.data.length);
    for (let i = 0; i < data.length; i++) data[i] = selected.data[i] ? 0 : 255;
    return { width: selected.width, height: selected.height, data };
  }

  private generativeMask(cmd: Command, template: Template, map: LabelMap | undefined, image: RawImage): Mask | undefined {
    if (template.region === 'whole') return this.wholeMask(image);
    if (template.region === 'face') {
      if (!map) return this.wholeMask(image); // only face swap gets here (ReActor finds the face)
      return buildMask(map, { labels: [FACE_LABEL], optimize: template.optimize, erodeSettings: this.erode });
    }
    const labels = labelsOf(cmd);
    if (labels.includes(WHOLE) || !map) return this.wholeMask(image);
    return buildMask(map, { labels, optimize: template.optimize, erodeSettings: this.erode });
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
