import { describe, expect, it } from 'vitest';
import { buildKillSwitchAggregator, KILLSWITCH_STATE_STORE } from '../../../apps/killswitch-aggregator/topology.ts';
import type { KillCommand } from '../../../apps/schemas/records.ts';
import { KeySerde, serdes } from '../../../apps/schemas/serdes.ts';
import { appStreamsConfig } from '../../../apps/streams-config.ts';
import { Topics } from '../../../apps/schemas/topics.ts';
import { driverFor, J } from '../../helpers/driver.ts';

const cmd = (over: Partial<KillCommand>): KillCommand => ({
  cmd_id: 'c1',
  ts: 1000,
  scope: 'ACCOUNT:42',
  action: 'KILL',
  reason: 'Order rate breach: 101 orders in 60s',
  triggered_by: 'risk_signals',
  corr_id: 'corr-1',
  ...over,
});

function setup() {
  const d = driverFor(buildKillSwitchAggregator({ storeType: 'in-memory' }), appStreamsConfig('killswitch-aggregator'));
  const input = d.createInputTopic(Topics.KILLSWITCH_COMMANDS, KeySerde, serdes.killCommand);
  const output = d.createOutputTopic(Topics.KILLSWITCH_STATE, KeySerde, serdes.killState);
  const send = (c: KillCommand) => input.pipeInput(c.scope, c, c.ts);
  return { d, send, output };
}

describe('killswitch-aggregator', () => {
  it('turns a KILL into a KILLED state record keyed by scope', () => {
    const { send, output } = setup();
    send(cmd({}));
    expect(output.readKeyValue()).toEqual({
      key: 'ACCOUNT:42',
      value: {
        scope: 'ACCOUNT:42',
        status: 'KILLED',
        updated_ts: 1000,
        updated_by: 'risk_signals',
        reason: 'Order rate breach: 101 orders in 60s',
        last_cmd_id: 'c1',
        corr_id: 'corr-1',
      },
    });
  });

  it('ignores a command whose cmd_id was already applied (idempotent)', () => {
    const { send, output } = setup();
    send(cmd({}));
    send(cmd({ ts: 2000, action: 'UNKILL' })); // same cmd_id, even with other content
    expect(output.readValuesToList().map((s) => s!.status)).toEqual(['KILLED']);
  });

  it('ignores stale commands (older than the scope state) and applies equal or newer ones', () => {
    const { d, send, output } = setup();
    send(cmd({ cmd_id: 'a', ts: 5000, action: 'KILL' }));
    send(cmd({ cmd_id: 'b', ts: 4000, action: 'UNKILL' })); // stale
    send(cmd({ cmd_id: 'c', ts: 5000, action: 'UNKILL', triggered_by: 'operator', operator: 'alice' })); // same ts: applied
    const states = output.readValuesToList();
    expect(states.map((s) => [s!.status, s!.last_cmd_id, s!.updated_by])).toEqual([
      ['KILLED', 'a', 'risk_signals'],
      ['ACTIVE', 'c', 'operator:alice'],
    ]);
    expect(d.getKeyValueStore<string, { status: string }>(KILLSWITCH_STATE_STORE)!.get('ACCOUNT:42')!.status).toBe('ACTIVE');
  });

  it('keeps GLOBAL, ACCOUNT and SYMBOL scopes independent', () => {
    const { send, output } = setup();
    send(cmd({ cmd_id: 'g', scope: 'GLOBAL', ts: 10 }));
    send(cmd({ cmd_id: 's', scope: 'SYMBOL:NVDA', ts: 5 }));
    send(cmd({ cmd_id: 'a', scope: 'ACCOUNT:1', ts: 1 }));
    expect(output.readKeyValuesToList().map((kv) => kv.key)).toEqual(['GLOBAL', 'SYMBOL:NVDA', 'ACCOUNT:1']);
  });

  it('sends malformed commands and key/scope mismatches to the dead-letter topic, not silently away', () => {
    const { d, send, output } = setup();
    d.pipeRawRecord(Topics.KILLSWITCH_COMMANDS, Buffer.from('GLOBAL'), Buffer.from('{"cmd_id":"x","action":"MAYBE"}'), 1);
    d.createInputTopic(Topics.KILLSWITCH_COMMANDS, KeySerde, J).pipeInput('ACCOUNT:1', cmd({ scope: 'ACCOUNT:2' }), 2);
    expect(output.isEmpty()).toBe(true);
    const dead = d.producedRecords(Topics.DEAD_LETTER);
    expect(dead).toHaveLength(2);
    expect(dead[0].headers['__streams.errors.message']).toMatch(/action/);
    expect(dead[1].headers['__streams.errors.message']).toMatch(/record key ACCOUNT:1 does not match scope ACCOUNT:2/);
    send(cmd({ cmd_id: 'fine' }));
    expect(output.getQueueSize()).toBe(1);
  });
});
