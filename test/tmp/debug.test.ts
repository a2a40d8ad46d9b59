import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { DEFAULT_MODEL_LABELS } from '../../src/pipeline/commands/index.js';
import { OfflineInterpreter } from '../../src/pipeline/plan/index.js';
import { testLanguage, testVocabulary } from '../helpers/config.js';
import { Tokenizer } from '../../src/pipeline/plan/offline/tokenize.js';

it('debug', () => {
  const language = testLanguage();
  const p = new OfflineInterpreter({ language, vocabulary: testVocabulary() });
  const tk = (p as unknown as { tokenizer: Tokenizer }).tokenizer;
  const lines = readFileSync('/tmp/dbg.txt', 'utf8').split('\n').filter(Boolean);
  for (const line of lines) {
    const r = p.planSync({ instruction: line, labels: DEFAULT_MODEL_LABELS });
    console.log('>>', line);
    if (process.env.TOK) console.log('   tokens:', tk.tokenize(line).map((t) => `${t.raw}/${t.kind}${'gloss' in t && t.gloss ? '=' + t.gloss : ''}`).join(' '));
    console.log('   ', JSON.stringify(r.commands.map((c) => language.toWire(c))), r.rejected.length ? 'REJ ' + JSON.stringify(r.rejected.map((x) => x.reason)) : '', r.clarify ?? '');
  }
});
