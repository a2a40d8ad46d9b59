import { existsSync, statSync } from 'node:fs';
import { EXIT } from '../exit.js';
import { cliLocale, reportCliError } from '../report.js';
import { t } from '../../i18n/index.js';
import { readEnv } from '../../config/env.js';
import { loadConfig } from '../../config/load.js';
import { UserFacingError } from '../../util/errors.js';
import { activeCardName, getCard, modelsDir, resolveModelFile } from '../../providers/segment/cards.js';
import { ModelDownloads, partsFromNote, readPartsState } from '../../providers/segment/status.js';
import { explainParts, formatBytes, formatEta, sentence, type PartsState } from '../../core/availability.js';

function mb(n: number | null | undefined): string {
  return n ? `${(n / 1e6).toFixed(1)} MB` : '?';
}

export async function run(args: string[], options: Record<string, unknown>): Promise<number> {
  const locale = cliLocale();
  const [action, requested] = args;
  const env = readEnv();
  try {
    const cfg = loadConfig({ sections: ['models'] }).models;
    const active = activeCardName(env, cfg);
    const name = requested ?? active;
    if (action === 'list') {
      const models = Object.entries(cfg.cards).map(([n, card]) => {
        const { file } = resolveModelFile(n, card, env, cfg);
        const installed = existsSync(file);
        // The active card's state is the one doctor and the playground show (downloading 45 %, failed…).
        const state: PartsState['state'] = n === active ? readPartsState(env, cfg).state : installed ? 'ready' : 'not-downloaded';
        return {
          name: n,
          active: n === active,
          installed,
          state,
          file,
          bytes: installed ? statSync(file).size : null,
          size: card.size ?? null,
          url: card.url ?? null,
          sha256: card.sha256 ?? null,
          labels: card.labels.length,
          description: card.description,
        };
      });
      if (options.json) process.stdout.write(`${JSON.stringify({ active, dir: modelsDir(env), models })}\n`);
      else {
        process.stdout.write(`${t(locale, 'segment.models_header', { active, dir: modelsDir(env) })}\n`);
        for (const m of models) {
          process.stdout.write(
            `${m.active ? '*' : ' '} ${m.name.padEnd(28)} ${m.state.padEnd(14)} ${mb(m.bytes ?? m.size).padStart(9)}  ${m.labels} labels  ${m.description}\n`,
          );
        }
        const parts = readPartsState(env, cfg);
        if (parts.state !== 'ready') process.stderr.write(`${sentence(explainParts(parts, locale, 'operator'))}\n`);
      }
      return EXIT.ok;
    }
    const card = getCard(name, cfg);
    if (action === 'fetch') {
      if (!card.url) throw new UserFacingError('segment.no_url', { model: name, hint: card.description });
      const { SingleBar, Presets } = (await import('cli-progress')).default;
      const bar = new SingleBar(
        { stream: process.stderr, format: `${name} [{bar}] {percentage}% | {done}/{size} | {left}`, hideCursor: true, noTTYOutput: false, notTTYSchedule: 5000 },
        Presets.shades_classic,
      );
      // Through the same downloads as `serve`: a running serve, doctor and the playground see this progress too.
      const downloads = new ModelDownloads();
      const file = resolveModelFile(name, card, env, cfg).file;
      let started = false;
      const show = () => {
        const note = downloads.state(file);
        if (note?.state !== 'downloading') return;
        const total = note.total ?? card.size ?? 0;
        const payload = { done: formatBytes(note.received, locale), size: formatBytes(total || undefined, locale), left: note.etaSeconds !== undefined ? formatEta(note.etaSeconds, locale) : '…' };
        if (!started) (bar.start(Math.max(1, total), note.received, payload), (started = true));
        else bar.update(Math.min(note.received, Math.max(1, total)), payload);
      };
      const unsubscribe = downloads.subscribe(show);
      const result = await downloads.fetch(name, card, env, { file }).finally(() => {
        unsubscribe();
        if (started) bar.stop();
      });
      if (!result) {
        const note = downloads.state(file);
        const parts = note ? partsFromNote(note, file) : readPartsState(env, cfg);
        process.stderr.write(`error: ${sentence(explainParts(parts, locale, 'operator'))}\n`);
        return EXIT.failure;
      }
      if (options.json) process.stdout.write(`${JSON.stringify({ model: name, ...result })}\n`);
      else process.stdout.write(`${t(locale, 'segment.fetched', { model: name, path: result.file })}\n`);
      return EXIT.ok;
    }
    // verify
    const { file, managed } = resolveModelFile(name, card, env, cfg);
    if (!existsSync(file)) {
      const msg = t(locale, 'segment.verify_missing', { model: name, path: file });
      if (options.json) process.stdout.write(`${JSON.stringify({ model: name, file, ok: false, installed: false })}\n`);
      process.stderr.write(`${msg}\n`);
      return EXIT.failure;
    }
    const { sha256File, verifyModelFile } = await import('../../providers/segment/hash.js');
    if (card.sha256 && managed) {
      const sha256 = await verifyModelFile(name, file, card.sha256, { force: true });
      if (options.json) process.stdout.write(`${JSON.stringify({ model: name, file, ok: true, sha256, pinned: true })}\n`);
      else process.stdout.write(`${t(locale, 'segment.verified', { model: name, sha256 })}\n`);
    } else {
      const sha256 = await sha256File(file);
      if (options.json) process.stdout.write(`${JSON.stringify({ model: name, file, ok: true, sha256, pinned: false })}\n`);
      else process.stdout.write(`${t(locale, 'segment.verify_unpinned', { model: name, sha256 })}\n`);
    }
    return EXIT.ok;
  } catch (err) {
    if (err instanceof UserFacingError && err.key === 'segment.model_unknown') {
      process.stderr.write(`error: ${t(locale, err.key, err.params)}\n`);
      return EXIT.usage;
    }
    return reportCliError(err);
  }
}
