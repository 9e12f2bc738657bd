import { describe, expect, it } from 'vitest';
import { buildOrderRouter } from '../../../apps/order-router/topology.ts';
import type { KillState, Order } from '../../../apps/schemas/records.ts';
import { KeySerde, recordSerde, serdes } from '../../../apps/schemas/serdes.ts';
import { RouterAudit } from '../../../apps/schemas/records.ts';
import { appStreamsConfig } from '../../../apps/streams-config.ts';
import { Topics } from '../../../apps/schemas/topics.ts';
import { driverFor } from '../../helpers/driver.ts';

const order = (over: Partial<Order> = {}): Order => ({
  order_id: 'o1',
  ts: 1000,
  account_id: '42',
  symbol: 'NVDA',
  side: 'BUY',
  qty: 10,
  price: 100,
  ...over,
});
const state = (scope: string, status: 'KILLED' | 'ACTIVE', ts = 500): KillState => ({
  scope,
  status,
  updated_ts: ts,
  updated_by: 'operator',
  reason: `${scope} halted`,
  last_cmd_id: `cmd-${scope}-${ts}`,
  corr_id: `kill-${scope}`,
});

function setup() {
  const d = driverFor(buildOrderRouter({ storeType: 'in-memory' }), appStreamsConfig('order-router'));
  const orders = d.createInputTopic(Topics.ORDERS, KeySerde, serdes.order);
  const kills = d.createInputTopic(Topics.KILLSWITCH_STATE, KeySerde, serdes.killState);
  const gated = d.createOutputTopic(Topics.ORDERS_GATED, KeySerde, serdes.order);
  const audit = d.createOutputTopic(Topics.AUDIT, KeySerde, recordSerde(RouterAudit));
  return { d, send: (o: Order) => orders.pipeInput(o.account_id, o, o.ts), kill: (s: KillState) => kills.pipeInput(s.scope, s, s.updated_ts), gated, audit };
}

describe('order-router', () => {
  it('allows orders when no scope is killed: gated unchanged, one ALLOW audit keyed by order_id', () => {
    const { send, gated, audit } = setup();
    send(order());
    expect(gated.readKeyValue()).toEqual({ key: '42', value: order() });
    expect(audit.readKeyValue()).toEqual({
      key: 'o1',
      value: {
        ts: 1000,
        decision: 'ALLOW',
        order_id: 'o1',
        account_id: '42',
        symbol: 'NVDA',
        scope_matches: [],
        killswitch_status: 'ACTIVE',
        reason: 'no kill switch active',
        corr_id: 'o1',
        service: 'order_router',
      },
    });
  });

  it.each([
    ['GLOBAL', order()],
    ['ACCOUNT:42', order()],
    ['SYMBOL:NVDA', order()],
  ])('drops every order under a killed %s scope with the kill’s reason and corr_id', (scope, o) => {
    const { send, kill, gated, audit } = setup();
    kill(state(scope, 'KILLED'));
    send(o);
    expect(gated.isEmpty()).toBe(true);
    const a = audit.readValue()!;
    expect(a).toMatchObject({ decision: 'DROP', scope_matches: [scope], killswitch_status: 'KILLED', reason: `${scope} halted`, corr_id: `kill-${scope}` });
  });

  it('lists every killed scope, leaves other accounts and symbols alone, and honours UNKILL', () => {
    const { send, kill, gated, audit } = setup();
    kill(state('ACCOUNT:42', 'KILLED'));
    kill(state('SYMBOL:NVDA', 'KILLED'));
    send(order({ order_id: 'both' }));
    send(order({ order_id: 'other-symbol', symbol: 'AAPL' }));
    send(order({ order_id: 'other-account', account_id: '7', symbol: 'AAPL' }));
    kill(state('ACCOUNT:42', 'ACTIVE', 600));
    send(order({ order_id: 'after-unkill', symbol: 'AAPL' }));
    const decisions = audit.readValuesToList().map((a) => [a!.order_id, a!.decision, a!.scope_matches]);
    expect(decisions).toEqual([
      ['both', 'DROP', ['ACCOUNT:42', 'SYMBOL:NVDA']],
      ['other-symbol', 'DROP', ['ACCOUNT:42']],
      ['other-account', 'ALLOW', []],
      ['after-unkill', 'ALLOW', []],
    ]);
    expect(gated.readValuesToList().map((o) => o!.order_id)).toEqual(['other-account', 'after-unkill']);
  });

  it('a tombstone on the state topic removes the scope', () => {
    const { d, send, kill, audit } = setup();
    kill(state('GLOBAL', 'KILLED'));
    d.createInputTopic(Topics.KILLSWITCH_STATE, KeySerde, serdes.killState).pipeInput('GLOBAL', null, 700);
    send(order());
    expect(audit.readValue()!.decision).toBe('ALLOW');
  });

  it('malformed orders go to the dead-letter topic and get no decision', () => {
    const { d, audit } = setup();
    d.pipeRawRecord(Topics.ORDERS, Buffer.from('42'), Buffer.from('{"order_id":"bad","qty":-1}'), 1);
    expect(audit.isEmpty()).toBe(true);
    expect(d.producedRecords(Topics.DEAD_LETTER)).toHaveLength(1);
  });
});
