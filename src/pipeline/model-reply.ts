/**
 * What a vision model wrote, made safe to use: its JSON (even with prose around it or small
 * mistakes), and its sentences shown to people (one line, no markup, links or mentions, bounded).
 */
export async function readJsonReply(text: string): Promise<unknown> {
  const start = text.search(/[[{]/);
  if (start < 0) return undefined;
  const body = text.slice(start, Math.max(text.lastIndexOf('}'), text.lastIndexOf(']')) + 1);
  try {
    return JSON.parse(body);
  } catch {
    try {
      const { jsonrepair } = await import('jsonrepair');
      return JSON.parse(jsonrepair(body));
    } catch {
      return undefined;
    }
  }
}

export function cleanSentence(text: unknown, max: number): string | undefined {
  if (typeof text !== 'string') return undefined;
  const one = text
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/[@#*_`~|[\]]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (!one) return undefined;
  const chars = [...one];
  return chars.length <= max ? one : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}
