// verifyAnchored's rules for the two copies of the acknowledged head, on a small chain built in memory.
import { describe, expect, it } from 'vitest';
import { verifyAnchored, type AcknowledgedHead } from '../../main/services/audit/anchor';
import { chainHash, GENESIS_HASH, type AuditRow } from '../../main/services/audit/audit-log';
import { canonicalJson } from '../../common/canonical-json';

const CHAIN = 'chain-0000-0001';

function chain(n: number): AuditRow[] {
  const rows: AuditRow[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const eventJson = canonicalJson({ resourceType: 'AuditEvent', id: `e${seq}` });
    const hash = chainHash(prevHash, eventJson);
    rows.push({
      seq,
      id: `e${seq}`,
      eventJson,
      prevHash,
      hash,
      uploadedAt: null,
      attempts: 0,
      lastError: null,
    });
    prevHash = hash;
  }
  return rows;
}

const rows = chain(5);
const localHead = { seq: 5, hash: rows[4]!.hash };
const acked = (seq: number, chainId = CHAIN): AcknowledgedHead => ({
  chainId,
  seq,
  hash: rows[seq - 1]!.hash,
  endpoint: 'https://audit.example.nhs.uk/fhir',
  at: '2026-11-30T20:00:00.000Z',
});

describe('verifyAnchored', () => {
  it('is intact and unanchored when no server has acknowledged anything', () => {
    expect(verifyAnchored(rows, localHead, CHAIN, {})).toEqual({ ok: true, count: 5, head: localHead.hash });
  });

  it('takes the further of the two copies, so a database copy moved back changes nothing', () => {
    const result = verifyAnchored(rows, localHead, CHAIN, { database: acked(2), keystore: acked(4) });
    expect(result).toMatchObject({ ok: true, anchor: { seq: 4 } });
    // The keystore write can lag the database one (it is made after each upload run).
    expect(verifyAnchored(rows, localHead, CHAIN, { database: acked(5), keystore: acked(4) })).toMatchObject({
      ok: true,
      anchor: { seq: 5 },
    });
  });

  it('names an unreadable keystore copy, one from another log, and copies that disagree', () => {
    expect(verifyAnchored(rows, localHead, CHAIN, { keystore: 'unreadable' })).toMatchObject({
      ok: false,
      problem: 'the acknowledged head kept in the keystore is unreadable',
    });
    expect(verifyAnchored(rows, localHead, CHAIN, { keystore: acked(3, 'chain-other-0002') })).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/another audit log in this folder \(chain chain-other-0002\)/),
    });
    const forged = { ...acked(3), hash: 'a'.repeat(64) };
    expect(verifyAnchored(rows, localHead, CHAIN, { database: acked(3), keystore: forged })).toMatchObject({
      ok: false,
      firstBadSeq: 3,
      problem: 'the acknowledged head in the database differs from the keystore copy',
    });
  });

  it('still reports a broken local chain first, naming its event', () => {
    const edited = rows.map((r) => (r.seq === 2 ? { ...r, eventJson: r.eventJson.replace('e2', 'e9') } : r));
    expect(verifyAnchored(edited, localHead, CHAIN, { keystore: acked(5) })).toMatchObject({
      ok: false,
      firstBadSeq: 2,
    });
  });
});
