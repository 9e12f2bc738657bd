import { describe, expect, it } from 'vitest';
import { auditIndexWrite, DynamoDbSinkError, DynamoDbSinkErrorCode } from '../../../apps/dynamodb/index.ts';
import { Topics } from '../../../apps/schemas/index.ts';
import { T0, auditRecord, enforcementAudit, routerAudit, sinkRecord } from './records.ts';

const THIRTY_DAYS_S = 30 * 86_400;

describe('auditIndexWrite', () => {
  it('turns a router decision into an item keyed by order and time, expiring 30 days after the decision', () => {
    expect(auditIndexWrite(auditRecord(routerAudit({ ts: T0 + 1_234 })))).toEqual({
      type: 'put',
      key: { order_id: { S: 'ORD-1' }, ts: { N: String(T0 + 1_234) } },
      item: {
        order_id: { S: 'ORD-1' },
        ts: { N: String(T0 + 1_234) },
        account_id: { S: 'ACC-1' },
        symbol: { S: 'NVDA' },
        decision: { S: 'DROP' },
        scope_matches: { L: [{ S: 'ACCOUNT:ACC-1' }] },
        killswitch_status: { S: 'KILLED' },
        reason: { S: 'Order rate breach: 101 orders in 60s' },
        corr_id: { S: 'corr-kill-1' },
        service: { S: 'order_router' },
        ttl: { N: String(Math.floor((T0 + 1_234) / 1000) + THIRTY_DAYS_S) },
      },
    });
  });

  it('stores the empty scope list of an ALLOW as an empty list (a string set could not be empty)', () => {
    const write = auditIndexWrite(
      auditRecord(routerAudit({ decision: 'ALLOW', scope_matches: [], killswitch_status: 'ACTIVE', reason: '', corr_id: 'corr-order-1' })),
    );
    expect(write?.type === 'put' && write.item.scope_matches).toEqual({ L: [] });
  });

  it('gives the same write for the same record, so replays rewrite identical items', () => {
    const record = auditRecord(routerAudit({ order_id: 'ORD-9', scope_matches: ['GLOBAL', 'SYMBOL:NVDA'] }));
    expect(auditIndexWrite(record)).toEqual(auditIndexWrite(structuredClone(record)));
  });

  it('leaves out enforcement events, tombstones and other topics', () => {
    expect(auditIndexWrite(auditRecord(enforcementAudit()))).toBeUndefined();
    expect(auditIndexWrite(sinkRecord(Topics.AUDIT, 'ORD-1', null))).toBeUndefined();
    expect(auditIndexWrite(sinkRecord(Topics.ORDERS, 'ACC-1', routerAudit()))).toBeUndefined();
  });

  it('refuses a malformed router record, naming topic, key and the bad field', () => {
    const bad = sinkRecord(Topics.AUDIT, 'ORD-1', { ...routerAudit(), decision: 'MAYBE' });
    expect(() => auditIndexWrite(bad)).toThrow(
      expect.objectContaining({ code: DynamoDbSinkErrorCode.BAD_RECORD, message: expect.stringMatching(/^audit\.v1 record \(key "ORD-1".*\/decision/) }),
    );
  });

  it('refuses an audit record from neither service instead of dropping it unseen', () => {
    expect(() => auditIndexWrite(sinkRecord(Topics.AUDIT, 'ORD-1', { ...routerAudit(), service: 'spark' }))).toThrow(/\/service/);
    expect(() => auditIndexWrite(sinkRecord(Topics.AUDIT, 'ORD-1', 'DROP'))).toThrow(DynamoDbSinkError);
  });
});
