/**
 * `/functions/v1/<name>`: runs `supabase/functions/<name>/index.ts` in real Deno, one long-lived
 * process per function started on first use, and passes requests through whole. In front of it,
 * the gateway's JWT check (`verify_jwt`, on unless config.toml turns it off), as on Supabase.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { JwtError } from '../auth/jwt.ts';
import { bearerToken, HttpError, readBody } from '../http.ts';
import type { Service, StackContext } from '../service.ts';

const BOOTSTRAP = fileURLToPath(new URL('./deno-bootstrap.ts', import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DENO = join(PROJECT_ROOT, 'node_modules', '.bin', 'deno');
const DENO_DIR = join(PROJECT_ROOT, 'node_modules', '.cache', 'deno');

const MAX_BODY = 10 * 1024 * 1024;
/** First boot may download the function's npm: packages. */
const BOOT_TIMEOUT_MS = 90_000;
const REQUEST_TIMEOUT_MS = 60_000;
const FUNCTION_NAME = /^[A-Za-z0-9_-]+$/;
/** What a function may see of the stack's own environment (certificates, proxies, registry). */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'DENO_CERT', 'NPM_CONFIG_REGISTRY', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy', 'DENO_TLS_CA_STORE', 'NODE_EXTRA_CA_CERTS'];

const gatewayError = (status: number, message: string) => new HttpError(status, message, { code: status, message });

/**
 * Every Deno process any stack in this Node process started. When Node exits (an uncaught error,
 * `process.exit`), they are killed before it goes; a stack closed in order stops its own first.
 * A Node process killed outright is covered by the bootstrap, which exits when its stdin closes.
 */
const runningWorkers = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const running of runningWorkers) running.kill('SIGKILL');
    });
  }
  runningWorkers.add(child);
  child.once('exit', () => runningWorkers.delete(child));
}

/**
 * The gateway's check, as on hosted Supabase: the Authorization header, and only it, must carry
 * a JWT signed with the project's secret and not expired. A missing header, one that is not
 * `Bearer <token>` (scheme in any case, any whitespace) or a token that fails is a 401; the
 * apikey is never a stand-in for it.
 */
function checkGatewayJwt(req: IncomingMessage, keys: StackContext['keys']): void {
  const authorization = req.headers.authorization;
  if (authorization === undefined) throw gatewayError(401, 'Missing authorization header');
  const token = bearerToken(authorization);
  if (token === undefined) throw gatewayError(401, 'Invalid JWT');
  try {
    keys.verify(token);
  } catch (error) {
    if (error instanceof JwtError) throw gatewayError(401, 'Invalid JWT');
    throw error;
  }
}

/** One function's Deno process: started once, restarted after it dies. */
/**
 * The functions' `npm:` packages pinned by `deno.lock` beside them, when there is one: versions and
 * integrity as checked in, and an import missing from it is an error instead of a quiet download.
 */
export function lockFlags(functionsDir: string): string[] {
  const lock = join(functionsDir, 'deno.lock');
  return existsSync(lock) ? [`--lock=${lock}`, '--frozen'] : [];
}

class FunctionWorker {
  private child?: ChildProcess;
  private booting?: Promise<number>;
  private settling?: Promise<boolean>;

  constructor(
    private readonly name: string,
    private readonly entry: string,
    private readonly env: Record<string, string>,
    private readonly log: (message: string) => void,
  ) {}

  /** The port the function listens on; boots it when it is not running. */
  async port(): Promise<number> {
    await this.settling;
    this.booting ??= this.boot().catch((error) => {
      this.booting = undefined;
      throw error;
    });
    return this.booting;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * After a connection to the function failed: whether its process is dead or dies within `ms`.
   * A crashing process refuses or resets connections a moment before Node sees it exit, so
   * requests wait for the answer before picking a port.
   */
  died(port: number, ms = 2000): Promise<boolean> {
    this.settling ??= this.waitForExit(port, ms).finally(() => (this.settling = undefined));
    return this.settling;
  }

  private async waitForExit(port: number, ms: number): Promise<boolean> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return true;
    if ((await this.booting?.catch(() => undefined)) !== port) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private boot(): Promise<number> {
    const marker = `__local_stack_listening_${randomUUID()}__`;
    const child = spawn(
      DENO,
      ['run', '--allow-net', '--allow-env', '--allow-read', '--allow-sys', '--no-prompt', ...lockFlags(dirname(dirname(this.entry))), BOOTSTRAP, pathToFileURL(this.entry).href],
      {
        env: { ...this.env, LOCAL_STACK_LISTEN_MARKER: marker, DENO_NO_PACKAGE_JSON: '1', DENO_DIR, NO_COLOR: '1' },
        // stdin stays open and unused: its end tells the function the stack is gone.
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    track(child);
    let stderr = '';
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new HttpError(503, `function ${this.name} did not start within ${BOOT_TIMEOUT_MS / 1000} s`, { code: 503, message: `function ${this.name} did not start` }));
      }, BOOT_TIMEOUT_MS);
      child.stdout!.setEncoding('utf8');
      child.stderr!.setEncoding('utf8');
      let pending = '';
      child.stdout!.on('data', (chunk: string) => {
        pending += chunk;
        let newline: number;
        while ((newline = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          if (line.startsWith(marker)) {
            clearTimeout(timer);
            resolve(Number(line.slice(marker.length).trim()));
          } else this.log(`[${this.name}] ${line}`);
        }
      });
      child.stderr!.on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-4000);
        for (const line of chunk.split('\n')) if (line.trim()) this.log(`[${this.name}] ${line}`);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (this.child === child) {
          this.child = undefined;
          this.booting = undefined;
        }
        const message = `function ${this.name} exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' ')}` : ''}`;
        reject(new HttpError(503, message, { code: 503, message }));
      });
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }
}

function readDotEnv(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match) env[match[1]] = match[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return env;
}

export function createFunctionsService(context: StackContext): Service {
  const functionsDir = join(context.supabaseDir, 'functions');
  const workers = new Map<string, FunctionWorker>();
  const inherited = Object.fromEntries(INHERITED_ENV.flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : [])));
  const env = {
    ...inherited,
    ...context.functionDefaults,
    ...readDotEnv(join(functionsDir, '.env')),
    ...context.functionEnv,
    SUPABASE_URL: context.url,
    SUPABASE_ANON_KEY: context.keys.anonKey,
    SUPABASE_SERVICE_ROLE_KEY: context.keys.serviceRoleKey,
  };

  const workerFor = (name: string): FunctionWorker => {
    let worker = workers.get(name);
    if (!worker) {
      const entry = join(functionsDir, name, 'index.ts');
      if (!FUNCTION_NAME.test(name) || name.startsWith('_') || !existsSync(entry)) {
        throw gatewayError(404, `function ${name} was not found`);
      }
      worker = new FunctionWorker(name, entry, env, (message) => context.log('functions', message));
      workers.set(name, worker);
    }
    return worker;
  };

  const proxy = (req: IncomingMessage, res: ServerResponse, port: number, path: string, body: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const headers = { ...req.headers, host: `127.0.0.1:${port}`, 'content-length': String(body.length) };
      delete headers['transfer-encoding'];
      const upstream = httpRequest(
        { host: '127.0.0.1', port, method: req.method, path, headers, timeout: REQUEST_TIMEOUT_MS },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on('end', resolve);
          answer.on('error', reject);
        },
      );
      upstream.on('timeout', () => upstream.destroy(new HttpError(504, 'the function did not answer in time', { code: 504, message: `the function did not answer within ${REQUEST_TIMEOUT_MS / 1000} s` })));
      upstream.on('error', (error) => reject(error));
      upstream.end(body);
    });

  return {
    async handle(req, res, url, path) {
      const [, name = '', ...rest] = path.split('/');
      const worker = workerFor(name);
      if (req.method !== 'OPTIONS' && context.config.verifyJwt[name] !== false) checkGatewayJwt(req, context.keys);
      let body: Buffer;
      try {
        body = await readBody(req, MAX_BODY);
      } catch (error) {
        if (error instanceof HttpError) throw gatewayError(error.status, error.message);
        throw error;
      }
      // The function sees the path below /functions/v1, as on Supabase.
      const target = `/${[name, ...rest].join('/')}${url.search}`;
      const port = await worker.port();
      try {
        try {
          await proxy(req, res, port, target, body);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code !== 'ECONNREFUSED' && code !== 'ECONNRESET') throw error;
          const died = await worker.died(port);
          // A refused connection never reached the function, so it is safe to send again once the
          // process that crashed has been replaced. A reset one may have: it is reported.
          if (code !== 'ECONNREFUSED' || res.headersSent || !died) throw error;
          await proxy(req, res, await worker.port(), target, body);
        }
      } catch (error) {
        if (error instanceof HttpError) throw error;
        const message = (error as Error).message;
        throw new HttpError(502, message, { code: 502, message: `the function failed: ${message}` });
      }
    },
    async close() {
      await Promise.all([...workers.values()].map((worker) => worker.stop()));
      workers.clear();
    },
  };
}
