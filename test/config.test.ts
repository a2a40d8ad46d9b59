import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clearConfigCache, loadConfig, MAX_CONFIG_FILE_BYTES, type SectionName } from '../src/config/load.js';
import { closest, levenshtein } from '../src/config/suggest.js';
import { ConfigError } from '../src/util/errors.js';
import { allMessages, LOCALES } from '../src/i18n/index.js';

afterEach(() => clearConfigCache());

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cie-config-'));
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('configuration', () => {
  it('loads every shipped section', () => {
    const config = loadConfig();
    expect(Object.keys(config.commands.commands)).toContain('change');
    expect(config.images.maxPixels).toBe(50_000_000);
    expect(config.labels.synonyms.Background).toContain('背景');
  });

  it('applies a user file over the defaults', () => {
    const file = tempFile('user.yaml', 'images:\n  maxPixels: 1000\n');
    const config = loadConfig({ sections: ['images'], userFile: file });
    expect(config.images.maxPixels).toBe(1000);
    expect(config.images.maxBytes).toBe(52428800);
  });

  it('names the file, the key and the expectation when a value is wrong', () => {
    const file = tempFile('user.yaml', 'images:\n  maxPixels: lots\n');
    let caught: unknown;
    try {
      loadConfig({ sections: ['images'], userFile: file });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const err = caught as ConfigError;
    expect(err.file).toBe(file);
    expect(err.keyPath).toBe('images.maxPixels');
    expect(err.message).toMatch(/expected number/);
  });

  it('reports broken YAML with its line', () => {
    const file = tempFile('user.yaml', 'images:\n  maxPixels: [1,\n');
    expect(() => loadConfig({ sections: ['images'], userFile: file })).toThrow(/user\.yaml.*valid YAML \(line/);
  });

  it('refuses a command rule without its template', () => {
    const file = tempFile('user.yaml', 'commands:\n  commands:\n    paint:\n      description: {en: a, zh-CN: b}\n      executor: generative\n      priority: 1\n      paras: []\n');
    expect(() => loadConfig({ sections: ['commands'], userFile: file })).toThrow(/commands\.paint\.template/);
  });
});

/** Loads with a user file and returns the ConfigError it must throw. */
function configError(text: string, sections?: SectionName[], name = 'user.yaml'): { err: ConfigError; file: string } {
  const file = tempFile(name, text);
  try {
    loadConfig({ sections, userFile: file });
  } catch (err) {
    if (err instanceof ConfigError) return { err, file };
    throw err;
  }
  throw new Error('expected a ConfigError');
}

/** 10 aliases of 10 aliases of …: tiny on disk, ~10^7 nodes once expanded. */
const ALIAS_BOMB = [
  'a: &a [x, x, x, x, x, x, x, x, x, x]',
  'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
  'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
  'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
  'f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]',
  'images: {maxPixels: 1}',
  '',
].join('\n');

describe('strict configuration', () => {
  it('refuses a misspelt section, naming the file and suggesting the section', () => {
    const { err, file } = configError('imagez:\n  maxPixels: 1000\n', ['images']);
    expect(err.file).toBe(file);
    expect(err.keyPath).toBe('imagez');
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/unknown section; did you mean "images"\?/);
  });

  it('lists the sections when a wrong one is not close to any', () => {
    const { err } = configError('zzzzzzzz: {}\n', ['images']);
    expect(err.message).toMatch(/known sections: commands, labels, images/);
  });

  it('refuses a misspelt key, naming the file, the key path and the nearest key', () => {
    const { err, file } = configError('images:\n  maxPixelz: 1000\n', ['images']);
    expect(err.file).toBe(file);
    expect(err.keyPath).toBe('images.maxPixelz');
    expect(err.message).toMatch(/did you mean "maxPixels"\?/);
  });

  it('finds misspelt keys deep inside sections and inside user-named entries', () => {
    expect(configError('engine:\n  jobs:\n    queue:\n      kindd: memory\n').err.message).toMatch(
      /"engine\.jobs\.queue\.kindd": unknown key; did you mean "kind"\?/,
    );
    // Command names are the user's own (a record), but each command's rule has a fixed shape.
    expect(configError('commands:\n  commands:\n    blur:\n      priorty: 45\n').err.message).toMatch(
      /"commands\.commands\.blur\.priorty": unknown key; did you mean "priority"\?/,
    );
    expect(configError('models:\n  cards:\n    segformer_b2_clothes:\n      input:\n        widht: 256\n').err.keyPath).toBe(
      'models.cards.segformer_b2_clothes.input.widht',
    );
    expect(configError('backends:\n  sdWebui:\n    reactor:\n      devise: CPU\n').err.message).toMatch(/did you mean "device"/);
  });

  it('checks every section the user file overrides, even when the caller needs another one', () => {
    const { err, file } = configError('images:\n  maxPixelz: 1000\n', ['commands']);
    expect(err.file).toBe(file);
    expect(err.keyPath).toBe('images.maxPixelz');
  });

  it('names a scalar section by its own key, without a trailing dot', () => {
    const { err } = configError('images: 5\n', ['images']);
    expect(err.keyPath).toBe('images');
    expect(err.message).toMatch(/at "images": expected object/);
  });

  it('treats an empty section as no override', () => {
    const file = tempFile('user.yaml', 'images:\n');
    expect(loadConfig({ sections: ['images'], userFile: file }).images.maxPixels).toBe(50_000_000);
  });

  it('refuses a YAML alias bomb, naming the file', () => {
    const { err, file } = configError(ALIAS_BOMB, ['images']);
    expect(err.file).toBe(file);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/valid YAML: .*alias/i);
  });

  it('refuses a directory, a missing file and an oversized file, naming each', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cie-config-dir-'));
    expect(() => loadConfig({ sections: ['images'], userFile: dir })).toThrow(new RegExp(`${dir}.*directory`));
    const missing = path.join(dir, 'nope.yaml');
    expect(() => loadConfig({ sections: ['images'], userFile: missing })).toThrow(new RegExp(`${missing}.*exist`));
    const big = `images:\n  maxPixels: 1000\n# ${'x'.repeat(MAX_CONFIG_FILE_BYTES)}\n`;
    const { err, file } = configError(big, ['images']);
    expect(err.file).toBe(file);
    expect(err.message).toMatch(/at most \d+ bytes/);
  });

  it('blames a shipped defaults file by its own name and key path', () => {
    const configDir = mkdtempSync(path.join(os.tmpdir(), 'cie-config-defaults-'));
    writeFileSync(path.join(configDir, 'images.yaml'), 'maxPixels: 1000\nmaxByts: 10\n');
    let caught: unknown;
    try {
      loadConfig({ sections: ['images'], configDir });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).file).toBe(path.join(configDir, 'images.yaml'));
    expect((caught as ConfigError).keyPath).toBe('maxByts');
    expect((caught as ConfigError).message).toMatch(/did you mean "maxBytes"/);
  });

  it('has a bots section with a five-minute signature window by default', () => {
    expect(loadConfig({ sections: ['bots'] }).bots.signatureMaxAgeSeconds).toBe(300);
    const file = tempFile('user.yaml', 'bots:\n  signatureMaxAgeSeconds: 60\n');
    expect(loadConfig({ sections: ['bots'], userFile: file }).bots.signatureMaxAgeSeconds).toBe(60);
  });
});

describe('did you mean', () => {
  it('measures edit distance', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('images', 'images')).toBe(0);
  });

  it('suggests only close names, ignoring case', () => {
    expect(closest('imagez', ['commands', 'images', 'masks'])).toBe('images');
    expect(closest('MAXPIXELS', ['maxPixels', 'maxBytes'])).toBe('maxPixels');
    expect(closest('colour', ['color', 'region'])).toBe('color');
    expect(closest('zzzzzzzz', ['images', 'masks'])).toBeUndefined();
    expect(closest('a', [])).toBeUndefined();
  });
});

describe('messages', () => {
  it('has every message in English and Simplified Chinese', () => {
    const catalogs = allMessages();
    const english = Object.keys(catalogs.en).sort();
    for (const locale of LOCALES) {
      const keys = Object.keys(catalogs[locale]).sort();
      expect(keys).toEqual(english);
      for (const key of keys) expect(catalogs[locale][key]!.trim().length, `${locale} ${key}`).toBeGreaterThan(0);
    }
    for (const key of english) {
      const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      expect(placeholders(catalogs['zh-CN'][key]!), key).toEqual(placeholders(catalogs.en[key]!));
    }
  });
});
