/**
 * The local stack's TURN server: Debian's coturn (`turnserver`) on 127.0.0.1, with coturn's
 * REST-API authentication (`use-auth-secret`): the video-call-ice-servers function signs
 * short-lived credentials with the same secret, so no user list is kept anywhere.
 *
 * The secret is made at start and kept in memory for the stack's lifetime: credentials only last
 * hours, and a new stack means new calls anyway; restart() keeps it, so credentials handed out
 * before a restart still work after it. Each run of coturn gets a scratch folder of its own (log,
 * pid file, the SQLite user database coturn opens even when it needs no users) instead of
 * /var/lib/turn and /var/log, which only root may write.
 *
 * coturn ends with the stack: stop() on close, and otherwise the same kind of watchdog as the
 * embedded PostgreSQL server's (db/embedded-postgres.ts): a pipe from Node whose end, however Node
 * ended (kill -9 included), makes the watchdog stop coturn and remove its folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { accessSync, closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** coturn's (and the STUN/TURN RFCs') standard port. */
export const DEFAULT_TURN_PORT = 3478;
/**
 * The UDP ports coturn relays media on: 200, one or two per call participant. Below Linux's
 * ephemeral range (32768–60999), where the browsers' own ICE sockets live, so that a port says
 * which side of the relay a datagram is on (the network tests cut everything else). Stacks side
 * by side may share it: coturn skips ports it cannot bind.
 */
export const RELAY_PORTS = { min: 30000, max: 30199 } as const;
/** The realm coturn names in its 401 challenges (clients echo it; it is no secret). */
export const TURN_REALM = 'call-widgets.local';

export interface CoturnOptions {
  host?: string;
  /** When not given DEFAULT_TURN_PORT if free (UDP and TCP), else any free port; 0 any free port. */
  port?: number;
  /** The `turnserver` program: by default the one on PATH. */
  binary?: string;
  log?: (message: string) => void;
}

/** A running (or stopped, for tests) coturn of the stack. */
export interface TurnServer {
  /** `turn:127.0.0.1:<port>`, the line the stack prints. */
  url: string;
  host: string;
  port: number;
  realm: string;
  /** coturn's static-auth-secret; the functions get it as TURN_SECRET. */
  secret: string;
  /** What the functions get as TURN_URLS: UDP and TCP. */
  turnUrls: string[];
  /** What the functions get as STUN_URLS: coturn answers STUN on the same port. */
  stunUrls: string[];
  /** coturn's process id while it runs. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Stops coturn (allocations are lost, as when a real TURN server goes down); the port stays reserved to no one. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same secret. */
  start(): Promise<void>;
  /** stop() then start(): "the TURN server restarting". */
  restart(): Promise<void>;
}

/** The `turnserver` program on `path` (a PATH-style list), or undefined when coturn is not installed. */
export function findTurnserver(path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'turnserver');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

// As embedded-postgres.ts: the pipe from Node moves to a background reader, which, when the pipe
// ends, asks coturn (exec'd in this shell, so $$ is coturn's pid) to stop, waits for it to go,
// and removes its scratch folder.
const WATCHDOG = `
exec 3<&0 </dev/null
( { read -r _ <&3; kill -TERM $$ 2>/dev/null; i=0; while kill -0 $$ 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; kill -KILL $$ 2>/dev/null; rm -rf "$TURN_RUN_DIR"; } & )
exec "$@" 3<&-
`;

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

export async function startCoturn(options: CoturnOptions = {}): Promise<TurnServer> {
  const binary = options.binary ?? findTurnserver();
  if (!binary) throw new Error('coturn is not installed (no turnserver on PATH): apt-get install coturn, or start without TURN (--no-turn)');
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => undefined);
  const port = await choosePort(host, options.port);
  const secret = randomBytes(24).toString('base64url');

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let runDir: string | undefined;

  const stop = async () => {
    const running = child;
    if (!running) return;
    child = undefined;
    running.stdin!.end();
    const timer = setTimeout(() => running.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
    if (runDir) rmSync(runDir, { recursive: true, force: true });
  };

  const start = async () => {
    if (child) return;
    runDir = mkdtempSync(join(tmpdir(), 'call-widgets-turn-'));
    const logFile = join(runDir, 'turnserver.log');
    const args = [
      '-n', // no /etc/turnserver.conf: everything is on this command line
      `--listening-ip=${host}`,
      `--relay-ip=${host}`,
      `--listening-port=${port}`,
      `--min-port=${RELAY_PORTS.min}`,
      `--max-port=${RELAY_PORTS.max}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      `--realm=${TURN_REALM}`,
      '--fingerprint',
      // Peers on this machine are the only ones a local stack has.
      '--allow-loopback-peers',
      '--no-cli',
      '--no-tls',
      '--no-dtls',
      '--no-stdout-log',
      '--simple-log',
      `--log-file=${logFile}`,
      `--pidfile=${join(runDir, 'turnserver.pid')}`,
      `--userdb=${join(runDir, 'turndb')}`,
    ];
    const logFd = openSync(join(runDir, 'output.log'), 'w', 0o600);
    let spawned: ChildProcess;
    try {
      // detached: Ctrl-C in the terminal reaches the stack alone, which then stops coturn.
      spawned = spawn('/bin/sh', ['-c', WATCHDOG, 'coturn-watchdog', binary, ...args], {
        stdio: ['pipe', logFd, logFd],
        detached: true,
        env: { ...process.env, TURN_RUN_DIR: runDir },
      });
    } finally {
      closeSync(logFd);
    }
    spawned.stdin!.on('error', () => undefined);
    let failure = '';
    let hasExited = false;
    exited = new Promise<void>((resolve) => {
      spawned.once('exit', (code, signal) => {
        hasExited = true;
        failure ||= `turnserver exited (${signal ?? `code ${code}`})`;
        if (child === spawned) {
          child = undefined;
          log(`coturn stopped unexpectedly: ${failure}`);
        }
        resolve();
      });
      spawned.once('error', (error) => {
        hasExited = true;
        failure = `could not run ${binary}: ${error.message}`;
        resolve();
      });
    });
    child = spawned;

    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await answersStun(host, port))) {
      if (hasExited || Date.now() > deadline) {
        const reason = hasExited ? failure : `no STUN answer after ${START_TIMEOUT_MS / 1000} s`;
        const output = [logFile, join(runDir, 'output.log')].map(readTail).join('\n').trim();
        if (child === spawned) await stop();
        throw new Error(`coturn did not start on ${host}:${port}: ${reason}${output ? `\n${output}` : ''}`);
      }
    }
    log(`coturn (pid ${spawned.pid}) relaying on ${host}:${port}`);
  };

  await start();
  return {
    url: `turn:${host}:${port}`,
    host,
    port,
    realm: TURN_REALM,
    secret,
    turnUrls: [`turn:${host}:${port}?transport=udp`, `turn:${host}:${port}?transport=tcp`],
    stunUrls: [`stun:${host}:${port}`],
    get pid() {
      return child?.pid;
    },
    get running() {
      return child !== undefined;
    },
    stop,
    start,
    async restart() {
      await stop();
      await start();
    },
  };
}

function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

/**
 * A port free for both UDP and TCP. coturn binds with SO_REUSEPORT, so a second coturn on a taken
 * port would start and share it silently; this check, whose binds do not reuse, is what notices.
 */
async function choosePort(host: string, wanted: number | undefined): Promise<number> {
  if (wanted !== undefined && wanted !== 0) {
    if (await isFree(host, wanted)) return wanted;
    throw new Error(`TURN port ${wanted} on ${host} is taken (UDP or TCP); choose another with TURN_PORT`);
  }
  if (wanted === undefined && (await isFree(host, DEFAULT_TURN_PORT))) return DEFAULT_TURN_PORT;
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freeTcpPort(host);
    if (await isFree(host, port)) return port;
  }
  throw new Error(`no port on ${host} is free for both UDP and TCP`);
}

function freeTcpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function isFree(host: string, port: number): Promise<boolean> {
  const tcp = await new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
  if (!tcp) return false;
  return new Promise<boolean>((resolve) => {
    const probe = createSocket('udp4');
    probe.once('error', () => {
      probe.close();
      resolve(false);
    });
    probe.bind(port, host, () => probe.close(() => resolve(true)));
  });
}

/** Whether a STUN Binding request (RFC 8489) to host:port is answered within 200 ms. */
function answersStun(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const transaction = randomBytes(12);
    const request = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), transaction]);
    let settled = false;
    const done = (answered: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), 200);
    socket.on('error', () => done(false));
    socket.on('message', (message) => {
      if (message.length >= 20 && message.readUInt16BE(0) === 0x0101 && message.subarray(8, 20).equals(transaction)) done(true);
    });
    socket.send(request, port, host);
  });
}
