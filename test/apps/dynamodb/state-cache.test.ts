import { describe, expect, it } from 'vitest';
import { DynamoDbSinkErrorCode, stateCacheWrite } from '../../../apps/dynamodb/index.ts';
import { Topics } from '../../../apps/schemas/index.ts';
import { T0, killState, sinkRecord, stateRecord } from './records.ts';

describe('stateCacheWrite', () => {
  it('turns a kill state into the item of its scope, expiring 7 days after the update', () => {
    expect(stateCacheWrite(stateRecord(killState({ scope: 'SYMBOL:NVDA', updated_ts: T0 + 999 })))).toEqual({
      type: 'put',
      key: { scope: { S: 'SYMBOL:NVDA' } },
      item: {
        scope: { S: 'SYMBOL:NVDA' },
        status: { S: 'KILLED' },
        updated_ts: { N: String(T0 + 999) },
        updated_by: { S: 'risk_signals' },
        reason: { S: 'Order rate breach: 101 orders in 60s' },
        last_cmd_id: { S: 'CMD-1' },
        corr_id: { S: 'corr-kill-1' },
        ttl: { N: String(Math.floor((T0 + 999) / 1000) + 7 * 86_400) },
      },
    });
  });

  it('deletes the scope on a tombstone, which is how compaction forgets it', () => {
    expect(stateCacheWrite(sinkRecord(Topics.KILLSWITCH_STATE, 'GLOBAL', null))).toEqual({ type: 'delete', key: { scope: { S: 'GLOBAL' } } });
  });

  it('refuses a tombstone without a key and a state with a bad scope', () => {
    expect(() => stateCacheWrite(sinkRecord(Topics.KILLSWITCH_STATE, null, null))).toThrow(
      expect.objectContaining({ code: DynamoDbSinkErrorCode.BAD_RECORD, message: expect.stringContaining('no key') }),
    );
    expect(() => stateCacheWrite(stateRecord({ ...killState(), scope: 'DESK:7' }))).toThrow(/\/scope/);
  });

  it('leaves out other topics', () => {
    expect(stateCacheWrite(sinkRecord(Topics.KILLSWITCH_COMMANDS, 'GLOBAL', killState()))).toBeUndefined();
  });
});
