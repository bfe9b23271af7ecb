/** custom-elements.json is generated, and checked in: it must match what the analyzer makes now. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = resolve(import.meta.dirname, '../..');

describe('custom-elements.json', () => {
  it('is up to date with the elements’ source (run `npm run manifest` when this fails)', async () => {
    // The analyzer's own entry, with the project's config, returning the manifest instead of writing it.
    const { cli } = await import('@custom-elements-manifest/analyzer/cli.js');
    const fresh = JSON.parse(JSON.stringify(await cli({ argv: ['analyze', '--quiet'], cwd: root, noWrite: true })));
    const committed = JSON.parse(readFileSync(join(root, 'custom-elements.json'), 'utf8'));
    // Name the first module that differs, so a failure on another machine says where to look.
    const paths = (manifest: { modules: { path: string }[] }) => manifest.modules.map((module) => module.path);
    assert.deepEqual(paths(committed), paths(fresh), 'custom-elements.json lists other modules, or lists them in another order');
    for (const [index, module] of fresh.modules.entries()) {
      assert.deepEqual(committed.modules[index], module, `custom-elements.json is stale in ${module.path}: run \`npm run manifest\` and commit it`);
    }
    assert.deepEqual(committed, fresh, 'custom-elements.json is stale: run `npm run manifest` and commit it');
  });

  it('describes every element: tag, summary, attributes, events, parts and custom properties', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'custom-elements.json'), 'utf8'));
    const elements = manifest.modules.flatMap((module: { declarations?: { customElement?: boolean }[] }) => (module.declarations ?? []).filter((d) => d.customElement));
    const byTag = new Map(elements.map((element: { tagName: string }) => [element.tagName, element]));
    assert.deepEqual([...byTag.keys()].sort(), ['call-chat', 'call-history', 'call-invite-panel', 'call-notifications', 'call-participants', 'event-call-button', 'video-call-room']);
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
    const bell = byTag.get('call-notifications') as { attributes: { name: string }[]; events: { name: string }[] };
    assert.deepEqual(['vapid-public-key', 'service-worker-url', 'supabase-url', 'supabase-anon-key', 'lang', 'compact'].filter((name) => !bell.attributes.some((a) => a.name === name)), []);
    assert.ok(['call-notifications-change', 'call-error'].every((name) => bell.events.some((e) => e.name === name)));
    const chat = byTag.get('call-chat') as { attributes: { name: string }[]; events: { name: string }[] };
    assert.deepEqual(['session-id', 'supabase-url', 'supabase-anon-key', 'lang'].filter((name) => !chat.attributes.some((a) => a.name === name)), []);
    assert.ok(['call-chat-message', 'call-error'].every((name) => chat.events.some((e) => e.name === name)));
    const history = byTag.get('call-history') as { attributes: { name: string }[]; events: { name: string }[] };
    assert.deepEqual(['entity-type', 'entity-id', 'supabase-url', 'supabase-anon-key', 'lang'].filter((name) => !history.attributes.some((a) => a.name === name)), []);
    assert.ok(['call-history-export', 'call-error'].every((name) => history.events.some((e) => e.name === name)));
  });
});
