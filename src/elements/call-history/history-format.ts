/**
 * How `<call-history>` writes times, durations and counts in the reader's language: dates and
 * times by `Intl`, durations in the catalog's units, and counts by the language's plural rules
 * (Russian has three forms: 1 сообщение, 2 сообщения, 5 сообщений).
 */
import type { StringKey } from '../../i18n/index.ts';

type Translate = (key: StringKey, values?: Record<string, string | number>) => string;

/** `one`, `few`, `many` or `other` for `count` in `lang` (English uses one and other only). */
export function pluralForm(lang: string, count: number): 'one' | 'few' | 'many' | 'other' {
  const form = new Intl.PluralRules(lang).select(count);
  return form === 'one' || form === 'few' || form === 'many' ? form : 'other';
}

/** The string of `prefix` in the plural form `count` takes: `history.messages.few`… */
export function plural(t: Translate, lang: string, prefix: 'history.messages' | 'history.calls', count: number): string {
  return t(`${prefix}.${pluralForm(lang, count)}` as StringKey, { count });
}

/** `1 h 5 min`, `25 min`, `40 s` (under a minute) in the catalog's units. */
export function formatDuration(t: Translate, seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return t('history.duration.seconds', { count: whole });
  const minutes = Math.round(whole / 60);
  if (minutes < 60) return t('history.duration.minutes', { count: minutes });
  return t('history.duration.hours', { hours: Math.floor(minutes / 60), minutes: minutes % 60 });
}

/** A date and time, e.g. `2 Dec 2026, 17:05` / `2 дек. 2026 г., 17:05`; empty for no date. */
export function formatWhen(lang: string, iso: string | null): string {
  const date = iso ? new Date(iso) : null;
  if (!date || Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(date);
}

