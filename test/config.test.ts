import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clearConfigCache, loadConfig } from '../src/config/load.js';
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
