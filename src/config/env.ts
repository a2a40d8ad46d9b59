import path from 'node:path';

/**
 * Runtime settings from the environment (DESIGN.md "Environment"). Secrets live here only and are
 * never logged: log `describeEnv()` instead.
 */
export interface EnvSettings {
  host: string;
  port: number;
  dataDir: string;
  openai: { apiKey?: string; baseUrl?: string; model?: string; visionModel?: string };
  sdWebuiUrl?: string;
  discord: { token?: string; appId?: string; publicKey?: string; apiUrl?: string };
  slack: { botToken?: string; signingSecret?: string; appToken?: string; apiUrl?: string };
  feishu: {
    appId?: string;
    appSecret?: string;
    encryptKey?: string;
    verificationToken?: string;
    domain?: string;
    mode: 'ws' | 'webhook';
  };
  redisUrl?: string;
  /** Required for the playground when HOST is not a loopback address (else the playground is off there). */
  playgroundToken?: string;
  /** Segmentation: SEGMENT_MODEL (card name), SEGMENT_MODEL_PATH (local model file), SEGMENTER_URL (remote endpoint). */
  segment?: { model?: string; modelPath?: string; remoteUrl?: string };
  /**
   * HF_ENDPOINT: base URL of the model hub (the Hugging Face convention), for mirrors behind
   * firewalls or in mainland China. Model card URLs on https://huggingface.co are fetched from it.
   */
  hfEndpoint?: string;
}

function opt(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): EnvSettings {
  const port = Number(opt(env, 'PORT') ?? 8787);
  return {
    host: opt(env, 'HOST') ?? '127.0.0.1',
    port: Number.isInteger(port) && port >= 0 && port < 65536 ? port : 8787,
    dataDir: path.resolve(opt(env, 'DATA_DIR') ?? './data'),
    openai: {
      apiKey: opt(env, 'OPENAI_API_KEY'),
      baseUrl: opt(env, 'OPENAI_BASE_URL'),
      model: opt(env, 'LLM_MODEL'),
      visionModel: opt(env, 'VISION_MODEL'),
    },
    sdWebuiUrl: opt(env, 'SD_WEBUI_URL'),
    discord: {
      token: opt(env, 'DISCORD_TOKEN'),
      appId: opt(env, 'DISCORD_APP_ID'),
      publicKey: opt(env, 'DISCORD_PUBLIC_KEY'),
      apiUrl: opt(env, 'DISCORD_API_URL'),
    },
    slack: {
      botToken: opt(env, 'SLACK_BOT_TOKEN'),
      signingSecret: opt(env, 'SLACK_SIGNING_SECRET'),
      appToken: opt(env, 'SLACK_APP_TOKEN'),
      apiUrl: opt(env, 'SLACK_API_URL'),
    },
    feishu: {
      appId: opt(env, 'FEISHU_APP_ID'),
      appSecret: opt(env, 'FEISHU_APP_SECRET'),
      encryptKey: opt(env, 'FEISHU_ENCRYPT_KEY'),
      verificationToken: opt(env, 'FEISHU_VERIFICATION_TOKEN'),
      domain: opt(env, 'FEISHU_DOMAIN'),
      mode: opt(env, 'FEISHU_MODE') === 'webhook' ? 'webhook' : 'ws',
    },
    redisUrl: opt(env, 'REDIS_URL'),
    playgroundToken: opt(env, 'PLAYGROUND_TOKEN'),
    segment: {
      model: opt(env, 'SEGMENT_MODEL'),
      modelPath: opt(env, 'SEGMENT_MODEL_PATH'),
      remoteUrl: opt(env, 'SEGMENTER_URL'),
    },
    hfEndpoint: opt(env, 'HF_ENDPOINT'),
  };
}

/** What is configured, without any secret value: safe to log and to show in `doctor`. */
export function describeEnv(s: EnvSettings): Record<string, boolean | string> {
  return {
    llm: Boolean(s.openai.apiKey || s.openai.baseUrl),
    vision: Boolean(s.openai.visionModel),
    sdWebui: Boolean(s.sdWebuiUrl),
    discordGateway: Boolean(s.discord.token),
    discordInteractions: Boolean(s.discord.publicKey && s.discord.appId),
    slack: Boolean(s.slack.botToken && (s.slack.appToken || s.slack.signingSecret)),
    slackMode: s.slack.appToken ? 'socket' : 'http',
    feishu: Boolean(s.feishu.appId && s.feishu.appSecret),
    feishuMode: s.feishu.mode,
    redis: Boolean(s.redisUrl),
    modelMirror: Boolean(s.hfEndpoint),
  };
}
