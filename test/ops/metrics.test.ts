import { describe, expect, it } from 'vitest';
import { TestAdapter } from '../support/test-adapter.js';
import { fakeExecutor, makeEngine, photo } from '../support/engine-fakes.js';
import { registry } from '../../src/util/metrics.js';

/** The value of one sample in the Prometheus text output (0 when absent). */
async function sample(name: string, labels: Record<string, string>): Promise<number> {
  const text = await registry.metrics();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.indexOf('}'));
    const have = inside.split(',');
    if (want.every((w) => have.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

describe('/metrics follows what the engine does', () => {
  it('counts events by outcome, jobs by final state, backend latency, errors and the queue depth', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { engine } = await makeEngine({ executor: fakeExecutor({ gate }), config: { jobs: { progressIntervalMs: 0, concurrency: { default: 1, local: 1 } } } as never });
    const chat = new TestAdapter(engine, { platform: 'web' });
    const before = {
      handled: await sample('cie_events_total', { platform: 'web', kind: 'message', outcome: 'handled' }),
      duplicate: await sample('cie_events_total', { platform: 'web', kind: 'message', outcome: 'duplicate' }),
      rejected: await sample('cie_events_total', { platform: 'web', kind: 'action', outcome: 'rejected' }),
      done: await sample('cie_jobs_total', { state: 'done' }),
      cancelled: await sample('cie_jobs_total', { state: 'cancelled' }),
      executor: await sample('cie_backend_seconds_count', { service: 'executor', outcome: 'ok' }),
      planner: await sample('cie_backend_seconds_count', { service: 'planner', outcome: 'ok' }),
      segmentation: await sample('cie_backend_seconds_count', { service: 'segmentation', outcome: 'ok' }),
    };

    const msg = chat.makeMessage({ text: 'brighter', images: [await photo()], thread: 'P1' });
    await engine.deliver({ kind: 'message', message: msg });
    await engine.deliver({ kind: 'message', message: msg }); // a re-delivery
    const adjust = chat.findButton(/^Adjust/, 'P1')!;
    await chat.click(/^Adjust/, { thread: 'P1' });
    // The same button again (as a second click racing the first): already pressed, refused.
    await chat.clickId(adjust.button.id, { thread: 'P1', eventId: 'second-click', message: adjust.message.ref });
    await chat.post({ text: 'darker', thread: 'P1' });
    await chat.click(/^Adjust/, { thread: 'P1' });
    // One job runs (held by the gate), one waits.
    expect(await sample('cie_queue_depth', { backend: 'local', state: 'running' })).toBe(1);
    expect(await sample('cie_queue_depth', { backend: 'local', state: 'waiting' })).toBe(1);
    await chat.click('Cancel', { thread: 'P1' });
    release();
    await chat.waitUntilIdle();

    expect((await sample('cie_events_total', { platform: 'web', kind: 'message', outcome: 'handled' })) - before.handled).toBe(2);
    expect((await sample('cie_events_total', { platform: 'web', kind: 'message', outcome: 'duplicate' })) - before.duplicate).toBe(1);
    expect((await sample('cie_events_total', { platform: 'web', kind: 'action', outcome: 'rejected' })) - before.rejected).toBe(1);
    expect((await sample('cie_jobs_total', { state: 'done' })) - before.done).toBe(1);
    expect((await sample('cie_jobs_total', { state: 'cancelled' })) - before.cancelled).toBe(1);
    expect((await sample('cie_backend_seconds_count', { service: 'executor', outcome: 'ok' })) - before.executor).toBe(1);
    expect((await sample('cie_backend_seconds_count', { service: 'planner', outcome: 'ok' })) - before.planner).toBe(2);
    expect((await sample('cie_backend_seconds_count', { service: 'segmentation', outcome: 'ok' })) - before.segmentation).toBe(1);
    expect(await sample('cie_queue_depth', { backend: 'local', state: 'waiting' })).toBe(0);
    await engine.close(1000);
  });
});
