import { describe, expect, it } from 'vitest';
import { Serdes } from '../../common/serdes.ts';
import { DLQ_HEADERS } from '../../runtime/errors/exception-handlers.ts';
import { StreamsBuilder } from '../../topology/streams-builder.ts';
import { Consumed, Produced } from '../../topology/options.ts';
import { driverFor, J, S } from '../helpers/driver.ts';

function topology() {
  const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
  b.stream<string, { qty: number }>('orders', Consumed.with(S, J))
    .mapValues((v) => {
      if (v.qty < 0) throw new Error(`negative qty ${v.qty}`);
      return v.qty * 2;
    })
    .to('out', Produced.with(S, J));
  return b.build();
}

describe('exception handlers and the dead-letter topic', () => {
  it('logAndFail (the default) stops with an error naming topic, partition and offset', () => {
    const d = driverFor(topology());
    d.pipeRawRecord('orders', Buffer.from('k'), Buffer.from('{"qty":1}'), 1);
    expect(() => d.pipeRawRecord('orders', Buffer.from('k'), Buffer.from('{oops'), 2)).toThrow(
      /deserialization failed at topic orders partition 0 offset 1: invalid JSON/,
    );
    expect(() => d.pipeRawRecord('orders', Buffer.from('k'), Buffer.from('{"qty":-1}'), 3)).toThrow(
      /processing failed at topic orders partition 0 offset 2: negative qty -1/,
    );
  });

  it('logAndContinue with a dead-letter topic skips the record and copies it raw, with error headers', () => {
    const d = driverFor(topology(), {
      deserializationExceptionHandler: 'logAndContinue',
      processingExceptionHandler: 'logAndContinue',
      deadLetterQueueTopic: 'orders.dlq',
    });
    d.pipeRawRecord('orders', Buffer.from('k1'), Buffer.from('{oops'), 1, { corr_id: 'c1' });
    d.pipeRawRecord('orders', Buffer.from('k2'), Buffer.from('{"qty":-5}'), 2);
    d.pipeRawRecord('orders', Buffer.from('k3'), Buffer.from('{"qty":5}'), 3);
    expect(d.createOutputTopic('out', S, J).readValuesToList()).toEqual([10]);
    const dead = d.producedRecords('orders.dlq');
    expect(dead).toHaveLength(2);
    expect(dead[0].key?.toString()).toBe('k1');
    expect(dead[0].value?.toString()).toBe('{oops');
    expect(dead[0].headers).toMatchObject({
      corr_id: 'c1',
      [DLQ_HEADERS.exception]: 'DeserializationError',
      [DLQ_HEADERS.topic]: 'orders',
      [DLQ_HEADERS.partition]: '0',
      [DLQ_HEADERS.offset]: '0',
    });
    expect(dead[1].headers[DLQ_HEADERS.message]).toBe('negative qty -5');
    expect(dead[1].headers[DLQ_HEADERS.offset]).toBe('1');
  });

  it('a custom handler decides per record', () => {
    const seen: string[] = [];
    const d = driverFor(topology(), {
      processingExceptionHandler: (ctx, error) => {
        seen.push(`${ctx.kind}@${ctx.record.offset}:${(error as Error).message}`);
        return 'continue';
      },
    });
    d.pipeRawRecord('orders', Buffer.from('k'), Buffer.from('{"qty":-1}'), 1);
    expect(seen).toEqual(['processing@0:negative qty -1']);
    expect(d.producedTopicNames().size).toBe(0);
  });

  it('a schema-validating serde sends malformed records to the dead-letter topic with the path', async () => {
    const { z } = await import('zod');
    const b = new StreamsBuilder();
    b.stream('orders', Consumed.with(S, Serdes.ZodJson(z.object({ qty: z.number() })))).to('out', Produced.with(S, J));
    const d = driverFor(b.build(), { deserializationExceptionHandler: 'logAndContinue', deadLetterQueueTopic: 'dlq' });
    d.pipeRawRecord('orders', null, Buffer.from('{"qty":"lots"}'), 1);
    expect(d.producedRecords('dlq')[0].headers[DLQ_HEADERS.message]).toMatch(/qty/);
  });
});
