// A small, allocation-free metrics registry the engine records into. Sensors are looked up once (at init)
// and then only incremented; the Prometheus exporter reads them by name and tags.

export type RecordingLevel = 'info' | 'debug';

export class Sensor {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  count = 0;
  total = 0;
  max = Number.NEGATIVE_INFINITY;

  constructor(name: string, tags: Readonly<Record<string, string>>) {
    this.name = name;
    this.tags = tags;
  }

  record(value = 1): void {
    this.count++;
    this.total += value;
    if (value > this.max) this.max = value;
  }
}

export class StreamsMetrics {
  readonly level: RecordingLevel;
  readonly #sensors = new Map<string, Sensor>();

  constructor(level: RecordingLevel = 'info') {
    this.level = level;
  }

  sensor(name: string, tags: Readonly<Record<string, string>> = {}): Sensor {
    const id = `${name}|${Object.entries(tags)
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}`;
    let sensor = this.#sensors.get(id);
    if (sensor === undefined) {
      sensor = new Sensor(name, tags);
      this.#sensors.set(id, sensor);
    }
    return sensor;
  }

  sensors(): Sensor[] {
    return [...this.#sensors.values()];
  }

  find(name: string, tags: Readonly<Record<string, string>> = {}): Sensor | undefined {
    return this.sensors().find((s) => s.name === name && Object.entries(tags).every(([k, v]) => s.tags[k] === v));
  }
}
