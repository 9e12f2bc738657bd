import { describe, expect, it } from 'vitest';
import { KafkaRecordCollector } from '../../../runtime/kafka/kafka-record-collector.ts';
import type { OutgoingRecord } from '../../../runtime/kafka/ports.ts';

const record = (n: number): OutgoingRecord => ({ topic: 'out', partition: 0, key: null, value: Buffer.from(String(n)), timestamp: n, headers: {} });
const values = (batch: readonly OutgoingRecord[]) => batch.map((r) => r.value!.toString());
/** Lets the collector's promise chain run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

/** A producer whose sends stay unacknowledged until the test acknowledges them, one by one. */
function manualProducer() {
  const sends: Array<{ batch: string[]; ack: () => void; fail: (error: Error) => void }> = [];
  const deliver = (batch: readonly OutgoingRecord[]) =>
    new Promise<void>((resolve, reject) => {
      sends.push({ batch: values(batch), ack: resolve, fail: reject });
    });
  return { sends, deliver };
}

describe('KafkaRecordCollector', () => {
  it('ships when the loop is about to wait for input, and what piled up behind a send as soon as it is acknowledged', async () => {
    const p = manualProducer();
    const collector = new KafkaRecordCollector(new Map([['out', 1]]), p.deliver, 5000, 60_000);
    collector.send(record(1));
    collector.shipIfDue(true);
    await settle();
    expect(p.sends.map((s) => s.batch)).toEqual([['1']]);
    // One send at a time: these wait for the first one's acknowledgement, not for the loop's next pass.
    collector.send(record(2));
    collector.send(record(3));
    collector.shipIfDue(true);
    await settle();
    expect(p.sends).toHaveLength(1);
    p.sends[0].ack();
    await settle();
    expect(p.sends.map((s) => s.batch)).toEqual([['1'], ['2', '3']]);
  });

  it('lingers while a backlog is being processed, also behind an acknowledged send', async () => {
    const p = manualProducer();
    const collector = new KafkaRecordCollector(new Map([['out', 1]]), p.deliver, 5000, 60_000);
    collector.send(record(1));
    collector.shipIfDue(false);
    await settle();
    expect(p.sends).toHaveLength(0);
    collector.shipIfDue(true);
    await settle();
    collector.send(record(2));
    collector.shipIfDue(false);
    p.sends[0].ack();
    await settle();
    expect(p.sends).toHaveLength(1);
    // The loop runs out of input: the records leave at once.
    collector.shipIfDue(true);
    await settle();
    expect(p.sends.map((s) => s.batch)).toEqual([['1'], ['2']]);
  });

  it('ships a full batch at once, even during a pass', async () => {
    const p = manualProducer();
    const collector = new KafkaRecordCollector(new Map([['out', 1]]), p.deliver, 2, 60_000);
    collector.send(record(1));
    collector.send(record(2));
    await settle();
    expect(p.sends.map((s) => s.batch)).toEqual([['1', '2']]);
  });

  it('flush() waits for every send, including one shipped behind another while it waited', async () => {
    const p = manualProducer();
    const collector = new KafkaRecordCollector(new Map([['out', 1]]), p.deliver, 5000, 60_000);
    collector.send(record(1));
    collector.shipIfDue(true);
    let flushed = false;
    const flushing = collector.flush().then(() => (flushed = true));
    collector.send(record(2));
    await settle();
    p.sends[0].ack();
    await settle();
    expect(p.sends.map((s) => s.batch)).toEqual([['1'], ['2']]);
    expect(flushed).toBe(false);
    p.sends[1].ack();
    await flushing;
    expect(collector.sent).toBe(2);
  });

  it('stops shipping after a failed send, and flush() throws the failure', async () => {
    const p = manualProducer();
    const collector = new KafkaRecordCollector(new Map([['out', 1]]), p.deliver, 5000, 60_000);
    collector.send(record(1));
    collector.shipIfDue(true);
    collector.send(record(2));
    collector.shipIfDue(true);
    await settle();
    p.sends[0].fail(new Error('broker gone'));
    await settle();
    expect(p.sends).toHaveLength(1);
    expect(collector.failure).toBeInstanceOf(Error);
    await expect(collector.flush()).rejects.toThrow('broker gone');
  });

  it('refuses a topic whose partition count it does not know', () => {
    const collector = new KafkaRecordCollector(new Map([['out', 3]]), async () => {}, 5000, 5);
    expect(collector.partitionsFor('out')).toBe(3);
    expect(() => collector.partitionsFor('elsewhere')).toThrow(/unknown to this application/);
  });
});
