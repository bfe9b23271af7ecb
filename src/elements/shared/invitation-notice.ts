import type { InvitationNotice, NotificationOutcome } from '../../core/invitations.ts';
import type { StringKey } from '../../i18n/index.ts';

type Translate = (key: StringKey, values?: Record<string, string | number>) => string;

/**
 * What an invitation's notifications did, in words: one sentence per channel that went out or
 * failed (a push that reached nobody — no browser subscribed — is no news), and whether any
 * failed. The invitations panel and the event button's host line say it after their own lead.
 */
export function describeNotice(t: Translate, notice: InvitationNotice): { text: string; partial: boolean } {
  const said = (outcome: NotificationOutcome, channel: 'email' | 'push') => {
    const failed = outcome.status === 'failed' || (outcome.status === 'sent' && outcome.sent === 0 && outcome.failed > 0);
    if (failed) return { text: t(channel === 'email' ? 'answer.notice.emailFailed' : 'answer.notice.pushFailed'), failed };
    return { text: outcome.status === 'sent' && outcome.sent > 0 ? t(channel === 'email' ? 'answer.notice.emailSent' : 'answer.notice.pushSent') : '', failed };
  };
  const channels = [said(notice.email, 'email'), said(notice.push, 'push')];
  return { text: channels.map((channel) => channel.text).filter(Boolean).join(' '), partial: channels.some((channel) => channel.failed) };
}
