import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { messageText, type ChatRequestBody } from '../fakes/openai.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.join(ROOT, 'bin', 'chat-image-editor.js');

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** A CONFIG_FILE adding LLM profiles that point at the loopback fake. */
export function writeProfilesConfig(dir: string, profiles: Record<string, { baseURL: string; model?: string; pricePer1kInput?: number; pricePer1kOutput?: number }>): string {
  const file = path.join(dir, 'config.yaml');
  const lines = ['llm:', '  profiles:'];
  for (const [name, p] of Object.entries(profiles)) {
    lines.push(`    ${name}:`, `      baseURL: ${p.baseURL}`, `      model: ${p.model ?? 'fake-model'}`, '      structuredOutput: false', '      maxRetries: 0', '      timeoutMs: 10000');
    if (p.pricePer1kInput !== undefined) lines.push(`      pricePer1kInput: ${p.pricePer1kInput}`);
    if (p.pricePer1kOutput !== undefined) lines.push(`      pricePer1kOutput: ${p.pricePer1kOutput}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** The labels question of the planner's conversation (both locales): present only in planning requests. */
export function isPlanningRequest(body: ChatRequestBody): boolean {
  return body.messages.some((m) => m.role === 'user' && /Which parts does the photo have\?|这张照片有哪些部位/.test(messageText(m)));
}

/** The user's instruction in a planning request (the turn after the label answer; repair rounds come later). */
export function instructionOf(body: ChatRequestBody): string {
  return messageText(body.messages[3]!);
}

export function isRepairRound(body: ChatRequestBody): boolean {
  return body.messages.length > 4;
}

export function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: tempDir('cie-eval-data-'), LOG_LEVEL: 'silent', ...extraEnv };
    execFile(process.execPath, [BIN, ...args], { env, cwd: ROOT, timeout: 60_000, maxBuffer: 20 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
