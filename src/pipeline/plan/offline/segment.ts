import { createRequire } from 'node:module';

/** One word of a segmented Chinese run, with its part of speech when the segmenter knows it (jieba tags: n, v, a, …). */
export interface SegmentedWord {
  word: string;
  tag?: string;
}

/** Cuts a run of Chinese characters into words. */
export interface WordSegmenter {
  cut(text: string): SegmentedWord[];
}

/** A user-dictionary word: the vocabulary's phrases, so "高跟鞋", "去掉" or "仅保留" stay whole. */
export interface UserWord {
  word: string;
  tag: string;
}

/** Frequency given to user words: high enough to beat a split across them ("去掉/包", not "去/掉包"), low enough that a longer dictionary word still wins over two of them. */
const USER_WORD_FREQUENCY = 200_000;

type JiebaModule = typeof import('@node-rs/jieba');

/**
 * jieba (the @node-rs/jieba native build) with its default dictionary plus the vocabulary as a
 * user dictionary; HMM off, so unknown runs are not glued into invented words. Loaded
 * synchronously on first use (about 0.3 s); throws when the native module cannot load.
 */
export class JiebaSegmenter implements WordSegmenter {
  private readonly jieba: InstanceType<JiebaModule['Jieba']>;

  constructor(userWords: readonly UserWord[]) {
    const require = createRequire(import.meta.url);
    const { Jieba } = require('@node-rs/jieba') as JiebaModule;
    const { dict } = require('@node-rs/jieba/dict.js') as { dict: Uint8Array };
    this.jieba = Jieba.withDict(dict);
    const lines: string[] = [];
    for (const { word, tag } of userWords) {
      // The dictionary format is "word frequency tag" per line: a word may not hold spaces.
      if (/^\S+$/.test(word)) lines.push(`${word} ${USER_WORD_FREQUENCY} ${tag}`);
    }
    if (lines.length > 0) this.jieba.loadDict(Buffer.from(lines.join('\n'), 'utf8'));
  }

  cut(text: string): SegmentedWord[] {
    return this.jieba.tag(text, false).map((t) => ({ word: t.word, tag: t.tag }));
  }
}
