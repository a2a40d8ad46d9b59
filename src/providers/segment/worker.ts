import { parentPort, workerData } from 'node:worker_threads';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { toInputTensor, upsampleArgmax } from './tensor.js';
import type { SegmentRequest, WorkerError, WorkerInit, WorkerReply } from './protocol.js';

/**
 * Inference worker: owns one onnxruntime session for one model and serves requests one at a time,
 * so the main thread's event loop never waits on inference or post-processing.
 */
const init = workerData as WorkerInit;
const port = parentPort!;

class KeyedError extends Error {
  constructor(
    readonly key: string,
    readonly params: Record<string, string | number>,
  ) {
    super(`${key} ${JSON.stringify(params)}`);
  }
}

function toWire(err: unknown): WorkerError {
  if (err instanceof KeyedError) return { key: err.key, params: err.params, message: err.message };
  return { message: err instanceof Error ? err.message.split('\n')[0]!.slice(0, 300) : String(err) };
}

function post(msg: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

async function open(): Promise<InferenceSession> {
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(init.modelFile, {
      intraOpNumThreads: init.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (err) {
    throw new KeyedError('segment.model_load_failed', { model: init.modelName, detail: toWire(err).message.slice(0, 160) });
  }
  const { card } = init;
  if (!session.inputNames.includes(card.input.name)) {
    throw new KeyedError('segment.model_bad_io', { model: init.modelName, kind: 'input', name: card.input.name, actual: session.inputNames.join(', ') });
  }
  if (!session.outputNames.includes(card.output.name)) {
    throw new KeyedError('segment.model_bad_io', { model: init.modelName, kind: 'output', name: card.output.name, actual: session.outputNames.join(', ') });
  }
  return session;
}

async function segment(session: InferenceSession, req: SegmentRequest): Promise<void> {
  const { card } = init;
  const spec = { ...card.input, width: req.inputWidth, height: req.inputHeight };
  const input = toInputTensor(req.pixels, req.channels, spec);
  const dims = card.input.layout === 'NCHW' ? [1, 3, req.inputHeight, req.inputWidth] : [1, req.inputHeight, req.inputWidth, 3];
  const t0 = performance.now();
  const results = await session.run({ [card.input.name]: new Tensor('float32', input, dims) });
  const t1 = performance.now();
  const out = results[card.output.name]!;
  const classes = card.labels.length;
  const shape = out.dims;
  const nchw = card.output.layout === 'NCHW';
  const okShape = shape.length === 4 && shape[0] === 1 && (nchw ? shape[1] : shape[3]) === classes && out.type === 'float32';
  if (!okShape) {
    throw new KeyedError('segment.model_bad_output', {
      model: init.modelName,
      actual: `${out.type}[${shape.join(',')}]`,
      expected: nchw ? `float32[1,${classes},h,w]` : `float32[1,h,w,${classes}]`,
    });
  }
  const grid = {
    data: out.data as Float32Array,
    classes,
    width: Number(nchw ? shape[3] : shape[2]),
    height: Number(nchw ? shape[2] : shape[1]),
    layout: card.output.layout,
  };
  const labels = upsampleArgmax(grid, req.outWidth, req.outHeight);
  for (const v of Object.values(results)) v.dispose?.();
  post({ type: 'result', id: req.id, labels, inferenceMs: t1 - t0, postMs: performance.now() - t1 }, [labels.buffer as ArrayBuffer]);
}

const sessionPromise = open();
sessionPromise.then(
  (s) => post({ type: 'ready', id: 0, inputNames: [...s.inputNames], outputNames: [...s.outputNames] }),
  (err: unknown) => post({ type: 'error', id: 0, error: toWire(err) }),
);

// One request at a time: a second photo waits rather than doubling peak memory.
let chain: Promise<void> = Promise.resolve();
port.on('message', (req: SegmentRequest) => {
  chain = chain.then(async () => {
    try {
      await segment(await sessionPromise, req);
    } catch (err) {
      post({ type: 'error', id: req.id, error: toWire(err) });
    }
  });
});
