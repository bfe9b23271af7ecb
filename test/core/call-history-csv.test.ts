/**
 * The call history's CSV (src/core/call-history.ts): every value quoted, quotes doubled, a value a
 * spreadsheet would run as a formula defused with a leading quote, one line per participant per
 * call, a call with nobody listed still a line, CRLF line ends.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callHistoryCsv, csvCell, type CallHistoryRecord } from '../../src/core/call-history.ts';

const call = (overrides: Partial<CallHistoryRecord> = {}): CallHistoryRecord => ({
  session_id: 's1',
  title: 'Demo',
  started_at: '2026-12-02T10:00:00+00:00',
  ended_at: '2026-12-02T10:30:00+00:00',
  duration_s: 1800,
  host_name: 'Anna',
  participants: [
    { user_id: 'u1', display_name: 'Anna', invite_status: 'accepted', joined_at: '2026-12-02T10:00:00+00:00', left_at: '2026-12-02T10:30:00+00:00', attended_s: 1800 },
    { user_id: 'u2', display_name: 'Boris', invite_status: 'invited', joined_at: null, left_at: null, attended_s: null },
  ],
  message_count: 3,
  ...overrides,
});

describe('call history CSV', () => {
  it('quotes every value and doubles quotes inside', () => {
    assert.equal(csvCell('plain'), '"plain"');
    assert.equal(csvCell('say "hi", then go'), '"say ""hi"", then go"');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell(null), '""');
    assert.equal(csvCell(undefined), '""');
    assert.equal(csvCell(0), '"0"');
  });

  it('defuses values a spreadsheet would run as formulas', () => {
    for (const value of ['=1+1', '+7 900', '-2', '@SUM(A1)', '\tcmd', '\rcmd']) assert.equal(csvCell(value), `"'${value}"`, JSON.stringify(value));
    assert.equal(csvCell('a=b'), '"a=b"', 'only at the start');
    assert.equal(csvCell('=HYPERLINK("x")'), '"\'=HYPERLINK(""x"")"');
  });

  it('writes a header and one line per participant per call, a call without people as one line', () => {
    const csv = callHistoryCsv([call(), call({ session_id: 's2', title: '-x', participants: [], duration_s: null, ended_at: null })], undefined, (status) => status.toUpperCase());
    const lines = csv.split('\r\n');
    assert.equal(lines.length, 5, 'header, two people, one empty call, and the final line break');
    assert.equal(lines[4], '');
    assert.match(lines[0], /^"Call id","Call","Started \(UTC\)",.*"Time in the call \(s\)"$/);
    assert.equal(lines[1], '"s1","Demo","2026-12-02T10:00:00+00:00","2026-12-02T10:30:00+00:00","1800","Anna","3","Anna","u1","ACCEPTED","2026-12-02T10:00:00+00:00","2026-12-02T10:30:00+00:00","1800"');
    assert.equal(lines[2], '"s1","Demo","2026-12-02T10:00:00+00:00","2026-12-02T10:30:00+00:00","1800","Anna","3","Boris","u2","INVITED","","",""');
    assert.equal(lines[3], '"s2","\'-x","2026-12-02T10:00:00+00:00","","","Anna","3","","","","","",""');
  });

  it('writes only the header for no calls', () => {
    assert.equal(callHistoryCsv([]).split('\r\n').length, 2);
  });
});
