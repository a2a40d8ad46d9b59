import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { InpaintReply, InpaintTask } from './protocol.js';
import { fromOutput, toInputs } from './tensor.js';

/**
 * Piscina worker: one onnxruntime session per model file, created on the first task and kept while
 * the worker lives. Pre- and post-processing run here too, off the main thread.
 */
const sessions = new Map<string, Promise<InferenceSession>>();

class KeyedError extends Error {
  constructor(
    readonly key: string,
    readonly params: Record<string, string | number>,
  ) {
    super(key);
  }
}

function session(t: InpaintTask): Promise<InferenceSession> {
  const key = `${t.file}|${t.threads}`;
  let s = sessions.get(key);
  if (!s) {
    s = (async () => {
      let created: InferenceSession;
      try {
        created = await InferenceSession.create(t.file, { intraOpNumThreads: t.threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
      } catch (err) {
        throw new KeyedError('inpaint.load_failed', { model: t.modelName, detail: (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 160) });
      }
      for (const [kind, name, list] of [
        ['input', t.card.image.name, created.inputNames],
        ['input', t.card.mask.name, created.inputNames],
        ['output', t.card.output.name, created.outputNames],
      ] as const) {
        if (!list.includes(name)) throw new KeyedError('inpaint.bad_io', { model: t.modelName, kind, name, actual: list.join(', ') });
      }
      return created;
    })();
    sessions.set(key, s);
    s.catch(() => sessions.delete(key));
  }
  return s;
}

export default async function inpaint(t: InpaintTask): Promise<InpaintReply> {
  try {
    const s = await session(t);
    const inputs = toInputs(t.card, t.rgb, t.mask, t.width, t.height);
    const feeds = {
      [t.card.image.name]: new Tensor(t.card.image.type, inputs.image, inputs.imageDims),
      [t.card.mask.name]: new Tensor(t.card.mask.type, inputs.mask, inputs.maskDims),
    };
    const t0 = performance.now();
    const results = await s.run(feeds);
    const inferenceMs = performance.now() - t0;
    const out = results[t.card.output.name]!;
    let rgb: Uint8Array;
    try {
      rgb = fromOutput(t.card, out.data as ArrayLike<number>, out.dims, t.width, t.height);
    } catch (err) {
      throw new KeyedError('inpaint.bad_output', { model: t.modelName, detail: (err as Error).message });
    }
    for (const v of Object.values(results)) v.dispose?.();
    return { ok: true, rgb, inferenceMs };
  } catch (err) {
    if (err instanceof KeyedError) return { ok: false, key: err.key, params: err.params, message: err.message };
    return { ok: false, message: (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300) };
  }
}
