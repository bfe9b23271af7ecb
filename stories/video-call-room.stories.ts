import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import type { CallChatEvents, CallChatView, ChatMessage } from '../src/core/chat.ts';
import { CallError } from '../src/core/errors.ts';
import type { CallFallbackDetail, LinkRung } from '../src/core/fallback.ts';
import type { Participant } from '../src/core/participant.ts';
import type { SessionFixture } from './fixtures.ts';
import { TypedEventTarget } from '../src/core/typed-events.ts';
import { FixtureClient, FixtureSession, people, QUALITY } from './fixtures.ts';

interface Args {
  lang: 'en' | 'ru';
  width: string;
  fixture: () => SessionFixture;
}

const meta: Meta<Args> = {
  title: 'Elements/video-call-room',
  component: 'video-call-room',
  args: { lang: 'en', width: '100%' },
  argTypes: { lang: { control: 'inline-radio', options: ['en', 'ru'] }, width: { control: 'text' }, fixture: { table: { disable: true } } },
  render: ({ lang, width, fixture }) =>
    html`<div style="width:${width};max-width:100%"><video-call-room lang=${lang} style="height:560px" .session=${new FixtureSession(fixture())}></video-call-room></div>`,
};
export default meta;
type Story = StoryObj<Args>;

export const Idle: Story = { args: { fixture: () => ({ state: 'idle' }) } };
export const Joining: Story = { args: { fixture: () => ({ state: 'joining' }) } };
export const WaitingForOthers: Story = { name: 'Connected, alone (1 tile)', args: { fixture: () => ({ participants: people(1) }) } };
export const TwoPeople: Story = { name: 'Connected, 2 tiles', args: { fixture: () => ({ participants: people(2) }) } };
export const FourPeople: Story = { name: 'Connected, 4 tiles', args: { fixture: () => ({ participants: people(4, { 3: { cam: false } }) }) } };
export const SixPeople: Story = { name: 'Connected, 6 tiles', args: { fixture: () => ({ participants: people(6, { 2: { mic: false }, 4: { cam: false } }) }) } };
export const Muted: Story = {
  name: 'Muted (you and someone else)',
  args: { fixture: () => ({ participants: people(3, { 0: { mic: false }, 2: { mic: false } }), media: { mic: false } }) },
};
export const ScreenShare: Story = { args: { fixture: () => ({ participants: people(3, { 1: { screen: true } }) }) } };
export const Reconnecting: Story = { args: { fixture: () => ({ state: 'reconnecting', participants: people(2) }) } };
export const Failed: Story = {
  args: { fixture: () => ({ state: 'failed', error: new CallError('not_participant', 'you are not invited to this call') }) },
};
export const PermissionDenied: Story = {
  args: { fixture: () => ({ participants: people(2, { 0: { mic: false, cam: false, stream: false } }), media: { status: 'denied', mic: false, cam: false } }) },
};
export const AudioOnly: Story = {
  args: { fixture: () => ({ participants: people(2, { 0: { cam: false, stream: false } }), media: { status: 'audio-only', cam: false } }) },
};
export const Russian: Story = { args: { lang: 'ru', fixture: () => ({ participants: people(4, { 2: { mic: false } }) }) } };
export const RussianReconnecting: Story = { args: { lang: 'ru', fixture: () => ({ state: 'reconnecting', participants: people(2) }) } };
export const Narrow: Story = { name: 'Narrow (360 px)', args: { width: '360px', fixture: () => ({ participants: people(4) }) } };
export const Dark: Story = { name: 'Dark page, 2 tiles', args: { fixture: () => ({ participants: people(2) }) }, globals: { scheme: 'dark' } };

// ---- fallback ladder (issue 15) -----------------------------------------------------------------

/** A fixture session that has stepped down the fallback ladder; its failed links can be retried. */
class FallbackFixtureSession extends FixtureSession {
  fallback: CallFallbackDetail | undefined;
  #failed: Set<string>;

  constructor(fixture: SessionFixture, fallback: CallFallbackDetail | undefined, failed: string[] = []) {
    super(fixture);
    this.fallback = fallback;
    this.#failed = new Set(failed);
  }

  linkRung(userId: string): LinkRung {
    return this.#failed.has(userId) ? 'failed' : this.fallback?.step === 'relay' ? 'relay' : 'direct';
  }

  retryPeer(userId: string): void {
    this.#failed.delete(userId);
    if (this.fallback?.peerId === userId) this.fallback = undefined;
    this.emit('participants', this.participants);
  }
}

/** A story of the room on a session that fell back: `fallback(participants)` says how. */
const fallbackStory = (
  fixture: () => SessionFixture,
  fallback: (participants: Participant[]) => CallFallbackDetail,
  failedPeers: (participants: Participant[]) => string[] = () => [],
  lang: 'en' | 'ru' = 'en',
): Story => ({
  args: { lang, fixture },
  render: ({ lang, width, fixture }) => {
    const state = fixture();
    const participants = state.participants ?? [];
    const session = new FallbackFixtureSession(state, fallback(participants), failedPeers(participants));
    return html`<div style="width:${width};max-width:100%"><video-call-room lang=${lang} style="height:560px" .session=${session}></video-call-room></div>`;
  },
});

const second = (participants: Participant[]) => participants[1]?.id;

export const FallbackRelay = {
  ...fallbackStory(() => ({ participants: people(2) }), (p) => ({ reason: 'ice-failed', step: 'relay', peerId: second(p) })),
  name: 'Fallback: through the relay',
};
export const FallbackExternal = {
  ...fallbackStory(
    () => ({ participants: people(3) }),
    (p) => ({ reason: 'relay-failed', step: 'external', url: 'https://meet.example.com/weekly', peerId: second(p) }),
    (p) => [second(p)!],
  ),
  name: 'Fallback: relay failed, external meeting',
};
export const FallbackNone = {
  ...fallbackStory(
    () => ({ participants: people(2) }),
    (p) => ({ reason: 'ice-failed', step: 'none', peerId: second(p) }),
    (p) => [second(p)!],
    'ru',
  ),
  name: 'Fallback: could not connect (ru)',
};
export const FallbackUnsupported = {
  ...fallbackStory(
    () => ({ state: 'failed', error: new CallError('webrtc_unsupported', 'this browser cannot make WebRTC calls (no RTCPeerConnection)') }),
    () => ({ reason: 'webrtc-unsupported', step: 'external', url: 'https://meet.example.com/weekly' }),
  ),
  name: 'Fallback: no WebRTC in this browser',
};
export const FallbackSignaling = {
  ...fallbackStory(() => ({ state: 'reconnecting', participants: people(2) }), () => ({ reason: 'signaling-unreachable', step: 'none' }), undefined, 'ru'),
  name: 'Fallback: call server unreachable (ru)',
};
export const FallbackSfuMesh = {
  ...fallbackStory(() => ({ participants: people(4) }), () => ({ reason: 'sfu-unreachable', step: 'mesh' })),
  name: 'Fallback: conference server unreachable, going on as a mesh',
};
export const FallbackSfuTooLarge = {
  ...fallbackStory(() => ({ participants: people(8) }), () => ({ reason: 'sfu-unreachable', step: 'none' }), undefined, 'ru'),
  name: 'Fallback: conference server unreachable, call too large (ru)',
};
export const FallbackMediaDenied = {
  ...fallbackStory(
    () => ({ participants: people(2, { 0: { mic: false, cam: false, stream: false } }), media: { status: 'denied', mic: false, cam: false } }),
    () => ({ reason: 'media-denied', step: 'none' }),
  ),
  name: 'Fallback: camera and microphone blocked (watch and listen)',
};

// ---- screen share refused (issue 15) ------------------------------------------------------------

/** A fixture session whose browser refuses the screen share as getDisplayMedia does (`name`). */
class RefusedShareFixtureSession extends FixtureSession {
  constructor(
    fixture: SessionFixture,
    private readonly refusal: 'NotAllowedError' | 'NotFoundError',
  ) {
    super(fixture);
  }

  override async toggleScreenShare(): Promise<void> {
    throw new DOMException(this.refusal === 'NotAllowedError' ? 'Permission denied' : 'The object can not be found here.', this.refusal);
  }
}

/** A story of the room right after the person pressed "Share screen" and the browser refused. */
const refusedShareStory = (refusal: 'NotAllowedError' | 'NotFoundError', lang: 'en' | 'ru'): Story => ({
  args: { lang, fixture: () => ({ participants: people(2) }) },
  render: ({ lang, width, fixture }) =>
    html`<div style="width:${width};max-width:100%"><video-call-room lang=${lang} style="height:560px" .session=${new RefusedShareFixtureSession(fixture(), refusal)}></video-call-room></div>`,
  // The message goes by itself after a few seconds (SHARE_NOTICE_MS): press again to see it again.
  play: async ({ canvasElement }) => {
    const room = canvasElement.querySelector('video-call-room')!;
    await room.updateComplete;
    room.shadowRoot!.querySelector<HTMLButtonElement>('[part~="control"].share')!.click();
  },
});

export const ShareCancelled = { ...refusedShareStory('NotAllowedError', 'en'), name: 'Screen share cancelled' };
export const ShareUnavailableRussian = { ...refusedShareStory('NotFoundError', 'ru'), name: 'Screen share unavailable (ru)' };

// ---- chat, raised hands and reactions (issue 16) ------------------------------------------------

/** The session's chat as the room holds it: a few messages, `unread` of them not read yet. */
class RoomFixtureChat extends TypedEventTarget<CallChatEvents> implements CallChatView {
  readonly sessionId = 'fixture-session';
  readonly userId = 'user-0';
  readonly status = 'ready' as const;
  readonly error = undefined;
  readonly hasOlder = false;
  readonly messages: ChatMessage[];

  constructor(
    bodies: [string, string][],
    public unread: number,
  ) {
    super();
    const start = Date.UTC(2026, 11, 2, 10, 0);
    this.messages = bodies.map(([name, body], i) => ({
      id: `message-${i}`,
      sessionId: this.sessionId,
      userId: name === 'me' ? this.userId : `user-${i + 1}`,
      displayName: name === 'me' ? 'Anna Petrova' : name,
      body,
      createdAt: new Date(start + i * 60_000).toISOString(),
      own: name === 'me',
      seq: i + 1,
      state: 'sent',
    }));
  }
  async start(): Promise<void> {}
  async reload(): Promise<void> {}
  async loadOlder(): Promise<void> {}
  send(): Promise<ChatMessage> {
    return new Promise(() => undefined);
  }
  async retry(id: string): Promise<ChatMessage> {
    return this.messages.find((m) => m.id === id)!;
  }
  discard(): void {}
  markRead(): void {
    this.unread = 0;
    this.emit('unread', 0);
  }
  release(): void {}
}

/** A client whose only backend is the room's chat. */
class ChatFixtureClient extends FixtureClient {
  constructor(private readonly roomChat: RoomFixtureChat) {
    super();
  }
  async chat(): Promise<CallChatView> {
    return this.roomChat;
  }
}

const CONVERSATION_EN: [string, string][] = [
  ['Boris Ivanov', 'Can everyone see my screen?'],
  ['me', 'Yes, all good.'],
  ['Vera Smirnova', 'The numbers are in the deal: https://crm.example.com/deals/42'],
];
const CONVERSATION_RU: [string, string][] = [
  ['Борис Иванов', 'Всем видно мой экран?'],
  ['me', 'Да, всё видно.'],
  ['Вера Смирнова', 'Цифры в сделке: https://crm.example.com/deals/42'],
];

interface ChatArgs extends Args {
  conversation: [string, string][];
  unread: number;
  /** Open the chat panel once shown. */
  open: boolean;
}

const chatRender = ({ lang, width, fixture, conversation, unread }: ChatArgs) => html`<div style="width:${width};max-width:100%">
  <video-call-room lang=${lang} style="height:560px" .client=${new ChatFixtureClient(new RoomFixtureChat(conversation, unread))} .session=${new FixtureSession(fixture())}></video-call-room>
</div>`;

/** Clicks the room's button found by `part` once it is there. */
async function press(canvasElement: HTMLElement, part: string): Promise<void> {
  const room = canvasElement.querySelector('video-call-room')!;
  for (let i = 0; i < 50; i++) {
    const button = room.shadowRoot?.querySelector<HTMLButtonElement>(`[part~="${part}"]`);
    if (button) return button.click();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const chatStory = (args: Partial<ChatArgs>): StoryObj<ChatArgs> => ({
  render: chatRender,
  args: { conversation: CONVERSATION_EN, unread: 0, open: false, fixture: () => ({ participants: people(3) }), ...args },
  play: async ({ canvasElement, args }) => {
    if (args.open) await press(canvasElement, 'chat-toggle');
  },
});

export const ChatUnread = chatStory({ unread: 3 });
ChatUnread.name = 'Chat, 3 unread (closed)';
export const ChatOpen = chatStory({ open: true, width: '1100px' });
ChatOpen.name = 'Chat open beside the tiles';
export const ChatPhone = chatStory({ open: true, width: '360px' });
ChatPhone.name = 'Chat as a bottom sheet (360 px)';
export const ChatRussian = chatStory({ lang: 'ru', open: true, width: '1100px', conversation: CONVERSATION_RU });
ChatRussian.name = 'Chat open, Russian';
export const HandsRaised = chatStory({
  fixture: () => ({ participants: people(4, { 0: { handRaisedAt: 2000 }, 2: { handRaisedAt: 1000 } }) }),
});
HandsRaised.name = 'Hands raised (you and Maria)';
export const HandsRaisedRussian = chatStory({
  lang: 'ru',
  fixture: () => ({ participants: people(4, { 2: { handRaisedAt: 1000 } }) }),
});
HandsRaisedRussian.name = 'Hand raised, Russian';

/** A session whose people react as soon as it is shown, and again every two seconds. */
class ReactingFixtureSession extends FixtureSession {
  constructor(fixture: SessionFixture) {
    super(fixture);
    const react = () => {
      this.emit('reaction', { from: 'user-1', emoji: '🎉', own: false });
      this.emit('reaction', { from: 'user-0', emoji: '👍', own: true });
    };
    setTimeout(react, 100);
    setInterval(react, 2000);
  }
}
export const Reactions: StoryObj<ChatArgs> = {
  name: 'Reactions (menu open, two floating)',
  args: { conversation: CONVERSATION_EN, unread: 0, open: false, fixture: () => ({ participants: people(3) }) },
  render: ({ lang, width, fixture }) =>
    html`<div style="width:${width};max-width:100%"><video-call-room lang=${lang} style="height:560px" .session=${new ReactingFixtureSession(fixture())}></video-call-room></div>`,
  play: async ({ canvasElement }) => press(canvasElement, 'react'),
};

// ---- connection quality (issue 16, item 5) -------------------------------------------------------

/** Four people: Boris's link good, Vera's fair (relayed), Dmitry's poor; your own as `own`. */
const sampled = (own: keyof typeof QUALITY = 'good') =>
  people(4).map((participant, i) => ({ ...participant, quality: QUALITY[i === 0 ? own : (['good', 'good', 'fair', 'poor'] as const)[i]!] }));

export const QualityBadges: Story = { name: 'Connection quality badges', args: { fixture: () => ({ participants: sampled() }) } };
export const QualityBadgesRussian: Story = { name: 'Connection quality badges (ru)', args: { lang: 'ru', fixture: () => ({ participants: sampled() }) } };
/** Your own connection is poor: the banner shows once that has held 3 s. */
export const QualityPoor: Story = { name: 'Your connection is poor', args: { fixture: () => ({ participants: sampled('poor') }) } };

// ---- the pre-join screen (issue 16) -------------------------------------------------------------

type PrejoinMode = 'preview' | 'one-camera' | 'denied' | 'no-devices';

/** A device as enumerateDevices lists it (labels are the system's, in its own words). */
const device = (kind: MediaDeviceKind, deviceId: string, label: string): MediaDeviceInfo =>
  ({ kind, deviceId, label, groupId: deviceId, toJSON: () => ({ kind, deviceId, label }) }) as MediaDeviceInfo;

const DEVICES: Record<PrejoinMode, MediaDeviceInfo[]> = {
  preview: [
    device('videoinput', 'cam-front', 'Integrated Webcam'),
    device('videoinput', 'cam-usb', 'Logitech C920'),
    device('audioinput', 'mic-built-in', 'Built-in Microphone'),
    device('audioinput', 'mic-headset', 'Jabra Evolve2 40'),
    device('audiooutput', 'out-speakers', 'Built-in Speakers'),
    device('audiooutput', 'out-headset', 'Jabra Evolve2 40'),
  ],
  'one-camera': [device('videoinput', 'cam-front', 'Integrated Webcam'), device('audioinput', 'mic-built-in', 'Built-in Microphone')],
  denied: [device('videoinput', '', ''), device('audioinput', '', '')],
  'no-devices': [],
};

/** A stand-in camera (a painted room with a person-shaped silhouette) and a humming microphone. */
function fakeCameraStream(): MediaStream {
  const canvas = Object.assign(document.createElement('canvas'), { width: 640, height: 480 });
  const paint = canvas.getContext('2d')!;
  const draw = (t: number) => {
    const light = paint.createLinearGradient(0, 0, 640, 480);
    light.addColorStop(0, '#475569');
    light.addColorStop(1, '#1e293b');
    paint.fillStyle = light;
    paint.fillRect(0, 0, 640, 480);
    paint.fillStyle = '#94a3b8';
    paint.fillRect(470, 60, 120, 160);
    paint.fillStyle = '#e2b48f';
    paint.beginPath();
    paint.arc(320, 200 + Math.sin(t / 600) * 3, 80, 0, Math.PI * 2);
    paint.fill();
    paint.fillStyle = '#2563eb';
    paint.beginPath();
    paint.ellipse(320, 480, 190, 170, 0, Math.PI, 0);
    paint.fill();
  };
  draw(0);
  const stream = canvas.captureStream(15);
  const timer = setInterval(() => draw(performance.now()), 66);
  stream.getVideoTracks()[0]!.addEventListener('ended', () => clearInterval(timer));
  try {
    const audio = new AudioContext();
    const hum = audio.createOscillator();
    const gain = audio.createGain();
    gain.gain.value = 0.05;
    const out = audio.createMediaStreamDestination();
    hum.connect(gain).connect(out);
    hum.start();
    stream.addTrack(out.stream.getAudioTracks()[0]!);
  } catch {
    // No Web Audio: a preview without a microphone.
  }
  return stream;
}

/**
 * The browser's answers for one story: getUserMedia and enumerateDevices replaced on the page's
 * own `navigator.mediaDevices`, and put back when the story goes (Storybook's `beforeEach`).
 */
function browserAnswers(mode: PrejoinMode): () => () => void {
  return () => {
    const media = navigator.mediaDevices as MediaDevices & Record<string, unknown>;
    localStorage.removeItem('supabase-call-widgets:prejoin');
    media.getUserMedia = async (constraints?: MediaStreamConstraints) => {
      if (mode === 'denied') throw new DOMException('Permission denied', 'NotAllowedError');
      if (mode === 'no-devices') throw new DOMException('Requested device not found', 'NotFoundError');
      const stream = fakeCameraStream();
      for (const track of stream.getTracks()) if (!constraints?.[track.kind as 'audio' | 'video']) (stream.removeTrack(track), track.stop());
      return stream;
    };
    media.enumerateDevices = async () => DEVICES[mode];
    return () => {
      Reflect.deleteProperty(media, 'getUserMedia');
      Reflect.deleteProperty(media, 'enumerateDevices');
    };
  };
}

function prejoinStory(mode: PrejoinMode, name: string, lang: 'en' | 'ru' = 'en'): Story {
  return {
    name,
    args: { lang, fixture: () => ({ state: 'idle' }) },
    beforeEach: browserAnswers(mode),
    render: ({ lang, width, fixture }) =>
      html`<div style="width:${width};max-width:100%"><video-call-room lang=${lang} style="min-height:560px" session-id="story-session" .client=${new FixtureClient()} .session=${new FixtureSession(fixture())}></video-call-room></div>`,
  };
}

export const PrejoinPreview = prejoinStory('preview', 'Pre-join: camera preview, pickers, microphone level');
export const PrejoinOneCamera = prejoinStory('one-camera', 'Pre-join: one camera (named, no picker)');
export const PrejoinDenied = prejoinStory('denied', 'Pre-join: camera and microphone blocked');
export const PrejoinNoDevices = prejoinStory('no-devices', 'Pre-join: no camera or microphone (ru)', 'ru');
