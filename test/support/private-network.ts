/**
 * The firewall of the network namespace scripts/with-private-network.sh runs a test in: a path
 * between two browsers cut for real (their packets dropped by the kernel), with the stack's
 * coturn still reachable, so the call has to find the relay. Outside such a namespace nothing
 * here runs: the rules would cut the machine's own traffic.
 */
import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';

const TABLE = 'call_widgets_cut';

/** Fails, saying how to run it, unless this process is in the private namespace. */
export function assertPrivateNetwork(): void {
  const own = readlinkSync('/proc/self/ns/net');
  let init: string | undefined;
  try {
    init = readlinkSync('/proc/1/ns/net');
  } catch {
    // Not root: /proc/1 is not ours to read; the namespace script's marker has to do.
  }
  if (process.env.CALL_WIDGETS_PRIVATE_NETWORK !== '1' || own === init) {
    throw new Error('this test firewalls the network it runs in: run it through scripts/with-private-network.sh (npm test does)');
  }
}

/**
 * Drops every UDP datagram in the namespace that neither comes from nor goes to one of
 * `keepPorts` (coturn's listening port and its relay ports): the browsers' direct ICE paths go,
 * the paths through the relay stay. TCP (the stack's HTTP and WebSocket) is left alone.
 * `restore()` takes the rule away again.
 */
export function cutDirectPaths(keepPorts: Array<number | [number, number]>): { restore(): void } {
  assertPrivateNetwork();
  const keep = `{ ${keepPorts.map((port) => (Array.isArray(port) ? `${port[0]}-${port[1]}` : String(port))).join(', ')} }`;
  const ruleset = [
    `table inet ${TABLE} {`,
    '  chain output {',
    '    type filter hook output priority 0; policy accept;',
    `    udp sport != ${keep} udp dport != ${keep} drop`,
    '  }',
    '}',
  ].join('\n');
  execFileSync('nft', ['-f', '-'], { input: ruleset });
  return { restore: () => execFileSync('nft', ['delete', 'table', 'inet', TABLE]) };
}
