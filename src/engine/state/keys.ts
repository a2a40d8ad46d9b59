import type { Platform, ThreadRef } from '../types.js';

/**
 * Every key the engine writes to the state store, in one place (one prefix each, so a look at the
 * store tells what a record is).
 */
export function threadKey(t: ThreadRef): string {
  return [t.platform, t.workspace, t.channel, t.thread].map((p) => encodeURIComponent(p)).join('/');
}

export const keys = {
  /** ThreadSession of a thread. */
  session: (thread: ThreadRef) => `s:${threadKey(thread)}`,
  /** ThreadSettings chosen in a thread. */
  settings: (thread: ThreadRef) => `st:${threadKey(thread)}`,
  /** A user's own defaults on a platform (/settings outside a session thread). */
  userSettings: (platform: Platform, user: string) => `su:${platform}:${user}`,
  /** ActionScope behind a button token. */
  scope: (token: string) => `a:${token}`,
  proposal: (id: string) => `p:${id}`,
  job: (id: string) => `j:${id}`,
  /** An inbound event in the durable inbox (then its tombstone): `<platform>:<eventId>`. */
  inbox: (id: string) => `in:${id}`,
  /** Ids of the inbox entries not finished yet. */
  inboxIndex: 'inbox',
  /** Claimed once per pressed button. */
  click: (token: string, verb: string) => `click:${token}.${verb}`,
  /** Claimed by the one instance that reports a lost or interrupted job. */
  recover: (jobId: string) => `recover:${jobId}`,
  /** Engine instances that may have left jobs behind. */
  instances: 'instances',
  /** Jobs started by an instance on the in-process queue. */
  jobsOf: (instance: string) => `jobs:${instance}`,
  /** Heartbeat of a live instance (shared stores). */
  heartbeat: (instance: string) => `hb:${instance}`,
  probe: 'engine:probe',
} as const;
