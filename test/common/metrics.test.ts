import { describe, expect, it } from 'vitest';
import { INFO_SAMPLE_EVERY, LatencySampler, Sensor, StreamsMetrics } from '../../common/metrics.ts';

describe('StreamsMetrics', () => {
  it('counts values into histogram buckets, the last slot above every bound', () => {
    const sensor = new Sensor('x', {}, [1, 10]);
    for (const v of [0.5, 1, 2, 10, 11, 1000]) sensor.record(v);
    expect([...sensor.buckets]).toEqual([2, 2, 2]);
    expect(sensor.count).toBe(6);
    expect(sensor.total).toBe(1024.5);
    expect(sensor.max).toBe(1000);
  });

  it('keeps a plain sensor bucket-free', () => {
    const sensor = new Sensor('x', {});
    sensor.record(3);
    expect(sensor.buckets.length).toBe(0);
    expect(sensor.total).toBe(3);
  });

  it('returns one sensor and one gauge per name and tags', () => {
    const metrics = new StreamsMetrics();
    expect(metrics.sensor('a', { t: '1' })).toBe(metrics.histogram('a', { t: '1' }, [1]));
    expect(metrics.sensor('a', { t: '1' })).not.toBe(metrics.sensor('a', { t: '2' }));
    const gauge = metrics.gauge('lag', { partition: '0' });
    gauge.set(5);
    gauge.add(-2);
    expect(metrics.gauge('lag', { partition: '0' }).value).toBe(3);
    expect(metrics.gauges()).toHaveLength(1);
  });

  it('samples one call in INFO_SAMPLE_EVERY at the info level and every call at debug', () => {
    const info = new StreamsMetrics('info').sampler('lat', {});
    let sampled = 0;
    for (let i = 0; i < INFO_SAMPLE_EVERY * 10; i++) {
      const started = info.start();
      if (started >= 0) sampled++;
      info.end(started);
    }
    expect(sampled).toBe(10);
    expect(info.sensor.count).toBe(10);

    const debug = new StreamsMetrics('debug').sampler('lat', {});
    for (let i = 0; i < 5; i++) debug.end(debug.start());
    expect(debug.sensor.count).toBe(5);
  });

  it('never records an unsampled call', () => {
    const sampler = new LatencySampler(new Sensor('x', {}, [1]), 4);
    sampler.end(-1);
    expect(sampler.sensor.count).toBe(0);
  });
});
