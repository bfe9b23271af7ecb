/**
 * Fixture state for the stories: a session, a client and a roster shaped like the real ones
 * (`CallSessionView`, `CallClientView`, `RosterView`), with synthetic camera streams drawn on
 * canvases. Nothing here talks to a backend.
 */
import type { Reaction } from '../src/core/call-reactions.ts';
import type { CallClientView, CallSessionRecord, RosterView } from '../src/core/call-client.ts';
import type { CallSessionEvents, CallSessionView, Participant } from '../src/core/call-session.ts';
import { CallError } from '../src/core/errors.ts';
import type { InvitationAnswer, InvitationNotice, NotificationOutcome } from '../src/core/invitations.ts';
import type { ParticipantRecord } from '../src/core/participant.ts';
import type { CallState } from '../src/core/call-state.ts';
import type { LocalMediaState } from '../src/core/local-media.ts';
import type { RosterStatus } from '../src/core/participant-roster.ts';
import { TypedEventTarget } from '../src/core/typed-events.ts';

const PALETTE = ['#2563eb', '#7c3aed', '#0891b2', '#16a34a', '#ea580c', '#db2777'];

/** A moving picture with a name on it, as a MediaStream (what a camera would give). */
export function canvasStream(label: string, index: number, kind: 'camera' | 'screen' = 'camera'): MediaStream {
  const canvas = document.createElement('canvas');
  canvas.width = kind === 'screen' ? 1280 : 640;
  canvas.height = kind === 'screen' ? 720 : 480;
  const context = canvas.getContext('2d')!;
  const color = PALETTE[index % PALETTE.length];
  let frame = 0;
  const draw = () => {
    frame++;
    const { width, height } = canvas;
    if (kind === 'screen') {
      context.fillStyle = '#f8fafc';
      context.fillRect(0, 0, width, height);
      context.fillStyle = color;
      context.fillRect(0, 0, width, 64);
      context.fillStyle = '#0f172a';
      context.font = 'bold 40px system-ui, sans-serif';
      context.fillText(`${label} — Q4 pipeline`, 40, 140);
      for (let bar = 0; bar < 6; bar++) {
        const value = 120 + ((bar * 53 + frame) % 240);
        context.fillStyle = PALETTE[bar % PALETTE.length];
        context.fillRect(80 + bar * 180, height - 60 - value, 120, value);
      }
    } else {
      const gradient = context.createLinearGradient(0, 0, width, height);
      gradient.addColorStop(0, color);
      gradient.addColorStop(1, '#0f172a');
      context.fillStyle = gradient;
      context.fillRect(0, 0, width, height);
      // A head and shoulders, no lettering: your own camera is shown mirrored, as a mirror would.
      const sway = Math.sin(frame / 15) * 6;
      context.fillStyle = 'rgb(255 255 255 / 0.85)';
      context.beginPath();
      context.arc(width / 2 + sway, height / 2 - 40, 80, 0, Math.PI * 2);
      context.fill();
      context.beginPath();
      context.ellipse(width / 2 + sway, height + 40, 170, 150, 0, Math.PI, Math.PI * 2);
      context.fill();
    }
    requestAnimationFrame(draw);
  };
  draw();
  return canvas.captureStream(15);
}

let silence: AudioContext | undefined;

/** The local camera stream as LocalMedia has it: the picture (if any) and a microphone track (silent here). */
function withMicrophone(camera: MediaStream | undefined): MediaStream {
  silence ??= new AudioContext();
  const stream = new MediaStream(camera?.getVideoTracks() ?? []);
  stream.addTrack(silence.createMediaStreamDestination().stream.getAudioTracks()[0]);
  return stream;
}

const NAMES = ['Anna Petrova', 'Boris Ivanov', 'Maria Chen', 'Dmitry Sokolov', 'Elena Novak', 'Farid Aliyev'];

export interface PersonOptions {
  name?: string;
  role?: Participant['role'];
  inviteStatus?: Participant['inviteStatus'];
  presence?: Participant['presence'];
  isLocal?: boolean;
  mic?: boolean;
  cam?: boolean;
  speaking?: boolean;
  screen?: boolean;
  /** When they raised their hand (ms since the epoch). */
  handRaisedAt?: number;
  /** Give them a camera stream (default: when in the call with the camera on). */
  stream?: boolean;
}

/** One person; `index` picks a name and color. */
export function person(index: number, options: PersonOptions = {}): Participant {
  const name = options.name ?? NAMES[index % NAMES.length];
  const presence = options.presence ?? 'connected';
  const cam = options.cam ?? presence === 'connected';
  const withStream = options.stream ?? (presence === 'connected' && cam);
  return {
    id: `user-${index}`,
    rowId: `row-${index}`,
    userId: `user-${index}`,
    name,
    email: `${name.split(' ')[0].toLowerCase()}@example.com`,
    avatarUrl: null,
    role: options.role ?? (index === 0 ? 'host' : 'guest'),
    inviteStatus: options.inviteStatus ?? 'accepted',
    presence,
    isLocal: options.isLocal ?? index === 0,
    mic: options.mic ?? presence === 'connected',
    cam,
    screen: Boolean(options.screen),
    speaking: Boolean(options.speaking),
    hand: options.handRaisedAt !== undefined,
    ...(options.handRaisedAt !== undefined ? { handRaisedAt: options.handRaisedAt } : {}),
    connection: presence === 'connected' && index !== 0 ? 'connected' : undefined,
    camera: withStream ? canvasStream(name, index) : undefined,
    screenStream: options.screen ? canvasStream(name, index, 'screen') : undefined,
  };
}

/** `count` people in a call; the first is you, the second speaks. */
export function people(count: number, overrides: Record<number, PersonOptions> = {}): Participant[] {
  return Array.from({ length: count }, (_, i) => person(i, { speaking: i === 1, ...overrides[i] }));
}

export interface SessionFixture {
  state?: CallState;
  participants?: Participant[];
  media?: Partial<LocalMediaState>;
  error?: CallError;
  /** How many cameras the device list shows: two (a phone's front and back) bring the flip button. */
  cameras?: number;
}

/** A CallSessionView frozen in one state. Buttons work on the fixture (mute toggles the icon). */
export class FixtureSession extends TypedEventTarget<CallSessionEvents> implements CallSessionView {
  readonly id = 'fixture-session';
  readonly userId = 'user-0';
  state: CallState;
  error: CallError | undefined;
  participants: Participant[];
  readonly media: CallSessionView['media'];

  constructor(fixture: SessionFixture = {}) {
    super();
    this.state = fixture.state ?? 'connected';
    this.error = fixture.error;
    this.participants = fixture.participants ?? [];
    const local = this.participants.find((p) => p.isLocal);
    const state: LocalMediaState = { status: 'ready', mic: local?.mic ?? true, cam: local?.cam ?? true, screen: local?.screen ?? false, speaking: false, ...fixture.media };
    const blocked = state.status === 'denied' || state.status === 'unavailable';
    this.media = {
      state,
      camera: blocked ? null : withMicrophone(local?.camera),
      canShareScreen: true,
      devices: async () =>
        Array.from({ length: fixture.cameras ?? 0 }, (_, i) => ({ kind: 'videoinput', deviceId: `camera-${i}`, groupId: '', label: i ? 'Back camera' : 'Front camera', toJSON: () => ({}) }) as MediaDeviceInfo),
      switchDevice: async () => undefined,
      flipCamera: async () => {
        this.media.state.facing = this.media.state.facing === 'environment' ? 'user' : 'environment';
        this.emit('local-media', this.media.state);
      },
    } as CallSessionView['media'];
  }

  async join(): Promise<void> {}
  async leave(): Promise<void> {
    this.#set('left');
  }
  setMic(on: boolean): void {
    this.media.state.mic = on;
    this.#local((p) => (p.mic = on));
  }
  async setCamera(on: boolean): Promise<void> {
    this.media.state.cam = on;
    this.#local((p) => (p.cam = on));
  }
  async toggleScreenShare(): Promise<void> {
    this.media.state.screen = !this.media.state.screen;
    this.emit('local-media', this.media.state);
  }
  raiseHand(): void {
    this.#local((p) => Object.assign(p, { hand: true, handRaisedAt: p.handRaisedAt ?? Date.now() }));
  }
  lowerHand(): void {
    this.#local((p) => Object.assign(p, { hand: false, handRaisedAt: undefined }));
  }
  /** Shows the reaction on your own tile, as a session does (nothing is sent anywhere). */
  async react(emoji: string): Promise<void> {
    this.emit('reaction', { from: this.userId, emoji: emoji as Reaction, own: true });
  }

  #local(change: (p: Participant) => void): void {
    const local = this.participants.find((p) => p.isLocal);
    if (local) change(local);
    this.emit('local-media', this.media.state);
    this.emit('participants', this.participants);
  }

  #set(state: CallState): void {
    const previous = this.state;
    this.state = state;
    this.emit('state', { state, previous });
  }
}

/** A RosterView with a fixed list; `pending` never finishes loading. */
export class FixtureRoster extends TypedEventTarget<{ participants: Participant[]; status: { status: RosterStatus; error?: string }; stopped: null }> implements RosterView {
  status: RosterStatus = 'loading';
  error: string | undefined;
  constructor(
    readonly sessionId: string,
    readonly participants: Participant[],
    private readonly pending = false,
    private readonly failure?: string,
  ) {
    super();
  }
  async start(): Promise<void> {
    if (this.pending) return;
    if (this.failure) {
      this.status = 'error';
      this.error = this.failure;
      this.emit('status', { status: 'error', error: this.failure });
      return;
    }
    this.status = 'ready';
    this.emit('status', { status: 'ready' });
    this.emit('participants', this.participants);
  }
  async stop(): Promise<void> {}
  async reload(): Promise<void> {}
}

export interface ClientFixture {
  /** Nobody signed in. */
  signedOut?: boolean;
  /** The event's call, if it has one. */
  session?: Partial<CallSessionRecord> | null;
  /** Its people. */
  participants?: Participant[];
  /** Looking up the call never finishes (the loading state). */
  pending?: boolean;
  /** Looking up the call fails with this message. */
  failure?: string;
  /** Opening the call is refused: the user is not invited. */
  notInvited?: boolean;
  /** Loading the people fails with this message. */
  rosterFailure?: string;
  /** An invitation never gets an answer (the busy state); without it, invitations are refused. */
  invitePending?: boolean;
  /** Invitations succeed, and sending them reports this for each channel. */
  notified?: { push: NotificationOutcome; email: NotificationOutcome };
  /** Answering the invitation: stored (default), never finishes (`pending`), or refused with this error. */
  answer?: 'pending' | CallError;
}

/** A CallClientView answering from fixture data. */
export class FixtureClient extends TypedEventTarget<{ user: { id: string; email: string; name: string; avatarUrl: null } | null; session: never }> implements CallClientView {
  constructor(private readonly fixture: ClientFixture = {}) {
    super();
  }

  async currentUser() {
    if (this.fixture.pending) await new Promise(() => undefined);
    return this.fixture.signedOut ? null : { id: 'user-0', email: 'anna@example.com', name: 'Anna Petrova', avatarUrl: null };
  }

  async findSessionByEvent(): Promise<CallSessionRecord | null> {
    if (this.fixture.failure) throw new CallError('failed', this.fixture.failure);
    return this.fixture.session ? this.#record(this.fixture.session) : null;
  }

  async openEventCall(): Promise<CallSessionRecord> {
    if (this.fixture.notInvited) throw new CallError('not_participant', 'the call of this event exists and you are not invited to it');
    return this.#record(this.fixture.session ?? {});
  }

  async getSession(): Promise<CallSessionRecord | null> {
    return this.fixture.session ? this.#record(this.fixture.session) : null;
  }

  async invite(sessionId: string, invitee: string): Promise<ParticipantRecord> {
    if (this.fixture.invitePending) await new Promise(() => undefined);
    if (!this.fixture.notified) throw new CallError('failed', 'this is a Storybook fixture');
    const byEmail = invitee.includes('@');
    return { id: `row-${sessionId}-${invitee}`, user_id: byEmail ? null : invitee, email: byEmail ? invitee : null, display_name: null, avatar_url: null, role: 'guest', invite_status: 'invited', presence_status: 'offline', mic_on: false, cam_on: false };
  }

  async notifyInvitations(sessionId: string, participants: ParticipantRecord[]): Promise<InvitationNotice> {
    const notified = this.fixture.notified ?? { push: { status: 'skipped' }, email: { status: 'skipped' } };
    return { sessionId, participants, ...notified };
  }

  /** Stores the answer on the signed-in person of the fixture's list. */
  async answerInvitation(_sessionId: string, status: InvitationAnswer): Promise<ParticipantRecord> {
    if (this.fixture.answer === 'pending') await new Promise(() => undefined);
    if (this.fixture.answer instanceof CallError) throw this.fixture.answer;
    const me = this.fixture.participants?.find((p) => p.isLocal);
    if (!me) throw new CallError('not_participant', 'you are not invited to this call');
    me.inviteStatus = status;
    return { id: me.rowId ?? me.id, user_id: me.userId, email: me.email, display_name: me.name, avatar_url: null, role: me.role, invite_status: status, presence_status: me.presence, mic_on: me.mic, cam_on: me.cam };
  }

  async uninvite(): Promise<void> {}

  async roster(sessionId: string): Promise<RosterView> {
    return new FixtureRoster(sessionId, this.fixture.participants ?? [], this.fixture.pending, this.fixture.rosterFailure);
  }

  async session(): Promise<CallSessionView> {
    return new FixtureSession({ participants: people(2) });
  }

  #record(partial: Partial<CallSessionRecord>): CallSessionRecord {
    const now = new Date().toISOString();
    return {
      id: 'fixture-session',
      title: 'Acme — product demo',
      host_id: 'user-0',
      event_id: 'evt-1',
      crm_entity_type: 'deal',
      crm_entity_id: 'D-1042',
      status: 'scheduled',
      scheduled_at: null,
      started_at: null,
      ended_at: null,
      last_activity_at: now,
      created_at: now,
      settings: {},
      ...partial,
    };
  }
}

/** Connection qualities as the core's sampler gives them (Participant.quality), one per level. */
export const QUALITY: Record<'good' | 'fair' | 'poor', NonNullable<Participant['quality']>> = {
  good: { level: 'good', rttMs: 24, lossPct: 0, fps: 30, bitrateKbps: 1450, codec: 'VP8', width: 1280, height: 720, path: 'direct' },
  fair: { level: 'fair', rttMs: 380, lossPct: 3.2, fps: 18, bitrateKbps: 420, codec: 'VP8', width: 640, height: 360, path: 'relay' },
  poor: { level: 'poor', rttMs: 720, lossPct: 11.5, fps: 4, bitrateKbps: 90, codec: 'H264', width: 320, height: 180, path: 'relay', limitation: 'bandwidth' },
};
