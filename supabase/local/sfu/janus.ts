/**
 * The local stack's SFU: Janus (Debian's `janus`, 1.x) with its VideoRoom plugin alone, on
 * 127.0.0.1. Browsers talk to its WebSocket transport directly (no api_secret, no token_auth on the
 * core: who may enter a room is VideoRoom's per-room `allowed` tokens, which the video-call-sfu
 * function hands out); the functions talk to its HTTP transport with the VideoRoom `admin_key`.
 *
 * The configuration is written at each start into a scratch folder of its own (as coturn's, see
 * turn/coturn.ts) and Janus is started with `-F <that folder>`: only janus.plugin.videoroom (the
 * other plugins disabled), only the HTTP and WebSockets transports, no admin API, no event
 * handlers, no loggers. admin_key and the HMAC secret are made at start and kept across
 * restart(), so the functions' environment stays right; rooms live in Janus' memory alone and are
 * made again on demand by the function after a restart.
 *
 * ICE: Janus never gathers on loopback interfaces (ice.c skips IFF_LOOPBACK), so it offers the
 * machine's other addresses as host candidates, which browsers on the same machine reach through
 * the kernel's local routes. Media ports are SFU_RTP_PORTS, below Linux's ephemeral range.
 *
 * Janus ends with the stack: stop() on close, and otherwise coturn's watchdog (a pipe from Node
 * whose end makes the shell stop Janus and remove its folder).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';

/** The UDP ports Janus sends and receives media on: beside coturn's relays (30000–30199). */
export const SFU_RTP_PORTS = { min: 31000, max: 31999 } as const;

/** Where distributions put Janus' plugins/ and transports/ folders. */
const LIB_DIRS = ['/usr/lib/x86_64-linux-gnu/janus', '/usr/lib/aarch64-linux-gnu/janus', '/usr/lib/janus', '/usr/local/lib/janus', '/opt/janus/lib/janus'];

export interface JanusOptions {
  host?: string;
  /** The WebSocket port browsers use: any free port when not given or 0. */
  port?: number;
  /** The `janus` program: by default the one on PATH. */
  binary?: string;
  /** The folder holding plugins/ and transports/ (by default the first of LIB_DIRS that exists). */
  libDir?: string;
  /** Janus' debug_level (0–7); default 2 (errors only: Janus is chatty). */
  debugLevel?: number;
  /** Every line Janus prints reaches `log` (by default only its errors). */
  verbose?: boolean;
  log?: (message: string) => void;
}

/** A running (or stopped, for tests) Janus of the stack. */
export interface JanusServer {
  /** `ws://127.0.0.1:<port>`: what browsers connect to, and the functions get as SFU_URL. */
  url: string;
  /** `http://127.0.0.1:<port>/janus`: the HTTP API base the functions get as JANUS_URL. */
  httpUrl: string;
  host: string;
  /** The WebSocket port. */
  port: number;
  httpPort: number;
  /** VideoRoom's admin_key (JANUS_ADMIN_KEY): creating, listing and destroying rooms. */
  adminKey: string;
  /** The functions' HMAC key for room secrets and tokens (JANUS_SECRET); Janus never sees it. */
  secret: string;
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Stops Janus (its rooms and sessions are lost, as when a real SFU goes down). */
  stop(): Promise<void>;
  /** Starts it again on the same ports with the same keys. */
  start(): Promise<void>;
  restart(): Promise<void>;
}

/** The `janus` program on `path` (a PATH-style list), or undefined when Janus is not installed. */
export function findJanus(path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'janus');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

// As coturn.ts: the pipe from Node moves to a background reader; when it ends, Janus (exec'd in
// this shell, so $$ is its pid) is asked to stop, then killed, and its folder removed.
const WATCHDOG = `
exec 3<&0 </dev/null
( { read -r _ <&3; kill -TERM $$ 2>/dev/null; i=0; while kill -0 $$ 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; kill -KILL $$ 2>/dev/null; rm -rf "$JANUS_RUN_DIR"; } & )
exec "$@" 3<&-
`;

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

/** A jcfg (libconfig) string. */
const quote = (value: string) => JSON.stringify(value);

/** The .so files in `dir` except `keep`: what Janus is told to disable. */
function othersIn(dir: string, keep: string): string {
  const names = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.so') && name !== keep) : [];
  return names.join(',');
}

export interface JanusConfigInput {
  runDir: string;
  libDir: string;
  host: string;
  port: number;
  httpPort: number;
  adminKey: string;
  debugLevel: number;
}

/** The configuration files (name → text) Janus reads from its -F folder. */
export function janusConfigs(input: JanusConfigInput): Record<string, string> {
  const { runDir, libDir, host } = input;
  const plugins = join(libDir, 'plugins');
  const transports = join(libDir, 'transports');
  return {
    'janus.jcfg': `general: {
  configs_folder = ${quote(runDir)}
  plugins_folder = ${quote(plugins)}
  transports_folder = ${quote(transports)}
  events_folder = ${quote(join(libDir, 'events'))}
  loggers_folder = ${quote(join(libDir, 'loggers'))}
  debug_level = ${input.debugLevel}
  session_timeout = 60
  server_name = "call-widgets-local"
}
certificates: {
}
media: {
  rtp_port_range = "${SFU_RTP_PORTS.min}-${SFU_RTP_PORTS.max}"
}
nat: {
  ice_ignore_list = "vmnet"
}
plugins: {
  disable = ${quote(othersIn(plugins, 'libjanus_videoroom.so'))}
}
transports: {
  disable = ${quote(othersIn(transports, 'libjanus_http.so').split(',').filter((name) => name && name !== 'libjanus_websockets.so').join(','))}
}
loggers: {
  disable = ${quote(othersIn(join(libDir, 'loggers'), ''))}
}
events: {
  broadcast = false
}
`,
    'janus.transport.http.jcfg': `general: {
  json = "plain"
  base_path = "/janus"
  http = true
  port = ${input.httpPort}
  ip = ${quote(host)}
  https = false
}
admin: {
  admin_http = false
  admin_https = false
}
cors: {
}
`,
    'janus.transport.websockets.jcfg': `general: {
  json = "plain"
  ws = true
  ws_port = ${input.port}
  ws_ip = ${quote(host)}
  wss = false
}
admin: {
  admin_ws = false
  admin_wss = false
}
cors: {
}
`,
    // No static rooms: every room is made on demand by the video-call-sfu function.
    'janus.plugin.videoroom.jcfg': `general: {
  admin_key = ${quote(input.adminKey)}
  string_ids = true
  lock_rtp_forward = true
}
`,
  };
}

export async function startJanus(options: JanusOptions = {}): Promise<JanusServer> {
  const binary = options.binary ?? findJanus();
  if (!binary) throw new Error('Janus is not installed (no janus on PATH): apt-get install janus, or start without an SFU (--no-sfu)');
  const libDir = options.libDir ?? LIB_DIRS.find((dir) => existsSync(join(dir, 'plugins', 'libjanus_videoroom.so')));
  if (!libDir) throw new Error(`Janus' VideoRoom plugin was not found in ${LIB_DIRS.join(', ')}`);
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => undefined);
  const port = options.port ? await takenCheck(host, options.port) : await freePort(host);
  let httpPort = await freePort(host);
  while (httpPort === port) httpPort = await freePort(host);
  const adminKey = randomBytes(24).toString('base64url');
  const secret = randomBytes(32).toString('base64url');
  const httpUrl = `http://${host}:${httpPort}/janus`;

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
    runDir = mkdtempSync(join(tmpdir(), 'call-widgets-sfu-'));
    const configs = janusConfigs({ runDir, libDir, host, port, httpPort, adminKey, debugLevel: options.debugLevel ?? 2 });
    for (const [name, text] of Object.entries(configs)) writeFileSync(join(runDir, name), text, { mode: 0o600 });
    const args = ['-F', runDir, '-C', join(runDir, 'janus.jcfg'), '-o', '--log-stdout'];
    const spawned = spawn('/bin/sh', ['-c', WATCHDOG, 'janus-watchdog', binary, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      // detached: Ctrl-C in the terminal reaches the stack alone, which then stops Janus.
      detached: true,
      env: { ...process.env, JANUS_RUN_DIR: runDir },
    });
    spawned.stdin!.on('error', () => undefined);
    const tail: string[] = [];
    for (const stream of [spawned.stdout!, spawned.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        tail.push(line);
        if (tail.length > 20) tail.shift();
        // Quiet by default: Janus' banner and notices stay in the tail shown when it fails to start.
        if (options.verbose || /\[(ERR|FATAL)\]/.test(line)) log(line);
      });
    }
    let failure = '';
    let hasExited = false;
    exited = new Promise<void>((resolve) => {
      spawned.once('exit', (code, signal) => {
        hasExited = true;
        failure ||= `janus exited (${signal ?? `code ${code}`})`;
        if (child === spawned) {
          child = undefined;
          log(`Janus stopped unexpectedly: ${failure}`);
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
    while (!(await answersInfo(httpUrl)) || !(await listens(host, port))) {
      if (hasExited || Date.now() > deadline) {
        const reason = hasExited ? failure : `no answer after ${START_TIMEOUT_MS / 1000} s`;
        if (child === spawned) await stop();
        throw new Error(`Janus did not start on ${host}:${port}: ${reason}${tail.length ? `\n${tail.join('\n')}` : ''}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    log(`Janus (pid ${spawned.pid}) on ws://${host}:${port} (HTTP API ${httpUrl})`);
  };

  await start();
  return {
    url: `ws://${host}:${port}`,
    httpUrl,
    host,
    port,
    httpPort,
    adminKey,
    secret,
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

/** Whether Janus answers `GET /info` with its server info. */
async function answersInfo(httpUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${httpUrl}/info`, { signal: AbortSignal.timeout(500) });
    const body = (await response.json()) as { janus?: string };
    return body.janus === 'server_info';
  } catch {
    return false;
  }
}

function listens(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(true));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(false)));
  });
}

async function takenCheck(host: string, port: number): Promise<number> {
  if (await listens(host, port)) throw new Error(`SFU port ${port} on ${host} is taken; choose another with SFU_PORT`);
  return port;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
