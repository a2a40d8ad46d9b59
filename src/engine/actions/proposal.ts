import type { Command } from '../deps.js';
import { say } from '../present/replies.js';
import type { ActionCall, ActionSpec } from './types.js';

type ProposalCall = ActionCall<Extract<ActionCall['scope'], { kind: 'proposal' }>>;

/** Runs the chosen commands of a proposal on the thread's current photo. */
async function runCommands(call: ProposalCall, choose: (commands: Command[], selected: number[] | undefined) => Command[], emptyKey: 'engine.select_first' | 'engine.nothing_to_run'): Promise<boolean> {
  const proposal = await call.ctx.records.proposal(call.scope.proposalId);
  if (!proposal) return void (await call.refuse('engine.expired')), false;
  if (proposal.state === 'cancelled') return void (await call.refuse('engine.proposal_cancelled')), false;
  const commands = choose(proposal.commands, proposal.selected).filter(Boolean);
  if (commands.length === 0) return void (await call.refuse(emptyKey)), false;
  return call.starter.start({ session: call.session, commands, base: call.session.current, user: call.action.user, locale: call.locale, out: call.out });
}

export const proposalActions = {
  run: {
    scopes: ['proposal'],
    claims: true,
    handle: (call: ProposalCall) => runCommands(call, (all) => [all[call.parsed.index ?? -1]!], 'engine.nothing_to_run'),
  },
  all: {
    scopes: ['proposal'],
    claims: true,
    handle: (call: ProposalCall) => runCommands(call, (all) => all, 'engine.nothing_to_run'),
  },
  sel: {
    scopes: ['proposal'],
    claims: true,
    handle: (call: ProposalCall) => runCommands(call, (all, selected) => (selected ?? []).map((i) => all[i]!), 'engine.select_first'),
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
      const reply = say(call.locale, 'engine.proposal_cancelled');
      const message = proposal.message ?? call.action.message;
      if (message) await call.out.update(message, reply);
      else await call.out.send(call.scope.thread, reply);
    },
  },
} satisfies Record<string, ActionSpec<'proposal'>>;
