/**
 * The notifications' words, in Russian or English. The worker cannot see the page's catalogs or
 * `registerStrings()` (it runs when no page is open), so it carries these few of its own; the
 * language is the one the page handed it, else the worker's `navigator.language`.
 */
import type { CallPushPayload } from './messages.ts';

const STRINGS = {
  en: {
    untitled: 'Video call',
    invite: '{host} invites you to a video call',
    inviteNoHost: 'You are invited to a video call',
    reminder: 'The video call starts soon',
    join: 'Join',
    decline: 'Decline',
    dismiss: 'Dismiss',
    declined: 'You declined the invitation',
  },
  ru: {
    untitled: 'Видеозвонок',
    invite: '{host} приглашает вас на видеозвонок',
    inviteNoHost: 'Вас пригласили на видеозвонок',
    reminder: 'Видеозвонок скоро начнётся',
    join: 'Войти',
    decline: 'Отклонить',
    dismiss: 'Закрыть',
    declined: 'Вы отклонили приглашение',
  },
} as const;

export type NotificationLang = keyof typeof STRINGS;
type Key = keyof (typeof STRINGS)['en'];

/** `ru-RU` → `ru`; anything not Russian → `en`. */
export function notificationLang(tag: string | null | undefined): NotificationLang {
  return (tag ?? '').toLowerCase().split('-')[0] === 'ru' ? 'ru' : 'en';
}

export function say(lang: NotificationLang, key: Key, values: Record<string, string> = {}): string {
  return STRINGS[lang][key].replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? '');
}

/** "Wed, 2 Dec, 15:30" in the worker's time zone; '' for a missing or unreadable time. */
export function startTime(startsAt: string | null, lang: NotificationLang, locale?: string): string {
  const date = startsAt ? new Date(startsAt) : null;
  if (!date || Number.isNaN(date.getTime())) return '';
  const tag = locale && notificationLang(locale) === lang ? locale : lang === 'ru' ? 'ru-RU' : 'en-GB';
  return new Intl.DateTimeFormat(tag, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(date);
}

export interface CallNotificationText {
  title: string;
  body: string;
  actions: { action: 'join' | 'decline' | 'dismiss'; title: string }[];
}

/** Title, body lines and action buttons of the notification for a push. */
export function notificationText(push: CallPushPayload, lang: NotificationLang, locale?: string): CallNotificationText {
  const when = startTime(push.starts_at, lang, locale);
  const host = push.host_name?.trim();
  const lead =
    push.kind === 'reminder' ? say(lang, 'reminder') : host ? say(lang, 'invite', { host }) : say(lang, 'inviteNoHost');
  return {
    title: push.title?.trim() || say(lang, 'untitled'),
    body: [lead, when, push.kind === 'reminder' && host ? host : ''].filter(Boolean).join('\n'),
    actions:
      push.kind === 'invite'
        ? [
            { action: 'join', title: say(lang, 'join') },
            { action: 'decline', title: say(lang, 'decline') },
          ]
        : [
            { action: 'join', title: say(lang, 'join') },
            { action: 'dismiss', title: say(lang, 'dismiss') },
          ],
  };
}
