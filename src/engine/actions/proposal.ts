import type { Command } from '../deps.js';
import { proposalLabel } from '../present/buttons.js';
import { say } from '../present/replies.js';
import { keys } from '../state/keys.js';
import type { ActionCall, ActionSpec } from './types.js';

type ProposalCall = ActionCall<Extract<ActionCall['scope'], { kind: 'proposal' }>>;

/**
 * Runs the chosen commands of a proposal on the thread's current photo. The first click that starts
 * a job takes the proposal's message over: it shows what was chosen, then the progress, then the
 * result. A second job from the same proposal (a click that raced the first) answers in a message
 * of its own.
 */
async function runCommands(
  call: ProposalCall,
  verb: 'run' | 'all' | 'sel',
  choose: (commands: Command[], selected: number[] | undefined) => Command[],
  emptyKey: 'engine.select_first' | 'engine.nothing_to_run',
): Promise<boolean> {
  const { records } = call.ctx;
  const proposal = await records.proposal(call.scope.proposalId);
  if (!proposal) return void (await call.refuse('engine.expired')), false;
  if (proposal.state === 'cancelled') return void (await call.refuse('engine.proposal_cancelled')), false;
  const commands = choose(proposal.commands, proposal.selected).filter(Boolean);
  if (commands.length === 0) return void (await call.refuse(emptyKey)), false;
  const message = proposal.message ?? call.action.message;
  const takeover = keys.click(call.parsed.token, 'msg');
  const owns = message !== undefined && (await records.claim(takeover));
  if (owns) call.out.message = message;
  const names = call.ctx.names(call.locale);
  const chosen = proposalLabel(call.locale, verb, verb === 'run' ? commands[0] : undefined, names);
  // The commands not chosen still apply: the result offers them (the proposal's own buttons go away with it).
  const items = proposal.commands.map((c, index) => ({ index, label: proposalLabel(call.locale, 'run', c, names), command: c })).filter((x) => !commands.includes(x.command));
  const more = { token: call.parsed.token, items: items.map(({ index, label }) => ({ index, label })) };
  const started = await call.starter.start({ session: call.session, commands, base: call.session.current, user: call.action.user, locale: call.locale, out: call.out, chosen, more });
  if (!started && owns) {
    // Refused (a limit, shutting down): the proposal stays as it was, ready for the next click.
    call.out.message = undefined;
    await records.release(takeover);
  }
  return started;
}

export const proposalActions = {
  run: {
    scopes: ['proposal'],
    claims: true,
    handle: (call: ProposalCall) => runCommands(call, 'run', (all) => [all[call.parsed.index ?? -1]!], 'engine.nothing_to_run'),
  },
  all: {
    scopes: ['proposal'],
    claims: true,
    handle: (call: ProposalCall) => runCommands(call, 'all', (all) => all, 'engine.nothing_to_run'),
  },
  sel: {
    scopes: ['proposal'],
    claims: true,
    handle: (call: ProposalCall) => runCommands(call, 'sel', (all, selected) => (selected ?? []).map((i) => all[i]!), 'engine.select_first'),
  },
  pick: {
    scopes: ['proposal'],
    claims: false,
    async handle(call: ProposalCall) {
      const picked = (call.action.values ?? []).map(Number).filter((n) => Number.isInteger(n) && n >= 0);
      await call.ctx.records.updateProposal(call.scope.proposalId, (p) => ({ ...p, selected: picked }));
    },
  },
  drop: {
    scopes: ['proposal'],
    claims: true,
    async handle(call: ProposalCall) {
      const proposal = await call.ctx.records.proposal(call.scope.proposalId);
      if (!proposal) return void (await call.refuse('engine.expired'));
      await call.ctx.records.saveProposal({ ...proposal, state: 'cancelled' });
      // The proposal's message keeps only the answer: its buttons no longer apply.
      call.out.message = proposal.message ?? call.action.message;
      await call.out.post(call.scope.thread, say(call.locale, 'engine.proposal_cancelled'));
    },
  },
} satisfies Record<string, ActionSpec<'proposal'>>;
