import { readFile } from 'node:fs/promises';
import { loadConfig } from '../../config/load.js';
import { t, type Locale } from '../../i18n/index.js';
import { CommandLanguage, type ParseResult } from '../../pipeline/commands/index.js';
import { EXIT } from '../exit.js';
import { cliLocale } from '../report.js';

/**
 * `parse [FILE|-] [--labels A,B] [--json]`: a raw model reply → validated, merged, sorted
 * commands. Exit 0 whenever the input could be read, even with nothing valid in it.
 */
export async function run(args: string[], options: Record<string, unknown>): Promise<number> {
  const locale = cliLocale();
  if (args.length > 1) {
    process.stderr.write(`error: ${t(locale, 'commands.cli_too_many_args', { count: args.length })}\n`);
    return EXIT.usage;
  }
  const file = args[0] ?? '-';
  const input = await readInput(file, locale);
  if (typeof input === 'number') return input;

  const labels = Array.isArray(options.labels) ? (options.labels as string[]) : undefined;
  const language = CommandLanguage.fromConfig(loadConfig({ sections: ['commands', 'labels'] }));
  const result = language.parse(input, { labels, locale });
  process.stdout.write(options.json ? toJson(language, result) : toText(language, result, locale));
  return EXIT.ok;
}

async function readInput(file: string, locale: Locale): Promise<string | number> {
  let bytes: Buffer;
  try {
    bytes = file === '-' ? await readStdin() : await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? t(locale, 'commands.cli_missing_file', { file })
        : t(locale, 'commands.cli_unreadable', { file, detail: code ?? (err as Error).message });
    process.stderr.write(`error: ${message}\n`);
    return EXIT.unreadable;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    process.stderr.write(`error: ${t(locale, 'commands.cli_not_text', { file: file === '-' ? 'stdin' : file })}\n`);
    return EXIT.unreadable;
  }
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function toJson(language: CommandLanguage, result: ParseResult): string {
  return `${JSON.stringify({
    commands: result.commands.map((c) => language.toWire(c)),
    rejected: result.rejected.map((r) => ({ item: r.item, reason: r.reason })),
  })}\n`;
}

function toText(language: CommandLanguage, result: ParseResult, locale: Locale): string {
  const lines: string[] = [];
  if (result.commands.length === 0) lines.push(t(locale, 'commands.cli_none'));
  else {
    lines.push(t(locale, 'commands.cli_commands', { count: result.commands.length }));
    result.commands.forEach((c, i) => {
      const wire = language.toWire(c);
      lines.push(`  ${i + 1}. ${wire.command} ${wire.paras.map((p) => JSON.stringify(p)).join(' ')}`.trimEnd());
    });
  }
  if (result.rejected.length > 0) {
    lines.push(t(locale, 'commands.cli_rejected', { count: result.rejected.length }));
    for (const r of result.rejected) {
      const item = typeof r.item === 'string' ? r.item : JSON.stringify(r.item);
      lines.push(`  - ${r.reason}`);
      if (item) lines.push(`    ${item.replace(/\s+/g, ' ').slice(0, 120)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
