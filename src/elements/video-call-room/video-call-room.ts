import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { CallClientView } from '../../core/call-client.ts';
import type { CallSessionView, Participant } from '../../core/call-session.ts';
import { CallError, toCallError } from '../../core/errors.ts';
import type { CallFallbackDetail } from '../../core/fallback.ts';
import { holdSession, isSessionLive, releaseSession } from '../../core/session-holds.ts';
import type { TransportName } from '../../core/signaling.ts';
import { ChatPanelController } from '../../controllers/chat-panel-controller.ts';
import { ClientController } from '../../controllers/client-controller.ts';
import { HandsReactionsController } from '../../controllers/hands-reactions-controller.ts';
import { LayoutController } from '../../controllers/layout-controller.ts';
import { LocalizeController } from '../../controllers/localize-controller.ts';
import { MediaControlsController } from '../../controllers/media-controls-controller.ts';
import { QualityController } from '../../controllers/quality-controller.ts';
import { PrejoinController } from '../../controllers/prejoin-controller.ts';
import { RoomModerationController, type RoomModerationEventMap } from '../../controllers/room-moderation-controller.ts';
import { SoundController } from '../../controllers/sound-controller.ts';
import { SessionController } from '../../controllers/session-controller.ts';
import type { StringKey } from '../../i18n/index.ts';
import { initials } from '../shared/avatar.ts';
import { visuallyHidden } from '../shared/shared.styles.ts';
import { fire, type CallErrorDetail } from '../shared/events.ts';
import { leaveIcon, micOffIcon } from '../shared/icons.ts';
import { fallbackText, renderFallbackNotice } from './fallback-notice.ts';
import { layoutStyles } from './layout.styles.ts';
import { roomChatStyles } from './room-chat.styles.ts';
import { moderationStyles } from './moderation.styles.ts';
import { qualityStyles } from './quality.styles.ts';
import { renderPrejoin } from './prejoin.ts';
import { prejoinStyles } from './prejoin.styles.ts';
import { styles } from './video-call-room.styles.ts';

export interface CallJoinedDetail {
  sessionId: string;
  userId: string;
}
export interface CallLeftDetail {
  sessionId: string;
}
export interface CallParticipantDetail {
  sessionId: string;
  participant: Participant;
}
export type { CallErrorDetail };
export type { CallFallbackDetail };

/**
 * A video call room: a responsive grid of participant tiles with the call's controls. Dark in
 * both colour schemes (video reads best on dark); its colours are its own `--call-*` properties.
 *
 * @summary Joins a call session and shows everyone in it, with mic, camera, screen share,
 * device choice and leave controls.
 *
 * @tagname video-call-room
 *
 * @fires call-joined - The local user is in the call. `detail: { sessionId, userId }`
 * @fires call-left - The local user left the call. `detail: { sessionId }`
 * @fires call-participant-joined - Someone else joined. `detail: { sessionId, participant }`
 * @fires call-participant-left - Someone else left. `detail: { sessionId, participant }`
 * @fires call-error - Joining failed or the call broke. `detail: { code, message, sessionId }`
 * @fires call-fallback - The call (or the link to one participant) stepped down the fallback
 * ladder: to the TURN relay, to the session's external meeting, or nowhere.
 * `detail: { reason, step: 'relay' | 'external' | 'mesh' | 'none', url?, peerId? }`
 * @fires call-waiting - The call has a lobby and the host has not let us in yet (the room shows
 * the waiting screen; it joins by itself once admitted). `detail: { sessionId }`
 * @fires call-removed - The host removed us from the call, for good. `detail: { sessionId }`
 * @fires call-ended - The host ended the call for everyone. `detail: { sessionId }`
 * @fires call-moderation - The host's page asked something of ours: `mute` (the microphone is
 * off already), `mute-request`, `remove`, `end`. `detail: { sessionId, action }`
 *
 * @csspart status - The top line: call state and number of people.
 * @csspart banner - A notice (reconnecting, media blocked, errors).
 * @csspart fallback - The fallback notice: what happened to the connection and what to do.
 * @csspart fallback-link - The link to the session's external meeting (`settings.fallback_url`).
 * @csspart grid - The grid of tiles.
 * @csspart tile - One participant's tile.
 * @csspart video - A tile's video.
 * @csspart avatar - The avatar or initials shown when the camera is off.
 * @csspart name - A tile's name label.
 * @csspart controls - The control bar.
 * @csspart control - One control button.
 * @csspart leave - The leave button.
 * @csspart flip - The camera flip (front/back) button, shown where there are two cameras.
 * @csspart sound-prompt - "Tap to turn on sound", when the browser refused to play with sound.
 * @csspart hand-raised - The raised hand on a tile.
 * @csspart hand-toggle - The "Raise hand" / "Lower hand" button.
 * @csspart reaction - A reaction floating over its sender's tile for about 3 seconds.
 * @csspart react - The reactions button.
 * @csspart reactions-menu - The menu of reactions.
 * @csspart reaction-option - One reaction in the menu.
 * @csspart chat-toggle - The Chat button (its name has the unread count).
 * @csspart chat-badge - The number of unread messages on the Chat button.
 * @csspart chat-panel - The chat beside the tiles (a bottom sheet on phones).
 * @csspart chat-close - The button that closes the chat.
 * @csspart chat - The `<call-chat>` in the panel.
 * @csspart lobby - The waiting screen of a call with a lobby.
 * @csspart gone - The screen after the host removed us or ended the call: what happened and what it means now.
 * @csspart prejoin - The pre-join screen (before Join; not with `autojoin`).
 * @csspart prejoin-preview - Its camera preview (initials while the camera is off).
 * @csspart prejoin-name - Its name field: the name the others see.
 * @csspart prejoin-toggle - Its microphone and camera on/off buttons.
 * @csspart prejoin-meter - Its microphone level.
 * @csspart prejoin-picker - A camera, microphone or speaker picker (shown where there is a choice).
 * @csspart prejoin-problem - What to do when the browser refused or found no devices.
 * @csspart prejoin-retry - Its Try again button.
 * @csspart prejoin-join - The Join button.
 * @csspart unmute-prompt - "The host asks you to unmute", with Unmute and Not now.
 * @csspart end-for-all - The host's "End for everyone" button, on the status line (the toolbar has no room for it on a phone).
 * @csspart end-confirm - Its confirmation, above the tiles.
 * @csspart layout-toggle - The "Speaker view" toggle in the toolbar (`aria-pressed`; remembered per browser).
 * @csspart speaker - The speaker view's large place, holding the active speaker's or the pinned tile.
 * @csspart strip - The speaker view's strip of the other tiles (also `grid`), scrolling sideways.
 * @csspart pin - A tile's Pin / Unpin button (`aria-pressed`); pinning switches to the speaker view.
 * @csspart pip - The picture-in-picture button, where the browser has it (not Firefox).
 * @csspart quality - A remote tile's connection badge (signal bars: 3 lit good, 2 fair, 1 poor), a button opening the details.
 * @csspart quality-details - The connection's details: codec, resolution, frame rate, bitrate, round trip, loss, route.
 * @csspart quality-notice - "Your connection is poor", while the local user's own connection is.
 *
 * @cssprop --call-accent-color - Buttons and initials. Default `#2563eb`.
 * @cssprop --call-danger-color - Leave and "off" states. Default `#dc2626`.
 * @cssprop --call-background - Room background. Default `#0f172a`.
 * @cssprop --call-foreground - Text color. Default `#f8fafc`.
 * @cssprop --call-tile-background - Tile background. Default `#1e293b`.
 * @cssprop --call-speaking-color - Outline of whoever is speaking. Default `#22c55e`.
 * @cssprop --call-focus-color - Keyboard focus ring. Default `#facc15`.
 * @cssprop --call-control-background - Control buttons. Default `rgb(255 255 255 / 0.12)`.
 * @cssprop --call-control-border-color - The device menu's fields and the spinner's track. Default `rgb(255 255 255 / 0.25)`.
 * @cssprop --call-overlay-background - Name labels and indicators over video. Default `rgb(0 0 0 / 0.55)`.
 * @cssprop --call-warning-color - Warning banners (tinted). Default `#f59e0b`.
 * @cssprop --call-screen-background - Around a shared screen. Default `#000000`.
 * @cssprop --call-shadow-color - The device menu's shadow. Default `rgb(0 0 0 / 0.4)`.
 * @cssprop --call-radius - Corner radius. Default `12px`.
 * @cssprop --call-font-family - Font. Default the system UI font.
 * @cssprop --call-strip-tile-width - Width of a tile in the speaker view's strip. Default `180px` (`132px` on phones).
 * @cssprop --call-quality-good-color - A good connection's bars. Default `#4ade80`.
 * @cssprop --call-quality-fair-color - A fair connection's bars. Default `#fbbf24`.
 * @cssprop --call-quality-poor-color - A poor connection's bars. Default `#f87171`.
 */
export class VideoCallRoom extends LitElement {
  static override get styles() {
    return [visuallyHidden, styles, roomChatStyles, moderationStyles, layoutStyles, qualityStyles, prejoinStyles];
  }

  static override get properties() {
    return {
      sessionId: { type: String, attribute: 'session-id', reflect: true },
      supabaseUrl: { type: String, attribute: 'supabase-url' },
      supabaseAnonKey: { type: String, attribute: 'supabase-anon-key' },
      lang: { type: String },
      autojoin: { type: Boolean },
      transport: { type: String },
      client: { attribute: false },
      session: { attribute: false },
      iceServers: { attribute: false },
      _announcement: { state: true },
      _localError: { state: true },
      _fallback: { state: true },
    };
  }

  /** The `video_call_sessions.id` to join. */
  declare sessionId: string;
  /** Supabase project URL, when the page has not called `CallWidgets.configure()`. */
  declare supabaseUrl: string;
  /** Supabase anon key, with `supabase-url`. */
  declare supabaseAnonKey: string;
  /** `en` or `ru`; without it, the nearest `lang` of an ancestor, else the document's. */
  declare lang: string;
  /** Join as soon as the element is on the page. */
  declare autojoin: boolean;
  /** Signaling transport: `broadcast` (default) or `table`. */
  declare transport: TransportName;
  /** A CallClient to use instead of attributes or the page default. */
  declare client: CallClientView | undefined;
  /** STUN/TURN servers for the peer connections (a TURN relay is the fallback behind strict NATs). */
  declare iceServers: RTCIceServer[] | undefined;
  declare _announcement: string;
  declare _localError: CallError | undefined;
  /** The latest step down the fallback ladder, until it no longer holds. */
  declare _fallback: CallFallbackDetail | undefined;

  readonly #i18n = new LocalizeController(this);
  readonly #sound = new SoundController(this, this.#i18n, (text) => this.#announce(text));
  readonly #clients = new ClientController(this);
  readonly #media = new MediaControlsController(this, this.#i18n, {
    session: () => this.session,
    announce: (text) => this.#announce(text),
    mediaError: (message) => this.#fire('call-error', { code: 'media_unavailable', message, sessionId: this.sessionId }),
  });
  readonly #chatPanel = new ChatPanelController(this, this.#clients, this.#i18n, { session: () => this.session });
  readonly #gestures = new HandsReactionsController(this, this.#i18n, { session: () => this.session, announce: (text) => this.#announce(text) });
  readonly #layout = new LayoutController(this, this.#i18n, { session: () => this.session, announce: (text) => this.#announce(text) });
  readonly #quality = new QualityController(this, this.#i18n, { session: () => this.session, announce: (text) => this.#announce(text) });
  readonly #moderation = new RoomModerationController(this, this.#i18n, {
    session: () => this.session,
    announce: (text) => this.#announce(text),
    leave: () => void this.leave(),
  });
  readonly #prejoin = new PrejoinController(this, this.#i18n, {
    client: () => this.#clients.current,
    sessionId: () => this.sessionId,
    join: () => void this.join(),
    announce: (text) => this.#announce(text),
  });
  readonly #session = new SessionController(this, {
    state: ({ state, error }) => this.#onState(state, error),
    'participant-joined': (participant) => {
      this.#announce(this.#i18n.t('announce.joined', { name: participant.name }));
      this.#fire('call-participant-joined', { sessionId: this.sessionId, participant });
    },
    'participant-left': (participant) => {
      this.#announce(this.#i18n.t('announce.left', { name: participant.name }));
      this.#fire('call-participant-left', { sessionId: this.sessionId, participant });
    },
    fallback: (detail) => this.#onFallback(detail),
    'link-rung': () => this.#syncFallback(),
    participants: () => this.#syncFallback(),
  });

  constructor() {
    super();
    this.sessionId = '';
    this.supabaseUrl = '';
    this.supabaseAnonKey = '';
    this.lang = '';
    this.autojoin = false;
    this.transport = 'broadcast';
    this._announcement = '';
  }

  /** The session shown (a CallSession or a look-alike): set one, joined or not, or read the one `join()` made. */
  get session(): CallSessionView | undefined {
    return this.#session.session;
  }

  set session(session: CallSessionView | undefined) {
    this.#session.session = session;
    if (session && !this.sessionId) this.sessionId = session.id;
    this.#updateHold();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // A host page that re-rendered puts a new room where the old one was: same call, no rejoin.
    const live = this.session ? undefined : this.sessionId && this.#clients.current?.sessionObject?.(this.sessionId);
    if (live && isSessionLive(live)) this.session = live;
    this.#updateHold();
    if (this.autojoin && !this.session) void this.join();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // Removed from the page and not replaced within a short grace: the user leaves the call.
    this.#updateHold();
  }

  /** The session this room keeps in the call while it is on the page (session-holds.ts). */
  #held: CallSessionView | undefined;

  #updateHold(): void {
    const next = this.isConnected ? this.session : undefined;
    if (next === this.#held) return;
    if (this.#held) releaseSession(this.#held);
    this.#held = next;
    if (next) holdSession(next);
  }

  /** Joins `session-id` (or the given session). Resolves once joined; failures end in `call-error`. */
  join(): Promise<void> {
    // autojoin, a click and a host's call may all ask at once: one join at a time.
    this.#joining ??= this.#join().finally(() => (this.#joining = undefined));
    return this.#joining;
  }

  #joining: Promise<void> | undefined;

  async #join(): Promise<void> {
    this._localError = undefined;
    this._fallback = undefined;
    let session = this.session;
    if (!session || session.state === 'left') {
      const client = this.#clients.current;
      if (!client) {
        this.#failLocally(new CallError('join_failed', this.#i18n.t('error.no_backend')));
        return;
      }
      try {
        session = await client.session(this.sessionId, { transport: this.transport, iceServers: this.iceServers });
      } catch (error) {
        this.#failLocally(toCallError(error, { fallback: 'join_failed' }));
        return;
      }
      this.session = session;
    }
    try {
      await session.join(await this.#prejoin.joinOptions());
    } catch {
      // The session is `failed` and has emitted its error: the state handler tells the host.
    }
  }

  /** Leaves the call. */
  async leave(): Promise<void> {
    await this.session?.leave();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('autojoin' as keyof VideoCallRoom) && this.autojoin && this.isConnected && !this.session) void this.join();
  }

  protected override render(): TemplateResult {
    const session = this.session;
    const state = this._localError ? 'failed' : (session?.state ?? 'idle');
    return html`
      <section class="room" role="region" aria-label=${this.#i18n.t('room.label')}>
        <div class="visually-hidden" role="status" aria-live="polite">${this._announcement}</div>
        ${renderFallbackNotice({
          t: this.#i18n.t,
          // A room put on a session that already stepped down (a host page re-rendering) shows it too.
          fallback: this._fallback ?? session?.fallback,
          session,
          text: (detail) => this.#fallbackText(detail),
          retry: (peerId, name) => this.#retryPeer(peerId, name),
        })}
        ${state === 'connected' || state === 'reconnecting' ? this.#renderCall(session!) : this.#renderLobby(state, session)}
      </section>
    `;
  }

  #renderLobby(state: string, session: CallSessionView | undefined): TemplateResult {
    const t = this.#i18n.t;
    const error = this._localError ?? session?.error;
    const moderated = this.#moderation.renderState(state);
    if (moderated) return moderated;
    if (state === 'joining') {
      return html`<div class="center" aria-busy="true">
        <div class="spinner" aria-hidden="true"></div>
        <p>${t('state.joining')}</p>
      </div>`;
    }
    if (state === 'failed') {
      // No WebRTC in this browser: the fallback notice says so in the page's language and says
      // what to do; the core's English reason and a retry that cannot help would only add noise.
      if (error?.code === 'webrtc_unsupported' && (this._fallback ?? session?.fallback)) return html`<div class="center"></div>`;
      return html`<div class="center">
        <p part="banner" class="banner error" role="alert">${this.#errorText(error)}</p>
        <button class="action primary" @click=${() => this.join()}>${t('room.retry')}</button>
      </div>`;
    }
    const left = state === 'left';
    if (!left && !this.autojoin) return renderPrejoin(this.#prejoin.shown());
    // Joined from another tab or device since: that page holds the call; this one can take it back.
    const moved = left && Boolean(session?.movedAway);
    return html`<div class="center">
      <p role=${moved ? 'status' : nothing}>${t(moved ? 'state.movedAway' : left ? 'state.left' : 'state.idle')}</p>
      <button class="action primary" ?disabled=${!this.sessionId} @click=${() => this.join()}>
        ${t(moved ? 'room.continueHere' : left ? 'room.rejoin' : 'room.join')}
      </button>
    </div>`;
  }

  #renderCall(session: CallSessionView): TemplateResult {
    const t = this.#i18n.t;
    const participants = session.participants.filter((p) => p.isLocal || p.presence === 'connected');
    const others = participants.length - 1;
    const screens = participants.filter((p) => p.screenStream);
    const media = session.media.state;
    return html`
      <div class="status" part="status">
        <span>${t(session.state === 'reconnecting' ? 'state.reconnecting' : 'state.connected')}</span>
        <span>${t('count.people', { count: participants.length })}</span>
        ${this.#moderation.renderEnd(session)}
      </div>
      ${session.state === 'reconnecting' && (this._fallback ?? session.fallback)?.reason !== 'signaling-unreachable' /* the notice says it already */
        ? html`<p part="banner" class="banner warning" role="alert">${t('state.reconnecting')}</p>`
        : nothing}
      ${media.status === 'denied' ? html`<p part="banner" class="banner warning">${t('media.denied')}</p>` : nothing}
      ${media.status === 'unavailable' ? html`<p part="banner" class="banner warning">${t('media.unavailable')}</p>` : nothing}
      ${media.status === 'audio-only' ? html`<p part="banner" class="banner">${t('media.audioOnly')}</p>` : nothing}
      ${others === 0 ? html`<p part="banner" class="banner">${t('state.waiting')}</p>` : nothing}
      ${this.#media.shareNotice ? html`<p part="banner" class="banner share-notice">${this.#media.shareNotice}</p>` : nothing}
      ${this.#sound.render()} ${this.#moderation.renderPrompt(session)} ${this.#quality.renderNotice()}
      <div class="main ${this.#chatPanel.open ? 'with-chat' : ''}">
        ${this.#layout.renderStage(participants, screens.length ? this.#renderScreen(screens[0]) : undefined, (participant) => this.#renderTile(participant))}
        ${this.#chatPanel.renderPanel()}
      </div>
      ${this.#renderControls(session)}
    `;
  }

  #renderScreen(participant: Participant): TemplateResult {
    const label = this.#i18n.t('tile.screen', { name: participant.name });
    return html`<div class="tile screen" part="tile screen" role="group" aria-label=${label}>
      <video part="video" .srcObject=${participant.screenStream ?? null} autoplay playsinline muted aria-label=${label}></video>
    </div>`;
  }

  #renderTile(participant: Participant): TemplateResult {
    const t = this.#i18n.t;
    const name = participant.isLocal ? t('tile.you', { name: participant.name }) : participant.name;
    const showVideo = participant.cam && participant.camera;
    // Until its first frame (a peer still connecting) a video paints nothing: the initials show.
    const framed = Boolean(participant.camera && this.#framed.has(participant.camera));
    // Your own front camera shows as in a mirror; the back camera shows the world as it is.
    const mirror = participant.isLocal && this.session?.media.state.facing !== 'environment';
    const states = [
      !participant.mic ? t('tile.muted') : '',
      !participant.cam ? t('tile.cameraOff') : '',
      participant.speaking ? t('tile.speaking') : '',
      participant.hand ? t('tile.hand') : '',
      !participant.isLocal && participant.connection && participant.connection !== 'connected' ? t('tile.connecting') : '',
    ].filter(Boolean);
    return html`<li
      class="tile ${participant.speaking && participant.mic ? 'speaking' : ''} ${participant.isLocal ? 'local' : ''} ${mirror ? 'mirror' : ''}"
      part="tile"
      data-peer=${participant.id}
      aria-label=${[name, ...states].join(', ')}
    >
      <video
        part="video"
        .srcObject=${participant.camera ?? null}
        ?hidden=${!showVideo}
        autoplay
        playsinline
        ?muted=${participant.isLocal}
        .muted=${participant.isLocal}
        aria-hidden="true"
        @loadeddata=${this.#onFirstFrame}
      ></video>
      ${showVideo && framed ? nothing : html`<div class="avatar" part="avatar" aria-hidden="true">
            ${participant.avatarUrl
              ? html`<img src=${participant.avatarUrl} alt="" />`
              : html`<span class="initials">${initials(participant.name)}</span>`}
          </div>`}
      <div class="label" aria-hidden="true">
        <span class="name" part="name">${name}</span>
        ${participant.mic ? nothing : html`<span class="indicator off" title=${t('tile.muted')}>${micOffIcon}</span>`}
        ${participant.hand ? html`<span class="indicator hand" part="hand-raised" title=${t('tile.hand')}>&#x270B;</span>` : nothing}
      </div>
      ${this.#gestures.renderReaction(participant)} ${this.#quality.renderBadge(participant)} ${this.#layout.renderPin(participant)}
    </li>`;
  }

  /** Camera streams that have shown a frame here. */
  readonly #framed = new WeakSet<MediaStream>();

  #onFirstFrame = (event: Event) => {
    const stream = (event.target as HTMLVideoElement).srcObject;
    if (!(stream instanceof MediaStream) || this.#framed.has(stream)) return;
    this.#framed.add(stream);
    this.requestUpdate();
  };

  #renderControls(session: CallSessionView): TemplateResult {
    const t = this.#i18n.t;
    return html`<div class="controls" part="controls" role="toolbar" aria-label=${t('room.label')}>
      ${this.#media.render(session)} ${this.#layout.renderControls()} ${this.#gestures.renderControls(session)} ${this.#chatPanel.renderButton()}
      <button part="control leave" class="leave" aria-label=${t('room.leave')} title=${t('room.leave')} @click=${() => this.leave()}>
        ${leaveIcon}<span class="label-text">${t('room.leave')}</span>
      </button>
    </div>`;
  }

  #onState(state: string, error: CallError | undefined): void {
    const session = this.session;
    if (!session) return;
    if (state === 'connected') {
      // Which cameras there are decides whether the flip button shows.
      void this.#media.loadDevices();
      this.#fire('call-joined', { sessionId: session.id, userId: session.userId });
    } else if (state === 'left') {
      this.#fire('call-left', { sessionId: session.id });
    } else if (state === 'failed' && error) {
      this.#fire('call-error', { ...error, sessionId: session.id });
    }
    if (state === 'reconnecting') this.#announce(this.#i18n.t('state.reconnecting'));
    // Back from `signaling-unreachable`: the channel's return is a state change, not a link's.
    this.#syncFallback();
  }

  // ---- fallback ladder -----------------------------------------------------------------------

  #onFallback(detail: CallFallbackDetail): void {
    this._fallback = detail;
    this.#fire('call-fallback', detail);
    const text = this.#fallbackText(detail);
    this.#announce(detail.step === 'external' ? `${text} ${this.#i18n.t('fallback.external')}` : text);
  }

  /** A session that keeps its own `fallback` says when the notice no longer holds (the link works again). */
  #syncFallback(): void {
    const session = this.session;
    if (this._fallback && session && 'fallback' in session && session.fallback === undefined) this._fallback = undefined;
  }

  #nameOf(peerId: string | undefined): string {
    return this.session?.participants.find((p) => p.id === peerId)?.name ?? this.#i18n.t('fallback.someone');
  }

  #fallbackText(detail: CallFallbackDetail): string {
    return fallbackText(this.#i18n.t, detail, this.#nameOf(detail.peerId), this.session?.state === 'failed');
  }

  #retryPeer(peerId: string, name: string): void {
    this.session?.retryPeer?.(peerId);
    if (this._fallback?.peerId === peerId) this._fallback = undefined;
    this.#announce(this.#i18n.t('fallback.retrying', { name }));
  }

  #failLocally(error: CallError): void {
    this._localError = error;
    this.#fire('call-error', { ...error, sessionId: this.sessionId || null });
  }

  #errorText(error: CallError | undefined): string {
    const t = this.#i18n.t;
    if (!error) return t('state.failed');
    const key = `error.${error.code}` as StringKey;
    return t(key in errorKeys ? key : 'error.join_failed', { message: error.message });
  }

  #announce(text: string): void {
    // Clearing first makes screen readers repeat an identical announcement.
    this._announcement = '';
    requestAnimationFrame(() => (this._announcement = text));
  }

  #fire<K extends keyof VideoCallRoomEventMap>(type: K, detail: VideoCallRoomEventMap[K]['detail']): void {
    fire(this, type, detail);
  }
}

export { SHARE_NOTICE_MS } from '../../controllers/media-controls-controller.ts';

const errorKeys = {
  'error.not_signed_in': true,
  'error.not_participant': true,
  'error.session_not_found': true,
  'error.session_ended': true,
  'error.channel_refused': true,
  'error.join_failed': true,
  'error.no_backend': true,
  'error.not_host': true,
  'error.waiting_for_host': true,
};

export interface VideoCallRoomEventMap extends RoomModerationEventMap {
  'call-joined': CustomEvent<CallJoinedDetail>;
  'call-left': CustomEvent<CallLeftDetail>;
  'call-participant-joined': CustomEvent<CallParticipantDetail>;
  'call-participant-left': CustomEvent<CallParticipantDetail>;
  'call-error': CustomEvent<CallErrorDetail>;
  'call-fallback': CustomEvent<CallFallbackDetail>;
}

declare global {
  interface HTMLElementTagNameMap {
    'video-call-room': VideoCallRoom;
  }
  interface HTMLElementEventMap extends VideoCallRoomEventMap {}
}
