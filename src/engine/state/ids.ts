import { AsyncLocalStorage } from 'node:async_hooks';
import { createHmac, randomBytes } from 'node:crypto';

/**
 * One attempt at handling an inbox entry. An event resumed after a crash is handled again from the
 * start; ids minted while handling it (session, proposal, button tokens, job) come from the entry's
 * stored seed, so the second attempt rebuilds the same records and finds its own claims, instead of
 * starting a second job or leaving sent buttons pointing at nothing. HMAC(seed, n): unguessable.
 */
interface Attempt {
  /** The inbox entry id: owner of the claims made while handling it. */
  owner: string;
  seed: Buffer;
  n: number;
}

const attempts = new AsyncLocalStorage<Attempt>();

/** Runs `fn` as an attempt at handling entry `owner` with that entry's id seed. */
export function inAttempt<T>(owner: string, seed: string, fn: () => Promise<T>): Promise<T> {
  return attempts.run({ owner, seed: Buffer.from(seed, 'base64url'), n: 0 }, fn);
}

/** Runs `fn` outside any attempt (jobs queued by an event run on their own). */
export function outsideAttempt<T>(fn: () => T): T {
  return attempts.exit(fn);
}

/** The inbox entry being handled, if any. */
export function currentOwner(): string | undefined {
  return attempts.getStore()?.owner;
}

export function newSeed(): string {
  return randomBytes(16).toString('base64url');
}

/** A random id (base64url); inside an attempt, the attempt's next id from its seed. */
export function newId(bytes = 12): string {
  const attempt = attempts.getStore();
  if (!attempt) return randomBytes(bytes).toString('base64url');
  const n = attempt.n++;
  return createHmac('sha512', attempt.seed).update(`${n}:${bytes}`).digest().subarray(0, bytes).toString('base64url');
}
