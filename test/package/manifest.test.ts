/** custom-elements.json is generated, and checked in: it must match what the analyzer makes now. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = resolve(import.meta.dirname, '../..');

describe('custom-elements.json', () => {
  it('is up to date with the elements’ source (run `npm run manifest` when this fails)', () => {
    const out = mkdtempSync(join(tmpdir(), 'call-widgets-manifest-'));
    try {
      execFileSync(process.execPath, [join(root, 'node_modules/@custom-elements-manifest/analyzer/cem.js'), 'analyze'], {
        cwd: root,
        // The analyzer joins outdir to the working directory: hand it a relative path.
        env: { ...process.env, CEM_OUTDIR: relative(root, out) },
        stdio: 'pipe',
      });
      const fresh = JSON.parse(readFileSync(join(out, 'custom-elements.json'), 'utf8'));
      const committed = JSON.parse(readFileSync(join(root, 'custom-elements.json'), 'utf8'));
      assert.deepEqual(committed, fresh, 'custom-elements.json is stale: run `npm run manifest` and commit it');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('describes every element: tag, summary, attributes, events, parts and custom properties', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'custom-elements.json'), 'utf8'));
    const elements = manifest.modules.flatMap((module: { declarations?: { customElement?: boolean }[] }) => (module.declarations ?? []).filter((d) => d.customElement));
    const byTag = new Map(elements.map((element: { tagName: string }) => [element.tagName, element]));
    assert.deepEqual([...byTag.keys()].sort(), ['call-participants', 'event-call-button', 'video-call-room']);
    for (const [tag, element] of byTag as Map<string, Record<string, { name: string }[] | string>>) {
      assert.ok(element.summary, `${tag} has a summary`);
      for (const field of ['attributes', 'events', 'cssParts', 'cssProperties'] as const) {
        assert.ok((element[field] as unknown[] | undefined)?.length, `${tag} documents its ${field}`);
      }
      for (const attribute of element.attributes as { name: string }[]) assert.doesNotMatch(attribute.name, /^_/, `${tag}: internal state is not an attribute`);
    }
    const button = byTag.get('event-call-button') as { attributes: { name: string }[]; events: { name: string }[] };
    assert.deepEqual(
      ['event-id', 'title', 'starts-at', 'crm-entity-type', 'crm-entity-id'].filter((name) => !button.attributes.some((a) => a.name === name)),
      [],
    );
    assert.ok(['call-session-created', 'call-open'].every((name) => button.events.some((e) => e.name === name)));
  });
});
