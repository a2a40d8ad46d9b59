import { blendKernel, type BlendTask } from './blend.js';
import { labelCountKernel, labelTintKernel, type LabelCountTask, type LabelTintTask } from './labels.js';
import { downFinishKernel, downKernel, fieldBlendKernel, packKernel, type DownFinishTask, type DownTask, type FieldBlendTask, type PackTask } from './field.js';
import { maskKernel, type MaskTask } from './masks.js';
import { matteSolveKernel, matteStatsKernel, type MatteSolveTask, type MatteStatsTask } from './matte.js';
import { matteApplyKernel, type MatteApplyTask } from './matte-apply.js';
import { recolorApplyKernel, recolorBaseKernel, recolorStatsKernel, type RecolorApplyTask, type RecolorBaseTask, type RecolorStats, type RecolorStatsTask } from './recolor.js';
import { toneKernel, type ToneTask } from './tone.js';

export type { LabelCountTask, LabelTintTask };
export type { DownFinishTask, DownTask, FieldBlendTask, PackTask, BlendTask, MaskTask, MatteApplyTask, MatteSolveTask, MatteStatsTask, RecolorApplyTask, RecolorBaseTask, RecolorStatsTask, ToneTask, RecolorStats };

/** Every job the pixel workers run; `kind` picks the kernel. */
export type Task = LabelCountTask | LabelTintTask | MaskTask | ToneTask | RecolorStatsTask | RecolorBaseTask | RecolorApplyTask | MatteStatsTask | MatteSolveTask | MatteApplyTask | BlendTask | PackTask | FieldBlendTask | DownTask | DownFinishTask;

interface Results {
  'labels.count': Float64Array;
  'labels.tint': void;
  mask: ReturnType<typeof maskKernel>;
  tone: void;
  'recolor.stats': RecolorStats;
  'recolor.base': void;
  'recolor.apply': void;
  'matte.stats': void;
  'matte.solve': void;
  'matte.apply': { changed: number };
  blend: void;
  'field.pack': void;
  'field.blend': void;
  'field.down': void;
  'field.downFinish': void;
}
export type TaskResult<T extends Task> = Results[T['kind']];

/** Runs one task (in a worker, or inline in tests). */
export function runTask(task: Task): unknown {
  switch (task.kind) {
    case 'labels.count':
      return labelCountKernel(task);
    case 'labels.tint':
      return labelTintKernel(task);
    case 'mask':
      return maskKernel(task);
    case 'tone':
      return toneKernel(task);
    case 'recolor.stats':
      return recolorStatsKernel(task);
    case 'recolor.base':
      return recolorBaseKernel(task);
    case 'recolor.apply':
      return recolorApplyKernel(task);
    case 'matte.stats':
      return matteStatsKernel(task);
    case 'matte.solve':
      return matteSolveKernel(task);
    case 'matte.apply':
      return matteApplyKernel(task);
    case 'blend':
      return blendKernel(task);
    case 'field.pack':
      return packKernel(task);
    case 'field.blend':
      return fieldBlendKernel(task);
    case 'field.down':
      return downKernel(task);
    case 'field.downFinish':
      return downFinishKernel(task);
  }
}
