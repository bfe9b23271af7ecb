/**
 * Mesh or SFU (topology.ts): the setting wins, `auto` counts invited and present people and
 * follows a running call; and the simulcast layer asked of the SFU for each tile size.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { feedUser } from '../../src/core/sfu-connection.ts';
import { liveMids, parseClaim, readStreams } from '../../src/core/sfu-feeds.ts';
import { chooseTopology, layerForScale, meshCanCarry, MESH_AT_MOST, SFU_ABOVE, SIMULCAST_ENCODINGS, topologySetting } from '../../src/core/topology.ts';

describe('topology setting', () => {
  it('reads mesh and sfu, and auto for anything else', () => {
    assert.equal(topologySetting({ topology: 'mesh' }), 'mesh');
    assert.equal(topologySetting({ topology: 'sfu' }), 'sfu');
    assert.equal(topologySetting({ topology: 'auto' }), 'auto');
    for (const settings of [undefined, null, 'sfu', {}, { topology: 'SFU' }, { topology: 3 }, { topology: ['sfu'] }]) {
      assert.equal(topologySetting(settings), 'auto', JSON.stringify(settings));
    }
  });
});

describe('choosing the topology', () => {
  const auto = { setting: 'auto' as const, others: [] };

  it('mesh and sfu settings are kept whatever the size', () => {
    assert.equal(chooseTopology({ setting: 'mesh', invited: 12, present: 9, others: ['sfu'] }), 'mesh');
    assert.equal(chooseTopology({ setting: 'sfu', invited: 2, present: 1, others: [] }), 'sfu');
  });

  it('auto: a mesh up to four people, the SFU from five', () => {
    assert.equal(SFU_ABOVE, 4);
    assert.equal(chooseTopology({ ...auto, invited: 4, present: 1 }), 'mesh');
    assert.equal(chooseTopology({ ...auto, invited: 5, present: 1 }), 'sfu');
    // Present without a row (invited after the rows were read) counts too.
    assert.equal(chooseTopology({ ...auto, invited: 3, present: 5 }), 'sfu');
    assert.equal(chooseTopology({ ...auto, invited: 1, present: 1 }), 'mesh');
  });

  it('auto follows the people already in the call, so a running call keeps its topology', () => {
    // A sixth invitation during a 4-person mesh: the newcomer joins the mesh.
    assert.equal(chooseTopology({ ...auto, invited: 6, present: 5, others: ['mesh', 'mesh', 'mesh', 'mesh'] }), 'mesh');
    // Three people left of an SFU call: the next one still joins the SFU.
    assert.equal(chooseTopology({ ...auto, invited: 3, present: 3, others: ['sfu', 'sfu'] }), 'sfu');
    // Disagreement (someone fell back alone): the SFU, which any page can reach if it can.
    assert.equal(chooseTopology({ ...auto, invited: 3, present: 3, others: ['mesh', 'sfu'] }), 'sfu');
  });

  it('a mesh carries a call without the SFU up to six people', () => {
    assert.equal(MESH_AT_MOST, 6);
    assert.equal(meshCanCarry(2), true);
    assert.equal(meshCanCarry(6), true);
    assert.equal(meshCanCarry(7), false);
  });
});

describe('simulcast layers', () => {
  it('a large tile gets the top layer, a half-size one the middle, a thumbnail the lowest', () => {
    assert.equal(layerForScale(1), 2);
    assert.equal(layerForScale(2), 1);
    assert.equal(layerForScale(4), 0);
  });

  it('never asks for a layer the sender lacks', () => {
    assert.equal(layerForScale(1, 2), 1);
    assert.equal(layerForScale(1, 1), 0);
    assert.equal(layerForScale(2, 1), 0);
    assert.equal(layerForScale(4, 2), 0);
  });

  it('publishes three layers, highest first, each half the size of the one before', () => {
    assert.deepEqual(SIMULCAST_ENCODINGS.map((encoding) => encoding.rid), ['h', 'm', 'l']);
    assert.deepEqual(SIMULCAST_ENCODINGS.map((encoding) => encoding.scaleResolutionDownBy ?? 1), [1, 2, 4]);
    const rates = SIMULCAST_ENCODINGS.map((encoding) => encoding.maxBitrate ?? 0);
    assert.ok(rates[0]! > rates[1]! && rates[1]! > rates[2]!);
  });
});

describe('feed ids', () => {
  it('carry the user id before the last colon', () => {
    assert.equal(feedUser('5a0e…:1f2e3d4c'), '5a0e…');
    assert.equal(feedUser('a:b:c'), 'a:b');
    assert.equal(feedUser('no-nonce'), undefined);
    assert.equal(feedUser(':x'), undefined);
  });
});

describe('what Janus says of feeds', () => {
  it('a claim is read from a publisher display only when it is a signed object', () => {
    const claim = { from: 'u', to: null, kind: 'sfu-feed', payload: { feed: 'u:1', room: 'r' }, session: 'r', ts: 1, sig: 'c2ln' };
    assert.deepEqual(parseClaim(JSON.stringify(claim)), claim);
    for (const display of [undefined, 42, 'Anna', '{"from":"u"}', 'null', '{', JSON.stringify({ ...claim, sig: 7 })]) {
      assert.equal(parseClaim(display), undefined, String(display));
    }
  });

  it('the streams of a publisher that are on', () => {
    assert.deepEqual(liveMids([{ mid: '0' }, { mid: '1', disabled: false }, { mid: '2', disabled: true }, { type: 'data' }]), ['0', '1']);
    assert.deepEqual(liveMids(undefined), []);
  });

  it('what each subscriber mid carries: feed, kind, camera or screen, active', () => {
    const mids = readStreams([
      { mid: '0', type: 'audio', feed_id: 'a:1', active: true },
      { mid: '1', type: 'video', feed_id: 'a:1', feed_description: 'camera' },
      { mid: '2', type: 'video', feed_id: 'a:1', feed_description: 'screen', active: false },
      { mid: '3', type: 'data' },
      { type: 'video', feed_id: 'b:1' },
    ]);
    assert.deepEqual([...mids], [
      ['0', { feed: 'a:1', kind: 'audio', role: 'camera', active: true }],
      ['1', { feed: 'a:1', kind: 'video', role: 'camera', active: true }],
      ['2', { feed: 'a:1', kind: 'video', role: 'screen', active: false }],
    ]);
  });
});
