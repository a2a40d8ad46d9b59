import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedFileHost, downloadSlackFile, loopbackHostsOf } from '../../src/bots/slack/files.js';
import { startFakeServer, type FakeServer } from '../fakes/http.js';
import { UserFacingError } from '../../src/util/errors.js';

let slackish: FakeServer;
let elsewhere: FakeServer;

beforeAll(async () => {
  elsewhere = await startFakeServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'image/png' });
    res.end('stolen');
  });
  slackish = await startFakeServer((req, res) => {
    if (req.path === '/redirect-out') {
      res.writeHead(302, { location: `${elsewhere.url}/grab` });
      return void res.end();
    }
    if (req.path === '/redirect-in') {
      res.writeHead(302, { location: '/photo' });
      return void res.end();
    }
    if (req.path === '/big') {
      res.writeHead(200, { 'content-type': 'image/png' });
      return void res.end(Buffer.alloc(2048));
    }
    if (req.headers.authorization !== 'Bearer xoxb-t') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end('<html>sign in</html>');
    }
    res.writeHead(200, { 'content-type': 'image/png' });
    res.end('png-bytes');
  });
});
afterAll(async () => {
  await slackish.close();
  await elsewhere.close();
});

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(UserFacingError);
    return (err as UserFacingError).key;
  }
  throw new Error('expected a refusal');
}

describe('Slack file downloads', () => {
  it('trusts only Slack file hosts over https, plus a loopback API host', () => {
    expect(allowedFileHost(new URL('https://files.slack.com/files-pri/T1-F1/a.png'))).toBe(true);
    expect(allowedFileHost(new URL('https://a.slack-edge.com/x.png'))).toBe(true);
    expect(allowedFileHost(new URL('http://files.slack.com/files-pri/T1-F1/a.png'))).toBe(false);
    expect(allowedFileHost(new URL('https://files.slack.com.evil.example/a.png'))).toBe(false);
    expect(allowedFileHost(new URL('https://evil-slack-edge.com/a.png'))).toBe(false);
    expect(allowedFileHost(new URL('https://slack.com/a.png'))).toBe(false);
    expect(allowedFileHost(new URL('http://169.254.169.254/latest/meta-data'))).toBe(false);
    expect(loopbackHostsOf('http://127.0.0.1:4000/api/')).toEqual(['127.0.0.1:4000']);
    expect(loopbackHostsOf('https://proxy.example.com/api/')).toEqual([]);
    expect(allowedFileHost(new URL('http://127.0.0.1:4000/files-pri/x'), ['127.0.0.1:4000'])).toBe(true);
    expect(allowedFileHost(new URL('http://127.0.0.1:4001/files-pri/x'), ['127.0.0.1:4000'])).toBe(false);
  });

  it('downloads with the bot token and follows redirects within allowed hosts', async () => {
    const extraHosts = [new URL(slackish.url).host];
    expect(String(await downloadSlackFile(`${slackish.url}/photo`, { token: 'xoxb-t', extraHosts }))).toBe('png-bytes');
    expect(String(await downloadSlackFile(`${slackish.url}/redirect-in`, { token: 'xoxb-t', extraHosts }))).toBe('png-bytes');
  });

  it('never sends the token to a host that is not Slack, even through a redirect', async () => {
    const extraHosts = [new URL(slackish.url).host];
    expect(await refusal(downloadSlackFile(`${elsewhere.url}/photo`, { token: 'xoxb-t', extraHosts }))).toBe('slack.file_host_refused');
    expect(await refusal(downloadSlackFile(`${slackish.url}/redirect-out`, { token: 'xoxb-t', extraHosts }))).toBe('slack.file_host_refused');
    expect(elsewhere.requests).toHaveLength(0);
  });

  it("tells the user what to fix when Slack answers with its sign-in page, or the file is too big", async () => {
    const extraHosts = [new URL(slackish.url).host];
    expect(await refusal(downloadSlackFile(`${slackish.url}/photo`, { token: 'xoxb-wrong', extraHosts }))).toBe('slack.download_failed');
    expect(await refusal(downloadSlackFile(`${slackish.url}/big`, { token: 'xoxb-t', extraHosts, maxBytes: 1024 }))).toBe('slack.file_too_large');
  });
});

describe('uploads that really arrive (files.uploadV2 against the loopback Slack)', () => {
  it('counts an upload only when the file is shared into the thread; retries once, then says so', async () => {
    const { webApi } = await import('@slack/bolt');
    const { SlackChatAdapter } = await import('../../src/bots/slack/adapter.js');
    const { FakeSlack, BOT_TOKEN } = await import('./fake-slack.js');
    const { getLogger } = await import('../../src/util/logger.js');
    const fake = await FakeSlack.start();
    try {
      const client = new webApi.WebClient(BOT_TOKEN, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
      const adapter = new SlackChatAdapter(client, getLogger(), { token: BOT_TOKEN, extraHosts: [], shareChecksMs: [0, 5] });
      const thread = { platform: 'slack' as const, workspace: 'T', channel: 'C0UPLOAD', thread: fake.nextTs() };
      const card = await adapter.send(thread, { text: 'Editing…', locale: 'en' });
      const image = { data: Buffer.from('png-bytes'), filename: 'edited.png', mimeType: 'image/png' as const, alt: 'Edited photo: black & white' };

      await adapter.update(card, { text: 'Done', images: [image], locale: 'en' });
      const shared = fake.completedUploads();
      expect(shared).toHaveLength(1);
      expect(shared[0]).toMatchObject({ thread_ts: thread.thread, initialComment: 'Edited photo: black &amp; white' });
      expect(shared[0]!.altText).toBeUndefined();
      // The same picture again (a later edit of the card) is not posted twice.
      await adapter.update(card, { text: 'Done, continued', images: [image], locale: 'en' });
      expect(fake.completedUploads()).toHaveLength(1);

      fake.neverShare = true;
      const other = { ...image, data: Buffer.from('other-bytes') };
      const refused = await adapter.update(card, { text: 'Done', images: [other], locale: 'en' }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(UserFacingError);
      expect((refused as UserFacingError).key).toBe('slack.upload_failed');
      // Tried twice; the card was not edited into "Done" without its photo.
      expect([...fake.uploads.values()].filter((u) => u.completed && !u.shares)).toHaveLength(2);
      expect(fake.messages.filter((m) => m.ts === card.id).at(-1)!.text).toBe('Done, continued');
    } finally {
      await fake.close();
    }
  });
});
