/** Names of environment variables whose values must never appear in logs or replies. */
export const SECRET_ENV_NAMES = [
  'OPENAI_API_KEY',
  'DISCORD_TOKEN',
  'DISCORD_PUBLIC_KEY',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'FEISHU_APP_SECRET',
  'FEISHU_ENCRYPT_KEY',
  'FEISHU_VERIFICATION_TOKEN',
  'REDIS_URL',
  'PLAYGROUND_TOKEN',
] as const;

/** Patterns of well-known token formats, scrubbed even when they did not come from our environment. */
const TOKEN_PATTERNS: RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{16,}/g, // OpenAI keys
  /\bxox[abpors]-[A-Za-z0-9-]{10,}/g, // Slack bot/user tokens
  /\bxapp-[A-Za-z0-9-]{10,}/g, // Slack app-level tokens
  /\b[MN][A-Za-z\d_-]{23,25}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,}/g, // Discord bot tokens
  /\bBearer\s+[A-Za-z0-9._~+/-]+=*/g,
  /\bBot\s+[A-Za-z0-9._-]{20,}/g,
  /(redis(?:s)?:\/\/[^:@/\s]*:)[^@\s]+@/g,
];

/** Replaces secret values (from the environment and known token shapes) with a marker. */
export function scrubSecrets(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text;
  for (const name of SECRET_ENV_NAMES) {
    const value = env[name];
    if (value && value.length >= 6) out = out.split(value).join('[redacted]');
  }
  for (const re of TOKEN_PATTERNS) {
    out = out.replace(re, (match, keep?: string) =>
      typeof keep === 'string' && match.startsWith(keep) ? `${keep}[redacted]@` : '[redacted]',
    );
  }
  return out;
}
