// A small, allocation-free metrics registry the engine records into. Sensors are looked up once (at init)
// and then only incremented; the Prometheus exporter reads them by name and tags.

export type RecordingLevel = 'info' | 'debug';

/** Latency bucket bounds in ms, 50 µs to 1 min: wide enough for a map call and a slow RocksDB commit alike. */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000,
];

/** Bounds in ms for how old or late a record is, 1 ms to a day: replays and backfills are hours behind. */
export const AGE_BOUNDS_MS: readonly number[] = [
  1, 5, 10, 50, 100, 500, 1_000, 5_000, 15_000, 60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000,
];

/** At the info level a latency sampler times one call in this many; at debug every call. */
export const INFO_SAMPLE_EVERY = 32;

export class Sensor {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  count = 0;
  total = 0;
  max = Number.NEGATIVE_INFINITY;
  /** Histogram bucket upper bounds, ascending; empty for a plain sensor. */
  readonly bounds: Float64Array;
  /** Values per bucket (not cumulative); the extra last slot holds those above every bound. */
  readonly buckets: Float64Array;

  constructor(name: string, tags: Readonly<Record<string, string>>, bounds: readonly number[] = []) {
    this.name = name;
    this.tags = tags;
    this.bounds = Float64Array.from(bounds);
    this.buckets = new Float64Array(bounds.length === 0 ? 0 : bounds.length + 1);
  }

  record(value = 1): void {
    this.count++;
    this.total += value;
    if (value > this.max) this.max = value;
    const bounds = this.bounds;
    if (bounds.length === 0) return;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    this.buckets[i]++;
  }
}

/** A value that goes up and down (lag, restore backlog, how many scopes are killed). */
export class Gauge {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  value = 0;

  constructor(name: string, tags: Readonly<Record<string, string>>) {
    this.name = name;
    this.tags = tags;
  }

  set(value: number): void {
    this.value = value;
  }

  add(delta: number): void {
    this.value += delta;
  }
}

/**
 * Times one call in `every` into a histogram sensor. Reading the clock costs more than most per-record work,
 * so the calls in between cost a decrement and a compare; the sample is still unbiased.
 */
export class LatencySampler {
  readonly sensor: Sensor;
  readonly #every: number;
  #countdown: number;

  constructor(sensor: Sensor, every: number) {
    this.sensor = sensor;
    this.#every = Math.max(1, Math.floor(every));
    this.#countdown = this.#every;
  }

  /** The start time when this call is sampled, else -1. */
  start(): number {
    if (--this.#countdown !== 0) return -1;
    this.#countdown = this.#every;
    return performance.now();
  }

  end(started: number): void {
    if (started >= 0) this.sensor.record(performance.now() - started);
  }
}

export class StreamsMetrics {
  readonly level: RecordingLevel;
  readonly #sensors = new Map<string, Sensor>();
  readonly #gauges = new Map<string, Gauge>();

  constructor(level: RecordingLevel = 'info') {
    this.level = level;
  }

  sensor(name: string, tags: Readonly<Record<string, string>> = {}): Sensor {
    return this.#sensor(name, tags, []);
  }

  /** A sensor that also counts values into buckets (the first lookup of a name and tags decides the bounds). */
  histogram(name: string, tags: Readonly<Record<string, string>>, bounds: readonly number[]): Sensor {
    return this.#sensor(name, tags, bounds);
  }

  gauge(name: string, tags: Readonly<Record<string, string>> = {}): Gauge {
    const id = sensorId(name, tags);
    let gauge = this.#gauges.get(id);
    if (gauge === undefined) {
      gauge = new Gauge(name, tags);
      this.#gauges.set(id, gauge);
    }
    return gauge;
  }

  /** A latency histogram fed one call in INFO_SAMPLE_EVERY at the info level, every call at debug. */
  sampler(name: string, tags: Readonly<Record<string, string>>, bounds: readonly number[] = LATENCY_BOUNDS_MS): LatencySampler {
    return new LatencySampler(this.histogram(name, tags, bounds), this.level === 'debug' ? 1 : INFO_SAMPLE_EVERY);
  }

  sensors(): Sensor[] {
    return [...this.#sensors.values()];
  }

  gauges(): Gauge[] {
    return [...this.#gauges.values()];
  }

  find(name: string, tags: Readonly<Record<string, string>> = {}): Sensor | undefined {
    return this.sensors().find((s) => s.name === name && Object.entries(tags).every(([k, v]) => s.tags[k] === v));
  }

  #sensor(name: string, tags: Readonly<Record<string, string>>, bounds: readonly number[]): Sensor {
    const id = sensorId(name, tags);
    let sensor = this.#sensors.get(id);
    if (sensor === undefined) {
      sensor = new Sensor(name, tags, bounds);
      this.#sensors.set(id, sensor);
    }
    return sensor;
  }
}

function sensorId(name: string, tags: Readonly<Record<string, string>>): string {
  return `${name}|${Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}`;
}
