import type { CheckMode, FaceSwapMode, SafetyConfig, SafetyLevel, WorkspacePolicy } from '../../config/schemas/safety.js';
import { DenyList } from './deny.js';

/** Where a request comes from: the platform and its workspace (Slack team, Discord guild, Feishu tenant). */
export interface WorkspaceRef {
  platform: string;
  /** "" where the platform has none (direct messages on Discord, the playground). */
  workspace: string;
}

/** The policy that applies to one workspace: the defaults with its override on top. */
export interface Policy {
  level: SafetyLevel;
  faceSwap: FaceSwapMode;
  check: CheckMode;
  deny: DenyList;
  /** Whether a workspace override applied (for logs and `doctor`). */
  source: 'default' | 'workspace';
}

/**
 * Policies per workspace, resolved once each and kept: the deny list is compiled per level and
 * override, and the same workspace asks on every message.
 */
export class PolicyBook {
  private readonly cache = new Map<string, Policy>();

  constructor(private readonly config: SafetyConfig) {}

  /** The override configured for a workspace, if any. */
  override(ref: WorkspaceRef): WorkspacePolicy | undefined {
    const table = (this.config.workspaces as Record<string, Record<string, WorkspacePolicy>>)[ref.platform];
    if (!table || !Object.prototype.hasOwnProperty.call(table, ref.workspace)) return undefined;
    return table[ref.workspace];
  }

  resolve(ref: WorkspaceRef): Policy {
    const key = `${ref.platform}\u0000${ref.workspace}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const o = this.override(ref);
    const level = o?.level ?? this.config.level;
    const policy: Policy = {
      level,
      faceSwap: o?.faceSwap ?? this.config.faceSwap,
      check: o?.check?.mode ?? this.config.check.mode,
      deny: new DenyList([...this.config.denyList, ...(o?.denyList ?? [])], level),
      source: o ? 'workspace' : 'default',
    };
    this.cache.set(key, policy);
    return policy;
  }
}

/** One-off resolution (tests, the CLI). */
export function resolvePolicy(config: SafetyConfig, ref: WorkspaceRef): Policy {
  return new PolicyBook(config).resolve(ref);
}
