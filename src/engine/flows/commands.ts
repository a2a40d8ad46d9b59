import type { EngineContext, Outbox } from '../context.js';
import { markRejected } from '../envelope.js';
import { say } from '../present/replies.js';
import type { CommandInvocation } from '../types.js';
import { inAcknowledged } from './answer.js';
import { moveHistory } from './history.js';
import { onMessage, type ThreadState } from './intake.js';
import type { Photos } from './photos.js';
import type { Proposals } from './propose.js';

/** Slash commands and context-menu commands. */
export async function onCommand(ctx: EngineContext, flows: { photos: Photos; proposals: Proposals }, inv: CommandInvocation, out: Outbox, state: ThreadState): Promise<void> {
  if (inv.name === 'edit') return onMessage(ctx, flows, inv, out, state);
  if (inv.name === 'suggest' && inv.images.length > 0) return onMessage(ctx, flows, { ...inv, text: '' }, out, state);
  const { records, queue } = ctx;
  const { session, settings } = state;
  const locale = records.locale(inv.locale, inv.text, session, settings);
  const refuse = async () => {
    markRejected();
    await out.ephemeral(inv.thread, inv.user, say(locale, 'engine.not_owner', { owner: session?.ownerName ?? session?.owner ?? '' }, 'error'));
  };
  const noPhoto = () => out.post(inv.thread, say(locale, 'engine.no_photo'));
  switch (inv.name) {
    case 'help':
      await out.post(inv.thread, say(locale, 'engine.help'));
      return;
    case 'status': {
      const [mine, depth] = await Promise.all([queue.countForUser(inv.user.id), queue.depth()]);
      const queued = depth.reduce((n, d) => n + d.waiting, 0);
      const running = depth.reduce((n, d) => n + d.running, 0);
      await out.ephemeral(inv.thread, inv.user, say(locale, 'engine.status', { queued, running, mine }));
      return;
    }
    case 'settings': {
      if (!records.mayAct(session, inv.user.id)) return refuse();
      const next = await records.applySettings(inv.thread, inv.platform, inv.user.id, inv.options ?? {});
      const shown = Object.entries(next ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(', ');
      const replyLocale = next?.locale ?? locale;
      await out.ephemeral(inv.thread, inv.user, say(replyLocale, 'engine.settings_saved', { settings: shown || say(replyLocale, 'engine.settings_none').text }));
      return;
    }
    case 'undo':
      if (!session) return void (await noPhoto());
      if (!records.mayAct(session, inv.user.id)) return refuse();
      await moveHistory(ctx, flows.photos, inv.thread, 'undo', locale, out, inv.user);
      return;
    case 'suggest':
      if (!session) return void (await noPhoto());
      if (!records.mayAct(session, inv.user.id)) return refuse();
      await out.post(inv.thread, say(locale, 'engine.ack_suggest', {}, 'ack'));
      await inAcknowledged(ctx, out, inv.thread, locale, () => flows.proposals.suggest(session, locale, out, { ignored: [], overlay: false }));
      return;
  }
}
