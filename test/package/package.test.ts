/**
 * The npm package as a host app gets it: what `npm pack` ships, that each documented entry point
 * exists with types, that the declarations type-check in a consumer, and that a bundler keeps
 * only what was imported (one element does not pull in the others).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { BUNDLE_BUDGETS } from '../../scripts/script-tag-bundle.ts';

const root = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const scratch = mkdtempSync(join(tmpdir(), 'call-widgets-package-'));

/** Bundles `source` for the browser as a host app's bundler would, minified, and returns the code. */
async function bundle(source: string): Promise<string> {
  const entry = join(scratch, `entry-${Math.random().toString(36).slice(2)}.js`);
  writeFileSync(entry, source);
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    minify: true,
    write: false,
    absWorkingDir: scratch,
    // The package is found by name, through its own `exports`, like an installed dependency.
    nodePaths: [join(scratch, 'node_modules')],
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

// Strings only each element's own module contains (from its styles).
const MARKERS = { room: 'with-screen', participants: 'presence-offline', invitePanel: 'invite-row', button: 'call-bar-return', lit: 'reactiveElementVersions' };

describe('the npm package', () => {
  before(() => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
    mkdirSync(join(scratch, 'node_modules'));
    symlinkSync(root, join(scratch, 'node_modules', 'supabase-call-widgets'), 'dir');
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('ships the built modules with types, the bundles and the manifest, and nothing of the repo', () => {
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }));
    const files = new Set<string>(packed.files.map((file: { path: string }) => file.path));
    for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/define.js', 'dist/core/index.js', 'dist/core/index.d.ts', 'dist/call-widgets.min.js', 'dist/call-widgets.esm.min.js', 'dist/call-widgets-sw.js', 'custom-elements.json', 'package.json', 'README.md', 'LICENSE', 'dist/call-widgets.LICENSES.txt']) {
      assert.ok(files.has(file), `${file} is in the package`);
    }
    // The bundles carry Lit and supabase-js, so the package carries their licences, named from the bundle's banner.
    const notices = readFileSync(join(root, 'dist/call-widgets.LICENSES.txt'), 'utf8');
    for (const bundled of ['lit-html', '@lit/reactive-element', '@supabase/supabase-js', '@supabase/realtime-js', '@supabase/auth-js', '@supabase/postgrest-js']) {
      assert.match(notices, new RegExp(`^${bundled.replace('/', '\\/')} \\d+\\.\\d+\\.\\d+ \\((MIT|BSD-3-Clause)\\)$`, 'm'), `${bundled}'s licence is shipped`);
    }
    for (const bundle of ['dist/call-widgets.min.js', 'dist/call-widgets.esm.min.js']) {
      // ASCII only (Russian strings escaped), so a page in windows-1251 reads the bundle right.
      const offending = [...readFileSync(join(root, bundle), 'utf8')].filter((char) => char.charCodeAt(0) > 0x7e);
      assert.deepEqual(offending, [], `${bundle} is plain ASCII`);
      assert.match(readFileSync(join(root, bundle), 'utf8').slice(0, 200), /^\/\*! supabase-call-widgets [\d.]+ \(MIT\); licences of bundled packages: call-widgets\.LICENSES\.txt \*\//);
    }
    for (const file of files) assert.doesNotMatch(file, /^(test|supabase|bench|demo|stories|scripts)\//, `${file} does not belong in the package`);
    // The smoke test's bin (issue 17) ships built; its source stays in the repository.
    assert.equal(pkg.bin['supabase-call-widgets'], './dist/cli/main.js');
    assert.ok(files.has('dist/cli/main.js') && files.has('dist/cli/checks-media.js'), 'the bin and its modules are in the package');
    assert.ok(![...files].some((file) => file.startsWith('src/cli/')), 'the bin\'s TypeScript source is not');
    assert.match(readFileSync(join(root, 'dist/cli/main.js'), 'utf8'), /^#!\/usr\/bin\/env node\n/);
    assert.equal(pkg.customElements, 'custom-elements.json');
    assert.equal(pkg.scripts.prepack, 'npm run build');
  });

  it('ships source maps that name their sources without carrying them: ours in src/, shipped too', () => {
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }));
    const files = new Set<string>(packed.files.map((file: { path: string }) => file.path));
    const maps = [...files].filter((file) => file.endsWith('.map'));
    for (const bundle of ['dist/call-widgets.min.js', 'dist/call-widgets.esm.min.js']) assert.ok(files.has(`${bundle}.map`), `${bundle} has its map`);
    for (const file of maps) {
      const map = JSON.parse(readFileSync(join(root, file), 'utf8')) as { sources: string[]; sourcesContent?: unknown };
      assert.equal(map.sourcesContent, undefined, `${file} does not carry its sources`);
      for (const source of map.sources) {
        const resolved = join(file, '..', source);
        // Dependencies are found beside the package in node_modules; our own sources ship with it.
        if (!source.startsWith('../../') || !file.startsWith('dist/call-widgets.')) assert.ok(files.has(resolved), `${file} names ${source}, which is in the package`);
      }
    }
    // Maps carrying their sources were 1.35 MB each; without, the package is 2.57 MB since issue 14
    // (the service worker, the bell and both bundles' growth are 124 kB of it), 2.81 MB with
    // issue 15's fallback ladder and phones (their sources and maps, and the bundles' growth);
    // 3.13 MB with issue 16's chat, 3.29 MB with its room chat, hands and reactions (two
    // controllers, their styles and maps, and both bundles' 4 kB each), 3.53 MB with its host
    // controls (moderation.ts and two controllers, their maps and declarations, both bundles);
    // 3.59 MB with issue 17's smoke bin (45 kB of plain JavaScript in dist/cli); 3.76 MB with
    // issue 16's layouts and two pages of one person (their modules, maps and declarations, both
    // bundles' 3.5 kB, the README's sections); 4.14 MB with its connection quality and issue 17's
    // <call-history> — the two script-tag bundles and their maps are 1.97 MB of it; 4.35 MB with
    // issue 16's pre-join screen; 4.67 MB with issue 18's SFU client (in both bundles, their maps
    // and src/) and the README's SFU sections.
    assert.ok(packed.unpackedSize < 4_800_000, `the package unpacks to ${packed.unpackedSize} bytes`);
  });

  it('resolves every entry point in `exports` to a file that exists, with its declarations', async () => {
    for (const [entry, target] of Object.entries(pkg.exports as Record<string, string | { types: string; default: string }>)) {
      if (entry.includes('*')) continue;
      const paths = typeof target === 'string' ? [target] : [target.types, target.default];
      for (const path of paths) assert.doesNotThrow(() => readFileSync(join(root, path)), `${entry} → ${path}`);
    }
    const core = await import(join(root, 'dist/core/index.js'));
    assert.equal(typeof core.CallClient, 'function');
    const { readFile } = await import('node:fs/promises');
    assert.ok((await readFile(join(root, 'dist/elements/call-participants/define.d.ts'), 'utf8')).includes('defineCallParticipants'));
  });

  it('has declarations a strict TypeScript consumer compiles against', () => {
    const consumer = join(scratch, 'consumer.ts');
    writeFileSync(
      consumer,
      `import { CallClient, type EventCallState, type Participant } from ${JSON.stringify(join(root, 'dist/index.js'))};
import type { EventCallButton } from ${JSON.stringify(join(root, 'dist/elements/event-call-button/event-call-button.js'))};
const client: CallClient = new CallClient({ url: 'http://127.0.0.1:54321', anonKey: 'key' });
const state: EventCallState = 'live';
declare const button: EventCallButton;
button.addEventListener('call-open', (event) => console.log(event.detail.sessionId, state, client.supabase));
export const names = (people: Participant[]) => people.map((p) => p.name);
`,
    );
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2023', 'DOM', 'DOM.Iterable'], types: [], skipLibCheck: false }, files: ['consumer.ts'] }),
    );
    let output = '';
    try {
      execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', scratch], { cwd: scratch, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      output = (error as { stdout: string }).stdout;
    }
    // Our declarations and the consumer must be clean; supabase-js's own .d.ts have quarrels with
    // newer DOM typings that are not ours to judge here.
    const ours = output.split('\n').filter((line) => /error TS\d+/.test(line) && !line.includes('node_modules/'));
    assert.deepEqual(ours, [], `the consumer does not compile:\n${output}`);
    assert.ok(!/Cannot find module/.test(output), output);
  });

  it('keeps both script-tag bundles within their gzip budget', () => {
    for (const file of ['call-widgets.min.js', 'call-widgets.esm.min.js']) {
      const gzip = gzipSync(readFileSync(join(root, 'dist', file)), { level: 9 }).length;
      assert.ok(gzip <= BUNDLE_BUDGETS.scriptTag, `${file} is ${(gzip / 1024).toFixed(1)} kB gzip, over its ${BUNDLE_BUDGETS.scriptTag / 1024} kB budget (scripts/script-tag-bundle.ts)`);
    }
  });

  it('tree-shakes: one element does not pull in the others, and the core has no Lit', async () => {
    const participants = await bundle(`import { defineCallParticipants } from 'supabase-call-widgets'; defineCallParticipants();`);
    assert.ok(participants.includes(MARKERS.participants));
    assert.ok(!participants.includes(MARKERS.room), 'no <video-call-room>');
    assert.ok(!participants.includes(MARKERS.button), 'no <event-call-button>');
    assert.ok(!participants.includes(MARKERS.invitePanel), 'no <call-invite-panel>');

    const panel = await bundle(`import { defineCallInvitePanel } from 'supabase-call-widgets'; defineCallInvitePanel();`);
    assert.ok(panel.includes(MARKERS.invitePanel) && panel.includes(MARKERS.participants), 'the panel and the list it shows');
    assert.ok(!panel.includes(MARKERS.room) && !panel.includes(MARKERS.button), 'no room, no button');

    const room = await bundle(`import { defineVideoCallRoom } from 'supabase-call-widgets'; defineVideoCallRoom();`);
    assert.ok(room.includes(MARKERS.room));
    assert.ok(!room.includes(MARKERS.participants) && !room.includes(MARKERS.button), 'the room alone');

    const core = await bundle(`import { CallClient } from 'supabase-call-widgets/core'; console.log(CallClient);`);
    assert.ok(!core.includes(MARKERS.lit), 'the core needs no Lit');
    assert.ok(!core.includes(MARKERS.room) && !core.includes(MARKERS.participants) && !core.includes(MARKERS.button));

    const everything = await bundle(`import 'supabase-call-widgets/define.js';`);
    for (const marker of [MARKERS.room, MARKERS.participants, MARKERS.invitePanel, MARKERS.button]) assert.ok(everything.includes(marker), `define.js registers all (${marker})`);
  });
});
