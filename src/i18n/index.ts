/**
 * UI strings in `en` and `ru`. The `lang` attribute of an element (or of the document) picks
 * one; hosts add languages or override single strings with `registerStrings`.
 */
import { en, type StringKey } from './en.ts';
import { ru } from './ru.ts';

export type { StringKey } from './en.ts';
export type Strings = Record<StringKey, string>;

const catalogs = new Map<string, Partial<Strings>>([
  ['en', en],
  ['ru', ru],
]);
const listeners = new Set<() => void>();

/** Adds or overrides strings for a language, e.g. `registerStrings('ru', { 'room.leave': 'Выйти' })`. */
export function registerStrings(lang: string, strings: Partial<Strings>): void {
  const key = lang.toLowerCase();
  catalogs.set(key, { ...catalogs.get(key), ...strings });
  for (const listener of listeners) listener();
}

export function onStringsChanged(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The catalog language for a BCP 47 tag: `ru-RU` → `ru`; unknown → `en`. */
export function resolveLang(lang: string | null | undefined): string {
  const tag = (lang ?? '').toLowerCase();
  if (catalogs.has(tag)) return tag;
  const base = tag.split('-')[0];
  return catalogs.has(base) ? base : 'en';
}

export function translate(lang: string, key: StringKey, values: Record<string, string | number> = {}): string {
  const text = catalogs.get(resolveLang(lang))?.[key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? `{${name}}`));
}
