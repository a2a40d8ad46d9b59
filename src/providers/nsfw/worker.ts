import { InferenceSession, Tensor } from 'onnxruntime-node';
import { toInputTensor } from '../segment/tensor.js';
import type { ClassifyResult, ClassifyTask } from './protocol.js';

/**
 * Piscina worker: classifies one photo with an ONNX image classifier. The session is opened once
 * per model file and kept while the worker lives, so the event loop never waits on inference.
 */
const sessions = new Map<string, Promise<InferenceSession>>();

function open(task: ClassifyTask): Promise<InferenceSession> {
  const key = `${task.modelFile}|${task.threads}`;
  let s = sessions.get(key);
  if (!s) {
    s = InferenceSession.create(task.modelFile, { intraOpNumThreads: task.threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
    s.catch(() => sessions.delete(key));
    sessions.set(key, s);
  }
  return s;
}

function softmax(v: number[]): number[] {
  const max = Math.max(...v);
  const e = v.map((x) => Math.exp(x - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}

export default async function classify(task: ClassifyTask): Promise<ClassifyResult> {
  let session: InferenceSession;
  try {
    session = await open(task);
  } catch (err) {
    return { ok: false, kind: 'load', message: err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : String(err) };
  }
  const { card } = task;
  if (!session.inputNames.includes(card.input.name)) return { ok: false, kind: 'io', message: `input "${card.input.name}" not in [${session.inputNames.join(', ')}]` };
  if (!session.outputNames.includes(card.output.name)) return { ok: false, kind: 'io', message: `output "${card.output.name}" not in [${session.outputNames.join(', ')}]` };
  try {
    const input = toInputTensor(task.pixels, 3, card.input);
    const dims = card.input.layout === 'NCHW' ? [1, 3, card.input.height, card.input.width] : [1, card.input.height, card.input.width, 3];
    const out = await session.run({ [card.input.name]: new Tensor('float32', input, dims) });
    const raw = Array.from(out[card.output.name]!.data as Float32Array).slice(0, card.labels.length);
    if (raw.length < card.labels.length) return { ok: false, kind: 'io', message: `output has ${raw.length} values for ${card.labels.length} labels` };
    const probabilities = card.output.activation === 'softmax' ? softmax(raw) : card.output.activation === 'sigmoid' ? raw.map((x) => 1 / (1 + Math.exp(-x))) : raw;
    return { ok: true, probabilities };
  } catch (err) {
    return { ok: false, kind: 'run', message: err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : String(err) };
  }
}
