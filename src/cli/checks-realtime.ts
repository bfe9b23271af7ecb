/**
 * Realtime as a call uses it: the private channel `call:<session_id>` opens for members and not
 * for an outsider (the policies on realtime.messages), a broadcast goes from one member to the
 * other and back, and each sees the other in presence.
 */
import type { RealtimeChannel } from '@supabase/supabase-js';
import { expect, type SmokeProject, type SmokeUser } from './project.ts';

/** The first status a channel reaches: SUBSCRIBED, or the error it was refused with. */
function subscribe(channel: RealtimeChannel): Promise<{ status: string; error?: Error }> {
  return new Promise((resolve) => {
    channel.subscribe((status, error) => {
      if (status === 'SUBSCRIBED' || status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') resolve({ status, error });
    });
  });
}

function callChannel(project: SmokeProject, user: SmokeUser): RealtimeChannel {
  return user.client.channel(`call:${project.session()}`, {
    config: { private: true, presence: { key: user.id }, broadcast: { self: false, ack: true } },
  });
}

/** The members' open channels, kept for the broadcast and presence checks. */
const open = new WeakMap<SmokeProject, { host: RealtimeChannel; guest: RealtimeChannel; heard: Map<string, (payload: unknown) => void>; presenceChanged: Set<() => void> }>();

export async function checkMemberChannel(project: SmokeProject): Promise<void> {
  const host = callChannel(project, project.user('host'));
  const guest = callChannel(project, project.user('guest'));
  const heard = new Map<string, (payload: unknown) => void>();
  const presenceChanged = new Set<() => void>();
  // Listeners before joining: a channel joined without presence listeners joins without presence.
  for (const channel of [host, guest]) {
    channel.on('broadcast', { event: 'smoke' }, ({ payload }) => heard.get(`${channel === host ? 'host' : 'guest'}:${(payload as { id?: string }).id}`)?.(payload));
    channel.on('presence', { event: 'sync' }, () => presenceChanged.forEach((look) => look()));
    channel.on('presence', { event: 'join' }, () => presenceChanged.forEach((look) => look()));
  }
  for (const [who, channel] of [['host', host], ['guest', guest]] as const) {
    const { status, error } = await subscribe(channel);
    expect(status === 'SUBSCRIBED', `the ${who} could not join their call's private channel: ${status}${error ? ` (${error.message})` : ''}`);
  }
  open.set(project, { host, guest, heard, presenceChanged });
}

export async function checkOutsiderRefused(project: SmokeProject): Promise<void> {
  const outsider = project.user('outsider');
  const channel = callChannel(project, outsider);
  try {
    const { status } = await subscribe(channel);
    expect(status !== 'SUBSCRIBED', 'an outsider joined the call\'s private channel: the policies on realtime.messages let them in');
    expect(status === 'CHANNEL_ERROR', `the outsider's join ended ${status}, not with a refusal`);
  } finally {
    await outsider.client.removeChannel(channel);
  }
}

export async function checkBroadcast(project: SmokeProject): Promise<string> {
  const channels = open.get(project);
  expect(channels, 'the members\' channels are not open');
  const roundTrip = async (from: 'host' | 'guest', to: 'host' | 'guest') => {
    const id = Math.random().toString(36).slice(2);
    const arrived = new Promise<void>((resolve) => channels.heard.set(`${to}:${id}`, () => resolve()));
    const sent = await channels[from].send({ type: 'broadcast', event: 'smoke', payload: { id } });
    expect(sent === 'ok', `the ${from}'s broadcast was not acknowledged: ${sent}`);
    await arrived;
  };
  const started = performance.now();
  await roundTrip('host', 'guest');
  await roundTrip('guest', 'host');
  return `host → guest → host in ${Math.round(performance.now() - started)} ms`;
}

export async function checkPresence(project: SmokeProject): Promise<void> {
  const channels = open.get(project);
  expect(channels, 'the members\' channels are not open');
  const host = project.user('host');
  const guest = project.user('guest');
  const sees = (channel: RealtimeChannel, key: string) =>
    new Promise<void>((resolve) => {
      const look = () => {
        if (!channel.presenceState()[key]) return;
        channels.presenceChanged.delete(look);
        resolve();
      };
      channels.presenceChanged.add(look);
      look();
    });
  const both = Promise.all([sees(channels.host, guest.id), sees(channels.guest, host.id)]);
  for (const [channel, name] of [[channels.host, 'Smoke host'], [channels.guest, 'Smoke guest']] as const) {
    const tracked = await channel.track({ name, mic: false, cam: false, screen: false, speaking: false, hand: false });
    expect(tracked === 'ok', `tracking presence was not acknowledged: ${tracked}`);
  }
  await both;
  await Promise.all([channels.host.untrack(), channels.guest.untrack()]);
}
