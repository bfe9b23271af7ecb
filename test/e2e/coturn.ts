/**
 * A coturn (`/usr/bin/turnserver`) on loopback for the fallback tests and the relay bench: a
 * shared secret (use-auth-secret, as the stack and video-call-ice-servers use it), a free port,
 * and stop / start on the same port so a test can take the relay away and bring it back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free UDP port on 127.0.0.1 (bound, read, released). */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** coturn on loopback with a shared secret, as the stack runs it. */
export class Coturn {
  readonly secret = randomBytes(16).toString('hex');
  port = 0;
  #process: ChildProcess | undefined;
  readonly #dir = mkdtempSync(join(tmpdir(), 'coturn-'));

  async start(): Promise<void> {
    this.port ||= await freeUdpPort();
    const args = [
      '-n',
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${this.port}`,
      '--use-auth-secret',
      `--static-auth-secret=${this.secret}`,
      '--realm=call-widgets.test',
      '--allow-loopback-peers',
      '--no-cli',
      '--no-tls',
      '--no-dtls',
      '--log-file=stdout',
      '--simple-log',
      `--pidfile=${join(this.#dir, 'turnserver.pid')}`,
    ];
    const child = spawn('/usr/bin/turnserver', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#process = child;
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      child.once('exit', (code) => reject(new Error(`turnserver exited (${code}): ${seen.slice(-500)}`)));
      child.stdout!.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (/Total General servers/.test(seen)) resolve();
      });
    });
  }

  async stop(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  /** Servers for `userId`, valid an hour: what video-call-ice-servers hands out. */
  iceServers(userId: string): RTCIceServer[] {
    const username = `${Math.floor(Date.now() / 1000) + 3600}:${userId}`;
    const credential = createHmac('sha1', this.secret).update(username).digest('base64');
    return [{ urls: [`turn:127.0.0.1:${this.port}?transport=udp`], username, credential }];
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
