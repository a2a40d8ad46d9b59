export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

/** Declares one area's messages; the type system insists every English key has a Chinese twin. */
export function defineMessages<const T extends Record<string, string>>(messages: {
  en: T;
  'zh-CN': { [K in keyof T]: string };
}): { en: T; 'zh-CN': { [K in keyof T]: string } } {
  return messages;
}
