import OpenAI from 'openai';
import type { Locale } from '../i18n/index.js';
import type { ResolvedProfile } from '../providers/llm/index.js';
import type { CommandLanguage } from '../pipeline/commands/index.js';

/** What a request should be about this time, so a long run covers every kind of edit. */
const FOCUS: Record<Locale, string[]> = {
  en: [
    'a new background (a place, a season, a style)',
    'new clothes or a different colour for one garment',
    'a hair colour or hairstyle change',
    'the face: expression, make-up or skin',
    'two different changes in one sentence',
    'brightness, contrast or saturation of some part',
    'blurring or turning part of the photo black and white',
    'removing something, or keeping only the person',
    'a light overall touch-up',
    'a change phrased casually, the way people type in chat',
  ],
  'zh-CN': [
    '更换背景（某个地点、季节或风格）',
    '换一件衣服或给某件衣服换颜色',
    '改变发色或发型',
    '面部：表情、妆容或皮肤',
    '一句话里提出两个不同的修改',
    '调整某个部位的亮度、对比度或饱和度',
    '把照片的一部分模糊或变成黑白',
    '去掉某个东西，或只保留人物',
    '整体轻微美化',
    '用聊天时随意的口吻提出修改',
  ],
};

const SYSTEM: Record<Locale, string> = {
  en: [
    'You invent what a real user of a photo-editing chat bot would type about their own photo of a person.',
    'The photo has these parts: {labels}.',
    'Write ONE short, natural edit request in English that only involves parts the photo has. This time it should be about: {focus}.',
    'Vary wording, detail and tone. Answer with the request only: no quotes, no explanation.',
  ].join('\n'),
  'zh-CN': [
    '你要设想一个修图聊天机器人的真实用户，会怎样对自己的人物照片提出修改。',
    '照片有以下部位：{labels}。',
    '用中文写一条简短、自然的修改请求，只涉及照片中有的部位。这一次的主题是：{focus}。',
    '措辞、细节和语气要有变化。只回答请求本身，不要引号，不要解释。',
  ].join('\n'),
};

export interface RequestWriter {
  /** A realistic edit request for a photo with these labels; `seed` picks the focus. */
  write(labels: readonly string[], locale: Locale, seed: number, signal?: AbortSignal): Promise<{ text: string; usage?: { promptTokens: number; completionTokens: number } }>;
}

/** The teacher model writing edit requests (step one of a sample; its commands come from the planner). */
export function teacherRequestWriter(profile: ResolvedProfile, language: CommandLanguage): RequestWriter {
  const client = new OpenAI({ apiKey: profile.apiKey, baseURL: profile.baseURL, timeout: profile.timeoutMs, maxRetries: profile.maxRetries });
  return {
    async write(labels, locale, seed, signal) {
      const focus = FOCUS[locale][seed % FOCUS[locale].length]!;
      const names = labels.map((l) => language.displayLabel(l, locale)).join(locale === 'zh-CN' ? '、' : ', ');
      const system = SYSTEM[locale].replace('{labels}', names).replace('{focus}', focus);
      const completion = await client.chat.completions.create(
        {
          model: profile.model,
          messages: [
            { role: 'system', content: system },
            { role: 'user', content: locale === 'zh-CN' ? '请写一条修改请求。' : 'Write one edit request.' },
          ],
          // Variety matters more than determinism here, whatever the profile's planning temperature.
          temperature: Math.max(profile.temperature, 0.9),
          max_tokens: 120,
        },
        { signal },
      );
      const text = cleanRequest(completion.choices[0]?.message?.content ?? '');
      const usage = completion.usage ? { promptTokens: completion.usage.prompt_tokens, completionTokens: completion.usage.completion_tokens } : undefined;
      return { text, ...(usage ? { usage } : {}) };
    },
  };
}

/** First line, without the quotes or "Request:" prefixes models like to add. */
export function cleanRequest(raw: string): string {
  const line = raw
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l.length > 0) ?? '';
  return line
    .replace(/^(request|edit request|请求|修改请求)\s*[:：]\s*/i, '')
    .replace(/^["'“”「『]+|["'“”」』]+$/g, '')
    .trim();
}
