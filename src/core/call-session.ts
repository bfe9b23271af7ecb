/**
 * One joined call: the private Realtime channel `call:<session_id>` (presence + signaling), a
 * PeerMesh to every other member, local media, and the participant list (a ParticipantStore fed
 * with presence, the `video_call_participants` rows and the peer connections' states).
 *
 * States: `idle → joining → connected ⇄ reconnecting → left`, `failed` when joining is refused or
 * the channel cannot come back; `waiting` in a lobby, `removed` and `ended` by the host (the
 * lobby and host controls are moderation.ts). While Realtime is down, peer connections keep their media.
 */
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import { CallFallback } from './call-fallback.ts';
import { CallMetrics } from './call-metrics.ts';
import { claimCallTopic } from './call-presence.ts';
import { CallReactions } from './call-reactions.ts';
import type { CallSessionEvents, CallSessionOptions, JoinOptions, Preparation } from './call-session-types.ts';
import { CallStateMachine, type CallState } from './call-state.ts';
import { CallError, toCallError } from './errors.ts';
import type { CallFallbackDetail, LinkRung } from './fallback.ts';
import type { IceServersAnswer } from './ice-servers.ts';
import { LocalMedia } from './local-media.ts';
import { joinedElsewhere } from './other-page.ts';
import { Moderation, type WaitingGuest } from './moderation.ts';
import type { KeyedParticipantRecord, Participant, PresenceMeta } from './participant.ts';
import { ParticipantRows, type RowChange } from './participant-rows.ts';
import { ParticipantStore } from './participant-store.ts';
import { PendingSends } from './pending-sends.ts';
import { PresencePublisher } from './presence-publisher.ts';
import { syncPresence } from './presence-sync.ts';
import type { CallMedia } from './call-media.ts';
import type { StreamRole } from './peer-mesh.ts';
import { createSessionMesh } from './session-mesh.ts';
import type { Signal } from './signal.ts';
import type { ViewScale } from './view-requests.ts';
import type { SignalSigner } from './signal-keys.ts';
import { openSignaling, type MemberKeys, type SignalingTransport, type TransportName } from './signaling.ts';
import { TypedEventTarget } from './typed-events.ts';

export type { CallState } from './call-state.ts';

// Where they were declared before participant.ts: elements and hosts import them from here.
export type { InviteStatus, Participant, PresenceMeta, PresenceStatus } from './participant.ts';

export type { CallSessionEvents, CallSessionOptions, JoinOptions } from './call-session-types.ts';

/**
 * What the elements read and call on a session: a CallSession, or anything shaped like one — a
 * Storybook fixture, a host's own wrapper.
 */
export interface CallSessionView
  extends Pick<CallSession, 'id' | 'userId' | 'state' | 'error' | 'participants' | 'on' | 'join' | 'leave' | 'setMic' | 'setCamera' | 'toggleScreenShare'>,
    // Optional, so look-alikes written before the fallback ladder (or hands, reactions and host controls) still fit.
    Partial<Pick<CallSession, 'fallback' | 'linkRung' | 'retryPeer' | 'setHandRaised' | 'raiseHand' | 'lowerHand' | 'react' | 'hostId' | 'waiting' | 'admit' | 'remove' | 'endForAll' | 'mute' | 'askToUnmute' | 'movedAway' | 'showPeerAt'>> {
  readonly media: Pick<LocalMedia, 'state' | 'camera' | 'canShareScreen' | 'devices' | 'switchDevice' | 'flipCamera'>;
}

export class CallSession extends TypedEventTarget<CallSessionEvents> {
  readonly id: string;
  readonly supabase: SupabaseClient;
  readonly userId: string;
  readonly media = new LocalMedia();
  readonly transportName: TransportName;
  mesh: CallMedia | undefined;
  error: CallError | undefined;

  readonly #options: CallSessionOptions;
  readonly #machine: CallStateMachine;
  readonly #people: ParticipantStore;
  #channel: RealtimeChannel | undefined;
  /** Gives the topic `call:<id>` back to presence watchers of this client (see call-presence.ts). */
  #releaseTopic: (() => Promise<void>) | undefined;
  #transport: SignalingTransport | undefined;
  #signer: SignalSigner | undefined;
  #keys: MemberKeys | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #rejoinTimer: ReturnType<typeof setTimeout> | undefined;
  #rejoinAttempts = 0;
  readonly #sends = new PendingSends(() => this.#transport, (message) => this.#log(message));
  /** Our latest join's `joined_at` and every key we signed with (other-page.ts). */
  #own = { userId: '', joinedAt: undefined as string | undefined, keys: [] as JsonWebKey[] };
  /** Left because this person joined the call from another page (a tab, a device) since. */
  movedAway = false;
  readonly #presence = new PresencePublisher({
    channel: () => this.#channel,
    // Not before the mesh exists: whoever sees us present starts negotiating with us.
    ready: () => this.mesh !== undefined,
    meta: () => this.#ownPresence(),
    log: (message) => this.#log(message),
  });
  /** When the local hand went up (presence's `hand`); undefined while it is down. */
  #hand: number | undefined;
  readonly #reactions: CallReactions;
  /** Whether our mesh has connections still forming, as our presence says. */
  #forming = false;
  /** What prepare() got ready (or is getting ready) for join(). */
  #preparing: Preparation | undefined;
  readonly #rows: ParticipantRows;
  #profile: { name: string; avatarUrl: string | null } = { name: '', avatarUrl: null };
  readonly #fallback: CallFallback;
  readonly #metrics: CallMetrics;
  readonly #moderation: Moderation;
  /** The last teardown: a rejoin waits for it, or supabase-js hands back the channel being removed. */
  #tornDown: Promise<void> = Promise.resolve();

  constructor(supabase: SupabaseClient, sessionId: string, userId: string, options: CallSessionOptions = {}) {
    super();
    this.supabase = supabase;
    this.id = sessionId;
    this.userId = userId;
    this.#options = { ...options }; // join() may change `media`: never the caller's object
    this.transportName = options.transport ?? 'broadcast';
    this.#fallback = new CallFallback(supabase, sessionId, options.iceServers, {
      log: (message) => this.#log(message),
      stepped: (detail) => this.emit('fallback', detail),
      warned: (code, message) => this.emit('warning', { code, message }),
      refreshed: (servers) => this.mesh?.setIceServers(servers),
    });
    this.#metrics = new CallMetrics({ supabase, sessionId, fallback: () => this.#fallback.detail, log: (message) => this.#log(message) });
    this.#machine = new CallStateMachine((state, previous) =>
      this.emit('state', { state, previous, ...(state === 'failed' && this.error ? { error: this.error } : {}) }),
    );
    this.#people = new ParticipantStore({
      localId: userId,
      local: () => ({
        ...this.#ownPresence(),
        inCall: this.state === 'connected' || this.state === 'reconnecting',
        camera: this.media.camera,
        screenStream: this.media.screen,
      }),
      streams: (id) => this.streamsOf(id),
      quality: (id) => this.mesh?.quality(id),
      graceMs: options.presenceGraceMs,
      stillPresent: (id) => Boolean(this.#channel?.presenceState()[id]),
      // Media that still flows keeps its connection: presence may come back when their socket does.
      onGone: (id) => {
        if (this.mesh?.connectionState(id) !== 'connected') this.mesh?.remove(id, false);
      },
    });
    this.#reactions = new CallReactions({ userId, isMember: (id) => this.#people.isPresent(id), received: (detail) => this.emit('reaction', detail), log: this.#log });
    this.#rows = new ParticipantRows({
      supabase,
      sessionId,
      people: this.#people,
      keys: () => this.#keys,
      connect: (id) => this.mesh?.connect(id),
      rows: (rows) => this.#moderation.setRows(rows),
      row: (row) => {
        this.#moderation.setRow(row);
        if (joinedElsewhere(this.#own, row) && this.#endAs('left')) this.movedAway = true;
      },
      log: (message) => this.#log(message),
    });
    this.#moderation = new Moderation({
      supabase,
      sessionId,
      userId,
      signer: () => this.#signer,
      keys: () => this.#keys,
      channel: () => this.#channel,
      admitted: () => void (this.state === 'waiting' && this.join().catch(() => undefined)),
      removed: () => this.#endAs('removed'),
      ended: () => this.#endAs('ended'),
      peerRemoved: (id) => {
        this.mesh?.removed(id);
        this.#keys?.forget(id);
        this.#people.drop(id);
      },
      heard: (message) => {
        if (message.action === 'mute') this.setMic(false);
        this.emit('moderation', message);
      },
      waitingChanged: (waiting) => this.emit('waiting', waiting),
      log: (message) => this.#log(message),
    });
    this.#people.on('participants', (list) => this.emit('participants', list));
    this.#people.on('participant-joined', (participant) => this.emit('participant-joined', participant));
    this.#people.on('participant-left', (participant) => this.emit('participant-left', participant));
    this.media.on('change', (state) => {
      this.emit('local-media', state);
      this.#presence.soon();
      this.#people.changed();
    });
    this.media.on('streams', ({ camera, screen }) => this.mesh?.setLocalStreams({ camera, screen }));
  }

  /** The latest step down the fallback ladder, until the call (or that link) works again. */
  get fallback(): CallFallbackDetail | undefined {
    return this.#fallback.detail;
  }

  /** The servers the peer connections use, once joining has got them. */
  get iceServers(): IceServersAnswer | undefined {
    return this.#fallback.iceServers;
  }

  get state(): CallState {
    return this.#machine.state;
  }

  /** The session's host (once prepare() or join() has read the session). */
  get hostId(): string | undefined {
    return this.#moderation.hostId;
  }

  /** Guests waiting in the lobby, the earliest knock first (the host's; empty for anyone else). */
  get waiting(): WaitingGuest[] {
    return this.#moderation.waiting;
  }

  /** Everyone invited or present, the local person first, then by name. */
  get participants(): Participant[] {
    return this.#people.participants;
  }

  /**
   * Gets ready to join without being seen: the signing key, the call channel (presence and row
   * changes, so `participants` already shows who is in the call) and the rows. join() then only
   * claims the place and starts the camera; a pre-join screen calls this while it shows. Nobody
   * sees us before join(), and leave() lets go. Rejects as join() would (`channel_refused`).
   */
  prepare(): Promise<void> {
    return this.#prepare().ready;
  }

  #prepare(): Preparation {
    if (this.#preparing) return this.#preparing;
    const signer = (async () => {
      await this.supabase.realtime.setAuth();
      const opened = await openSignaling(this.transportName, {
        supabase: this.supabase, sessionId: this.id, userId: this.userId,
        onSignal: (signal: Signal) => void this.mesh?.handle(signal),
        onPending: (from: string, pending: boolean) => this.mesh?.expect(from, pending),
        log: this.#log,
      });
      ({ signer: this.#signer, keys: this.#keys, transport: this.#transport } = opened);
      return opened.signer;
    })();
    // The channel and the others' rows (with their keys) together.
    const ready = signer.then(async () => {
      // A guest waiting in the lobby is refused the channel until the host lets them in (unread: try).
      const waiting = (await this.#moderation.standing().catch(() => null)) === 'waiting';
      const [channel] = await Promise.allSettled([waiting ? undefined : this.#openChannel(true), this.#rows.load()]);
      if (channel.status === 'rejected') throw channel.reason;
    });
    const preparing: Preparation = { signer, ready };
    this.#preparing = preparing;
    ready.catch(() => {
      // Refused before join(): let go of the channel, so the next try starts over (join() does
      // the same through #fail when it is the one waiting).
      if (this.#preparing === preparing && this.state === 'idle') void this.#teardown();
    });
    return preparing;
  }

  /** Joins: claims a place through `join_video_call`, starts media, opens the channel. */
  async join(options: JoinOptions = {}): Promise<void> {
    if (this.state === 'removed' || this.state === 'ended') throw new CallError(this.state === 'removed' ? 'not_participant' : 'session_ended', `this call is over for you (${this.state})`);
    if (this.state !== 'idle' && this.state !== 'failed' && this.state !== 'waiting') return;
    this.error = undefined;
    this.movedAway = false;
    this.#fallback.begin();
    this.#metrics.start();
    this.#machine.to('joining');
    const log = this.#log;
    try {
      if (typeof RTCPeerConnection === 'undefined') {
        // Before claiming a place: nobody should see us "in" a call we cannot take part in.
        await this.#fallback.readSettings();
        this.#fallback.stepOut('webrtc-unsupported');
        throw new CallError('webrtc_unsupported', 'this browser cannot make WebRTC calls (no RTCPeerConnection)');
      }
      // "Try again" right after a failure: the failed join's channel must be gone first, since
      // supabase.channel() returns an existing channel of the same topic (one that never answers).
      await this.#tornDown;
      const { signer: signing, ready } = this.#prepare();
      const signer = await signing;
      // Ours before the database has it: our own join's row may come back before its answer.
      if (signer) this.#own.keys = [...this.#own.keys, signer.publicJwk];
      // The place (with our signal key), the camera and what prepare() gets ready (at once, or
      // already) together. Nobody sees us until our presence is tracked below, once the mesh exists.
      const mediaRequest = (this.#options.media = options.media ?? this.#options.media); // kept for a lobby's rejoin
      const [joined, media, channel, , servers] = await Promise.allSettled([
        this.supabase.rpc('join_video_call', signer ? { p_session_id: this.id, p_signal_key: signer.publicJwk } : { p_session_id: this.id }),
        mediaRequest === false ? Promise.resolve() : this.media.start(mediaRequest ?? {}),
        ready,
        this.#fallback.readSettings(),
        this.#fallback.startIceServers(),
      ]);
      if (joined.status === 'rejected') throw joined.reason;
      // No HTTP answer at all (supabase-js says status 0): the call server is out of reach.
      if (joined.value.error && joined.value.status === 0) throw new CallError('signaling_failed', `the call server cannot be reached: ${joined.value.error.message}`, { cause: joined.value.error });
      if (joined.value.error) throw toCallError(joined.value.error, { refused: 'not_participant', fallback: 'join_failed' });
      if (media.status === 'rejected') throw media.reason;
      if (channel.status === 'rejected') throw channel.reason;
      // Never rejects (see CallFallback.startIceServers); STUN only at worst.
      const iceServers = servers.status === 'fulfilled' ? servers.value : [];
      // Denied camera and microphone: the call goes on to watch and listen (LocalMedia's `denied`).
      if (this.media.state.status === 'denied') this.#fallback.stepDown({ reason: 'media-denied', step: 'none' });
      const me = joined.value.data as KeyedParticipantRecord & { joined_at?: string };
      this.#own = { ...this.#own, userId: this.userId, joinedAt: me.joined_at };
      this.#profile = { name: me.display_name ?? me.email ?? '', avatarUrl: me.avatar_url };
      if ((this.state as CallState) !== 'joining') return; // left while joining

      this.mesh = createSessionMesh({
        localId: this.userId,
        iceServers,
        fallback: this.#fallback,
        people: this.#people,
        connectTimeoutMs: this.#options.connectTimeoutMs,
        retryFailedMs: this.#options.retryFailedMs,
        channel: () => this.#channel,
        send: (signal) => this.#sends.send(signal),
        forming: (forming) => {
          if (forming === this.#forming) return;
          this.#forming = forming;
          this.#presence.soon();
        },
        rung: (peerId, rung) => this.emit('link-rung', { peerId, rung }),
        log,
        sfu: { supabase: this.supabase, sessionId: this.id, signer, keys: () => this.#keys, invited: () => this.#people.rowCount, changed: () => this.#presence.soon() },
      });
      this.mesh.setLocalStreams({ camera: this.media.camera, screen: this.media.screen });
      this.mesh.on('stats', this.#metrics.sampled);
      this.#machine.tryTo('connected');
      // The row says what the camera and microphone are only where it does not already.
      const { mic, cam } = this.media.state;
      if (me.mic_on !== mic || me.cam_on !== cam) void this.#updateRow({ mic_on: mic, cam_on: cam });
      if (this.#channel?.state === 'joined') {
        void this.#presence.now();
        this.#onPresence(this.#channel);
      } else {
        // The channel dropped while we were setting up: rejoin as after any drop.
        this.#machine.tryTo('reconnecting');
        this.#fallback.signalingDown();
        this.#scheduleRejoin();
      }
      this.#heartbeat = setInterval(() => void this.#touch(), this.#options.heartbeatMs ?? 20_000);
      void this.#moderation.watch().catch(() => undefined);
      if (typeof window !== 'undefined') window.addEventListener('pagehide', this.#onPageHide);
    } catch (error) {
      const callError = error instanceof CallError ? error : new CallError('join_failed', (error as Error).message, { cause: error });
      if (callError.code === 'waiting_for_host' && this.#machine.tryTo('waiting')) return this.#wait();
      this.#fail(callError);
      // After #fail, so whoever hears it sees the call failed, not a call that keeps trying.
      if (callError.code === 'signaling_failed') this.#fallback.stepOut('signaling-unreachable');
      throw callError;
    }
  }

  /** Leaves: tells the peers (`bye`), closes everything, marks us left in the database. */
  async leave(): Promise<void> {
    if (this.state === 'left') return;
    const wasLive = !['idle', 'waiting', 'removed', 'ended'].includes(this.state);
    this.#machine.to('left');
    void this.#moderation.stop();
    this.mesh?.close(true);
    // The metrics report (at most 1.5 s) while the last signals go, before leave_video_call.
    await Promise.all([this.#sends.flush(), wasLive && this.#metrics.report()]);
    await this.#teardown();
    if (wasLive) {
      const { error } = await this.supabase.rpc('leave_video_call', { p_session_id: this.id });
      if (error) this.#log(`leave_video_call: ${error.message}`);
    }
  }

  setMic(on: boolean): void {
    this.media.setMic(on);
    void this.#updateRow({ mic_on: on });
  }

  async setCamera(on: boolean): Promise<void> {
    await this.media.setCamera(on);
    void this.#updateRow({ cam_on: on });
  }

  async toggleScreenShare(): Promise<void> {
    if (this.media.screen) this.media.stopScreenShare();
    else await this.media.startScreenShare();
  }

  /** Raises the local hand: presence says since when (`hand`), lists put raised hands first. */
  raiseHand = (): void => this.setHandRaised(true);
  lowerHand = (): void => this.setHandRaised(false);

  setHandRaised(raised: boolean): void {
    const at = raised ? (this.#hand ?? Date.now()) : undefined;
    if (at === this.#hand) return;
    this.#hand = at;
    this.#presence.soon();
    this.#people.changed();
  }

  /** Sends a reaction (one of REACTIONS) to everyone in the call; see CallReactions.send. */
  react(emoji: string): Promise<void> {
    return this.#reactions.send(this.#channel, emoji);
  }

  // ---- host controls (moderation.ts): CallError not_host for anyone but the host -------------

  /** Lets a guest waiting in the lobby in. */
  admit = (userId: string): Promise<void> => this.#moderation.admit(userId);
  /** Removes someone for good (declines a waiting guest); their page leaves at once. */
  remove = (userId: string): Promise<void> => this.#moderation.remove(userId);
  /** Ends the call for everyone (state `ended` on every page). */
  endForAll = (): Promise<void> => this.#moderation.endForAll();
  /** Turns someone's microphone off (they may turn it on again: the browser is theirs). */
  mute = (userId: string): Promise<void> => this.#moderation.send({ action: 'mute', to: userId });
  /** Asks someone to unmute: their page shows the request with an Unmute button. */
  askToUnmute = (userId: string): Promise<void> => this.#moderation.send({ action: 'mute-request', to: userId });

  /** Where the link to a participant stands on the fallback ladder (undefined: no link). */
  linkRung(userId: string): LinkRung | undefined {
    return this.mesh?.rung(userId);
  }

  /** Starts the connection to a participant over (after "could not connect to X"). */
  retryPeer(userId: string): void {
    this.mesh?.retry(userId);
    this.#fallback.works(userId);
  }

  /** The layout shows `userId`'s camera at `scale`: their link to us sends it that small (view-requests.ts). */
  showPeerAt = (userId: string, scale: ViewScale): void => this.mesh?.requestView(userId, scale);
  /** Remote streams for one participant. */
  streamsOf(userId: string): Partial<Record<StreamRole, MediaStream>> {
    return this.mesh?.remoteStreams(userId) ?? {};
  }

  // ---- channel -------------------------------------------------------------------------------

  async #openChannel(first: boolean): Promise<void> {
    this.#releaseTopic ??= await claimCallTopic(this.supabase, this.id);
    if (this.state === 'left' || this.state === 'failed') {
      // Left while a presence watcher was stepping aside.
      void this.#giveTopicBack();
      return;
    }
    const channel = this.supabase.channel(`call:${this.id}`, {
      config: { private: true, presence: { key: this.userId }, broadcast: { self: false, ack: false } },
    });
    this.#channel = channel;
    this.#transport!.attach(channel);
    this.#reactions.attach(channel);
    this.#moderation.attach(channel);
    channel
      .on('presence', { event: 'sync' }, () => this.#onPresence(channel))
      .on('postgres_changes', { event: '*', schema: 'public', table: 'video_call_participants', filter: `session_id=eq.${this.id}` }, (change) =>
        void this.#rows.onChange(change as RowChange),
      );
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      channel.subscribe((status, error) => {
        if (channel !== this.#channel) return;
        if (status === 'SUBSCRIBED') {
          this.#rejoinAttempts = 0;
          this.#fallback.signalingBack();
          // While joining, join() announces us once the mesh is ready.
          if (this.mesh) {
            void this.#presence.now();
            // Row changes made while the channel was down never reached us.
            void this.#rows.load();
            if (this.state === 'reconnecting') this.#machine.tryTo('connected');
          }
          if (!settled) {
            settled = true;
            resolve();
          }
          return;
        }
        if (this.state === 'left') return;
        const message = error?.message ?? status;
        if (!settled && first) {
          settled = true;
          reject(new CallError('channel_refused', `the call channel refused us: ${message}`));
          return;
        }
        this.#log(`channel ${status}: ${message}`);
        if (this.#machine.tryTo('reconnecting') || this.state === 'reconnecting') {
          this.#fallback.signalingDown();
          // realtime-js rejoins by itself after errors; a closed channel we reopen ourselves.
          if (status === 'CLOSED' || status === 'TIMED_OUT') this.#scheduleRejoin();
        }
      });
    });
  }

  #scheduleRejoin(): void {
    clearTimeout(this.#rejoinTimer);
    const delay = Math.min(10_000, 500 * 2 ** this.#rejoinAttempts++);
    this.#rejoinTimer = setTimeout(async () => {
      if (this.state !== 'reconnecting') return;
      const old = this.#channel;
      this.#channel = undefined;
      if (old) await this.supabase.removeChannel(old).catch(() => undefined);
      try {
        await this.supabase.realtime.setAuth();
        // Removed, or the call ended: the channel was closed for good (it would be refused for ever).
        if (await this.#moderation.isOut()) return;
        await this.#openChannel(false);
      } catch (error) {
        this.#log(`rejoin failed: ${(error as Error).message}`);
        this.#scheduleRejoin();
      }
    }, delay);
  }

  #onPresence(channel: RealtimeChannel): void {
    syncPresence(channel, { userId: this.userId, people: this.#people, mesh: this.mesh, keys: this.#keys, rows: this.#rows });
  }

  #ownPresence(): PresenceMeta {
    const { mic, cam, screen, speaking } = this.media.state;
    return { name: this.#profile.name, avatar_url: this.#profile.avatarUrl, mic, cam, screen, speaking, hand: this.#hand, forming: this.#forming, topology: this.mesh?.topology };
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  async #touch(): Promise<void> {
    if (this.state !== 'connected' && this.state !== 'reconnecting') return;
    const { error } = await this.supabase.rpc('touch_video_call', { p_session_id: this.id });
    if (error) this.#log(`heartbeat: ${error.message}`);
  }

  async #updateRow(patch: Record<string, unknown>): Promise<void> {
    if (this.state !== 'connected' && this.state !== 'reconnecting') return;
    const { error } = await this.supabase.from('video_call_participants').update(patch).eq('session_id', this.id).eq('user_id', this.userId);
    if (error) this.#log(`could not update my participant row: ${error.message}`);
  }

  #fail(error: CallError): void {
    this.error = error;
    void this.#metrics.report(error);
    this.emit('error', error);
    this.mesh?.close(false);
    void this.#teardown();
    this.#machine.tryTo('failed');
  }

  /** Waits in the lobby: nothing live is kept, our row's admitted_at brings us back to join(). */
  async #wait(): Promise<void> {
    this.mesh?.close(false);
    await this.#teardown();
    await this.#moderation.knock().catch((error: unknown) => this.#fail(toCallError(error)));
  }

  /** Removed by the host, or the call ended: out at once, the channel never reopened. */
  #endAs(state: 'removed' | 'ended' | 'left'): boolean {
    if (!this.#machine.tryTo(state)) return false;
    if (state !== 'removed') void this.#metrics.report();
    this.mesh?.close(false);
    void this.#teardown();
    return true;
  }

  #teardown(): Promise<void> {
    this.#tornDown = this.#release();
    return this.#tornDown;
  }

  async #release(): Promise<void> {
    this.#preparing = undefined;
    if (this.state !== 'waiting') void this.#moderation.stop();
    this.#forming = false;
    this.#fallback.stop();
    clearInterval(this.#heartbeat);
    clearTimeout(this.#rejoinTimer);
    this.#presence.stop();
    if (typeof window !== 'undefined') window.removeEventListener('pagehide', this.#onPageHide);
    const channel = this.#channel;
    this.#channel = undefined;
    if (channel) {
      // Not joined (the server out of reach): nothing to untrack, and the push would wait its timeout.
      if (channel.state === 'joined') await channel.untrack().catch(() => undefined);
      await this.supabase.removeChannel(channel).catch(() => undefined);
    }
    void this.#giveTopicBack();
    this.media.stop();
    // A presence sync while leaving may have connected again: those links (and their stats polling) go too.
    this.mesh?.close(false);
    this.mesh = undefined;
    this.#people.clearLive();
  }

  #giveTopicBack(): Promise<void> | undefined {
    const release = this.#releaseTopic;
    this.#releaseTopic = undefined;
    return release?.();
  }

  /** Best effort when the tab closes: peers get `bye` instead of waiting for ICE to time out; the metrics go if the page lives long enough. */
  #onPageHide = () => {
    this.mesh?.close(true);
    void this.#metrics.report();
  };

  #log = (message: string): void => {
    this.#options.log?.(`[call ${this.id.slice(0, 8)}] ${message}`);
  };
}
