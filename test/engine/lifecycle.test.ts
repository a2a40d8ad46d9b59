import { describe, expect, it } from 'vitest';
import { TestAdapter } from '../support/test-adapter.js';
import { UserFacingError } from '../../src/util/errors.js';
import type { MessageRef, Reply, ReplyContext } from '../../src/engine/types.js';
import { fakeExecutor, makeEngine, meanColor, photo } from './fakes.js';

/**
 * One message per request (issue 17): the acknowledgement becomes the proposal, a click turns the
 * proposal into the job's message, which shows progress and then the result. Clicks on a result act
 * on that message too; errors aimed at one person stay private.
 */
describe('the message lifecycle of a request', () => {
  it('photo + instruction → proposal → click → result leaves one message; a failure after the acknowledgement replaces it', async () => {
    const { engine } = await makeEngine();
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'brighter', images: [await photo('#404040')] });
    await chat.click(/^Adjust/);
    await chat.waitUntilIdle();
    expect(chat.messageCount('T1')).toBe(1);
    expect(chat.replies('T1', { type: 'send' })).toHaveLength(1);

    // A photo that cannot be read: the acknowledgement itself says so.
    await chat.post({ thread: 'T2', text: 'brighter', images: [TestAdapter.image(Buffer.from('not an image'), { name: 'x.png', mimeType: 'image/png' })] });
    expect(chat.messageCount('T2')).toBe(1);
    expect(chat.threadMessages('T2')[0]!.reply.kind).toBe('error');
  });

  it('running one command of a proposal offers the others on its result, and they still run', async () => {
    const { engine, executor } = await makeEngine();
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'brighter, shirt white', images: [await photo('#404040')] });
    await chat.click(/^Adjust/);
    await chat.waitUntilIdle();
    const result = chat.threadMessages('T1')[0]!.reply;
    expect(result.kind).toBe('result');
    const labels = result.buttons!.flat().map((b) => b.label);
    expect(labels).toContainEqual(expect.stringMatching(/^Recolour/));
    expect(labels.filter((l) => /^Adjust/.test(l))).toEqual([]);
    await chat.click(/^Recolour/);
    await chat.waitUntilIdle();
    expect(executor.log.map((l) => l.commands.map((c) => c.command))).toEqual([['adjust'], ['recolor']]);
    expect(chat.last('T1')!.reply.kind).toBe('result');
  });

  it('"Continue from this" says so on the result itself: the photo stays, the button stays as what was chosen', async () => {
    const { engine } = await makeEngine();
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'brighter', images: [await photo('#404040')] });
    await chat.click(/^Adjust/);
    await chat.waitUntilIdle();
    await chat.click('Continue from this');
    expect(chat.messageCount('T1')).toBe(1);
    const shown = chat.threadMessages('T1')[0]!.reply;
    expect(shown.text).toMatch(/^Done: .*\nOK: the next edit will start from this result\.$/);
    expect(await meanColor(shown.images![0]!.data)).toEqual([84, 84, 84]);
    expect(shown.buttons!.flat().map((b) => [b.label, Boolean(b.disabled)])).toEqual([
      ['Undo', false],
      ['✓ Continue from this', true],
      ['Suggest edits', false],
    ]);
  });

  it('Undo on a result shows the earlier photo in that message; on an open proposal it answers in a new one', async () => {
    const { engine } = await makeEngine();
    const chat = new TestAdapter(engine);
    await chat.post({ text: 'brighter', images: [await photo('#404040')] });
    await chat.click(/^Adjust/);
    await chat.waitUntilIdle();
    await chat.click('Undo');
    expect(chat.messageCount('T1')).toBe(1);
    expect(await meanColor(chat.threadMessages('T1')[0]!.reply.images![0]!.data)).toEqual([64, 64, 64]);

    await chat.click('Redo'); // the undone result's message
    // With an edit in the thread, a new proposal offers Undo.
    await chat.post({ text: 'darker' });
    expect(chat.messageCount('T1')).toBe(2);
    const proposal = chat.threadMessages('T1')[1]!;
    expect(proposal.reply.kind).toBe('proposal');
    await chat.clickId(proposal.reply.buttons!.flat().find((b) => b.label === 'Undo')!.id, { message: proposal.ref });
    // The proposal is untouched and still usable; the undone photo came in a message of its own.
    expect(chat.messageCount('T1')).toBe(3);
    expect(chat.threadMessages('T1')[1]!.reply.kind).toBe('proposal');
    // Nothing left to undo: only the person who pressed is told.
    await chat.click('Undo');
    expect(chat.last('T1')!.type).toBe('ephemeral');
  });

  it('where images are messages of their own (Slack), the proposal leaves out the parts overlay', async () => {
    const { engine } = await makeEngine();
    const chat = new TestAdapter(engine, { imagesAsMessages: true });
    await chat.post({ text: 'brighter', images: [await photo()] });
    const proposal = chat.threadMessages('T1')[0]!.reply;
    expect(proposal.kind).toBe('proposal');
    expect(proposal.images).toBeUndefined();
    expect(proposal.fields![0]!.value).toMatch(/Background \d+%/);
  });

  it('a job that may outlive its reply context says so before it runs, and Retrieve shows a result that could not be delivered', async () => {
    let open!: () => void;
    const executor = fakeExecutor({ gate: new Promise<void>((r) => (open = r)) });
    // Replies live 10 minutes here; a job may take up to an hour.
    const { engine } = await makeEngine({ executor, config: { jobs: { timeoutSeconds: 3600, progressIntervalMs: 0 } } as never });
    const chat = new TestAdapter(engine, { replyLifeMs: 10 * 60_000 });
    await chat.post({ text: 'brighter', images: [await photo('#404040')] });
    await chat.click(/^Adjust/);
    await new Promise((r) => setTimeout(r, 20));
    const running = chat.threadMessages('T1')[0]!.reply;
    expect(running.kind).toBe('progress');
    expect(running.fields!.map((f) => f.value).join()).toMatch(/Retrieve result/);
    expect(running.buttons!.flat().map((b) => b.label)).toContain('Retrieve result');

    // Retrieve while it runs: a private "still working".
    await chat.click('Retrieve result');
    expect(chat.last('T1')!).toMatchObject({ type: 'ephemeral', reply: { text: expect.stringMatching(/^Still working on it/) } });

    // The reply context expires before the job ends: the result cannot be delivered…
    chat.expireReplies();
    open();
    await chat.waitUntilIdle();
    expect(chat.threadMessages('T1')[0]!.reply.kind).toBe('progress');

    // …until the next click, whose fresh context shows it in the same message.
    await chat.click('Retrieve result');
    const shown = chat.threadMessages('T1')[0]!.reply;
    expect(shown.kind).toBe('result');
    expect(await meanColor(shown.images![0]!.data)).toEqual([84, 84, 84]);
    expect(chat.messageCount('T1')).toBe(1);
  });

  it('a job that fits in its reply context shows no Retrieve button', async () => {
    const { engine } = await makeEngine({ config: { jobs: { timeoutSeconds: 60, progressIntervalMs: 0 } } as never });
    const chat = new TestAdapter(engine, { replyLifeMs: 10 * 60_000 });
    await chat.post({ text: 'brighter', images: [await photo()] });
    await chat.click(/^Adjust/);
    await chat.waitUntilIdle();
    const progress = chat.threadMessages('T1')[0]!.edits.find((e) => e.kind === 'progress')!;
    expect(progress.buttons!.flat().map((b) => b.label)).not.toContain('Retrieve result');
  });

  it('a result the platform would not take (an upload that never arrived) ends as a failure with Retry, never "Done" without the photo', async () => {
    class NoUploads extends TestAdapter {
      override async update(message: MessageRef, reply: Reply, ctx?: ReplyContext): Promise<void> {
        if (reply.images?.length) throw new UserFacingError('slack.upload_failed');
        return super.update(message, reply, ctx);
      }
    }
    const { engine } = await makeEngine();
    const chat = new NoUploads(engine);
    await chat.post({ text: 'brighter', images: [await photo()] });
    await chat.click(/^Adjust/);
    await chat.waitUntilIdle();
    const shown = chat.threadMessages('T1')[0]!.reply;
    expect(shown.kind).toBe('error');
    expect(shown.text).toMatch(/could not upload the edited photo/i);
    expect(shown.buttons!.flat().map((b) => b.label)).toEqual(['Try again']);
  });
});
