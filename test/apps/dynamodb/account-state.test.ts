import { describe, expect, it } from 'vitest';
import { accountStateWrite } from '../../../apps/dynamodb/index.ts';
import { Topics } from '../../../apps/schemas/index.ts';
import { T0, callRecord, marginCalc, marginCall, marginRecord, sinkRecord } from './records.ts';

describe('accountStateWrite', () => {
  it('turns a margin record into the item at (account, ts) with the fields of the state index', () => {
    expect(accountStateWrite(marginRecord(marginCalc({ ts: T0 + 5 })))).toEqual({
      type: 'put',
      key: { account_id: { S: 'ACC-1' }, timestamp: { N: String(T0 + 5) } },
      item: {
        account_id: { S: 'ACC-1' },
        timestamp: { N: String(T0 + 5) },
        equity: { N: '404000' },
        market_value: { N: '364000' },
        maintenance_req: { N: '91000' },
        excess: { N: '313000' },
        status: { S: 'ACTIVE' },
        margin_call_issued_at: { NULL: true },
        ttl: { N: String(Math.floor((T0 + 5) / 1000) + 30 * 86_400) },
      },
    });
  });

  it('keeps fractional and negative figures exactly as the margin app computed them', () => {
    const write = accountStateWrite(marginRecord(marginCalc({ equity: 0.1 + 0.2, excess: -1_250.75, status: 'MARGIN_CALL' })));
    expect(write?.type === 'put' && [write.item.equity, write.item.excess]).toEqual([{ N: '0.30000000000000004' }, { N: '-1250.75' }]);
  });

  it('marks a margin call on the item of the margin record that raised it', () => {
    expect(accountStateWrite(callRecord(marginCall({ ts: T0 + 7 })))).toEqual({
      type: 'annotate',
      key: { account_id: { S: 'ACC-1' }, timestamp: { N: String(T0 + 7) } },
      attributes: { margin_call_issued_at: { N: String(T0 + 7) }, margin_call_id: { S: 'CALL-1' } },
    });
  });

  it('leaves out tombstones and other topics', () => {
    expect(accountStateWrite(sinkRecord(Topics.MARGIN_CALC, 'ACC-1', null))).toBeUndefined();
    expect(accountStateWrite(sinkRecord(Topics.STRESS, 'ACC-1', marginCalc()))).toBeUndefined();
  });

  it('refuses a margin record with an unknown status', () => {
    expect(() => accountStateWrite(marginRecord({ ...marginCalc(), status: 'FROZEN' as never }))).toThrow(/margin\.calc\.v1 record .*\/status/);
  });
});
