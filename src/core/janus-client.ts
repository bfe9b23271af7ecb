/**
 * A small client for the Janus WebRTC server's API over its WebSocket transport (protocol
 * `janus-protocol`): one Janus session, plugin handles on it, requests matched to answers by
 * transaction, keepalives, and the events Janus pushes. Only what the VideoRoom needs.
 *
 * Ours rather than Meetecho's janus.js: janus.js is a 3,700-line global script that also owns the
 * RTCPeerConnections (with adapter.js); our SFU connection manages its two connections itself
 * (sfu-connection.ts), so all it needs from Janus is this message layer — about 2 kB gzip.
 */
import { TypedEventTarget } from './typed-events.ts';

/** A JSON object as Janus sends it. */
export type JanusMessage = Record<string, unknown> & { janus?: string; transaction?: string; sender?: number };

/** The data of a plugin's answer or event, and the SDP when one came with it. */
export interface PluginReply {
  data: Record<string, unknown>;
  jsep?: RTCSessionDescriptionInit;
}

/** Janus or its plugin said no: `code` as Janus numbers it (for example 433, not allowed). */
export class JanusError extends Error {
  constructor(
    readonly code: number,
    reason: string,
  ) {
    super(`Janus ${code}: ${reason}`);
    this.name = 'JanusError';
  }
}

export interface JanusClientEvents {
  /** A plugin event not answering a request of ours (publishers joining, leaving, updates). */
  event: { handle: number; reply: PluginReply };
  /** A handle's PeerConnection is up (`webrtcup`) or went down (`hangup`), or Janus detached it. */
  media: { handle: number; kind: 'webrtcup' | 'hangup' | 'detached' };
  /** The WebSocket closed or Janus dropped the session: every handle is gone. */
  closed: { reason: string };
}

const KEEPALIVE_MS = 25_000;
const REQUEST_TIMEOUT_MS = 10_000;

export interface JanusClientOptions {
  /** Milliseconds a request may take (default 10 s). */
  timeoutMs?: number;
  /** The WebSocket constructor (tests in Node pass `ws`'s). */
  WebSocket?: typeof WebSocket;
}

interface Pending {
  resolve(message: JanusMessage): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
  /** Plugin messages are acknowledged first and answered by a later event. */
  waitForEvent: boolean;
}

export class JanusClient extends TypedEventTarget<JanusClientEvents> {
  #socket: WebSocket | undefined;
  #session: number | undefined;
  readonly #pending = new Map<string, Pending>();
  #keepalive: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  readonly #timeoutMs: number;
  readonly #WebSocket: typeof WebSocket;

  constructor(
    readonly url: string,
    options: JanusClientOptions = {},
  ) {
    super();
    this.#timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
    this.#WebSocket = options.WebSocket ?? WebSocket;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Opens the socket and creates the Janus session; rejects when Janus cannot be reached. */
  async connect(): Promise<void> {
    const socket = new this.#WebSocket(this.url, 'janus-protocol');
    this.#socket = socket;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no answer from the SFU at ${this.url}`));
        socket.close();
      }, this.#timeoutMs);
      socket.onopen = () => {
        clearTimeout(timer);
        resolve();
      };
      socket.onerror = () => {
        clearTimeout(timer);
        reject(new Error(`the SFU at ${this.url} cannot be reached`));
      };
    });
    socket.onmessage = (event) => this.#receive(String(event.data));
    socket.onclose = () => this.#drop('the connection to the SFU closed');
    socket.onerror = null;
    const created = await this.#request({ janus: 'create' });
    this.#session = Number((created.data as { id?: number } | undefined)?.id);
    this.#keepalive = setInterval(() => void this.#request({ janus: 'keepalive' }).catch(() => undefined), KEEPALIVE_MS);
  }

  /** Attaches a handle to `plugin` and returns its id. */
  async attach(plugin: string): Promise<number> {
    const answer = await this.#request({ janus: 'attach', plugin });
    return Number((answer.data as { id?: number } | undefined)?.id);
  }

  /**
   * Sends a plugin request and resolves with its answer: the synchronous reply, or the event that
   * follows the acknowledgement. A plugin error (`error_code`) rejects as a JanusError.
   */
  async message(handle: number, body: Record<string, unknown>, jsep?: RTCSessionDescriptionInit): Promise<PluginReply> {
    const answer = await this.#request({ janus: 'message', handle_id: handle, body, ...(jsep ? { jsep: { type: jsep.type, sdp: jsep.sdp } } : {}) }, true);
    const reply = pluginReply(answer);
    const code = reply.data.error_code;
    if (typeof code === 'number') throw new JanusError(code, String(reply.data.error ?? 'plugin error'));
    return reply;
  }

  /** Hands Janus one of our ICE candidates (or `null`: gathering is done). */
  trickle(handle: number, candidate: RTCIceCandidateInit | null): void {
    this.#send({ janus: 'trickle', handle_id: handle, candidate: candidate ?? { completed: true }, transaction: transactionId() });
  }

  /** Detaches a handle (its PeerConnection closes at Janus); never rejects. */
  async detach(handle: number): Promise<void> {
    await this.#request({ janus: 'detach', handle_id: handle }).catch(() => undefined);
  }

  /** Destroys the Janus session and closes the socket. */
  close(): void {
    if (this.#closed) return;
    if (this.#session !== undefined && this.#socket?.readyState === 1) this.#send({ janus: 'destroy', transaction: transactionId() });
    this.#drop('closed', false);
    this.#socket?.close();
  }

  #request(message: JanusMessage, waitForEvent = false): Promise<JanusMessage> {
    if (this.#closed) return Promise.reject(new Error('the SFU connection is closed'));
    const transaction = transactionId();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(transaction);
        reject(new Error(`the SFU did not answer ${String(message.janus)} in time`));
      }, this.#timeoutMs);
      this.#pending.set(transaction, { resolve, reject, timer, waitForEvent });
      this.#send({ ...message, transaction });
    });
  }

  #send(message: JanusMessage): void {
    const session = this.#session === undefined ? {} : { session_id: this.#session };
    this.#socket?.send(JSON.stringify({ ...message, ...session }));
  }

  #receive(text: string): void {
    let message: JanusMessage;
    try {
      message = JSON.parse(text) as JanusMessage;
    } catch {
      return;
    }
    const pending = message.transaction ? this.#pending.get(message.transaction) : undefined;
    if (pending) {
      if (message.janus === 'ack' && pending.waitForEvent) return;
      this.#pending.delete(message.transaction as string);
      clearTimeout(pending.timer);
      if (message.janus === 'error') {
        const error = (message.error ?? {}) as { code?: number; reason?: string };
        pending.reject(new JanusError(error.code ?? 0, error.reason ?? 'error'));
      } else pending.resolve(message);
      return;
    }
    const handle = Number(message.sender);
    switch (message.janus) {
      case 'event':
        this.emit('event', { handle, reply: pluginReply(message) });
        break;
      case 'webrtcup':
      case 'hangup':
      case 'detached':
        this.emit('media', { handle, kind: message.janus });
        break;
      case 'timeout':
        this.#drop('the SFU session timed out');
        break;
    }
  }

  #drop(reason: string, emit = true): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#keepalive);
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new Error(reason));
    }
    this.#pending.clear();
    if (emit) this.emit('closed', { reason });
  }
}

function pluginReply(message: JanusMessage): PluginReply {
  const plugindata = (message.plugindata ?? {}) as { data?: Record<string, unknown> };
  const jsep = message.jsep as RTCSessionDescriptionInit | undefined;
  return { data: plugindata.data ?? {}, ...(jsep ? { jsep } : {}) };
}

function transactionId(): string {
  return crypto.randomUUID();
}
