// Exposes an app's StreamsMetrics as Prometheus metrics, read at scrape time: the engine only increments its
// sensors, and prom-client sees them when /metrics is asked for. One registry per app.

import { collectDefaultMetrics, Counter, Gauge, type Metric, Registry } from 'prom-client';
import type { Sensor, StreamsMetrics } from '../../common/metrics.ts';
import type { StateStore } from '../../state/api/state-store.ts';
import { CachingKeyValueStore } from '../../state/caching/caching-key-value-store.ts';
import { StreamsState } from '../embedded/embedded-streams-app.ts';
import { EngineSensor } from './engine-metrics.ts';

/** How one recorded sensor or gauge appears in Prometheus. */
export interface MetricSpec {
  /** The sensor (counter, histogram) or gauge (gauge) name as recorded. */
  readonly source: string;
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  /** Tags exported as labels; sensors whose other tags differ are summed into one series. */
  readonly labels: readonly string[];
  /** A counter counts recordings (default) or sums their values. */
  readonly value?: 'count' | 'total';
  /** Recorded in milliseconds, exported in seconds. */
  readonly ms?: true;
}

/** What the exporter needs of a running app; EmbeddedStreamsApp and KafkaStreamsApp both have it. */
export interface ObservableStreamsApp {
  readonly config: { readonly applicationId: string };
  readonly metrics: StreamsMetrics;
  readonly state: string;
  taskStores(): ReadonlyArray<{ taskId: string; stores: ReadonlyMap<string, StateStore> }>;
}

const S = EngineSensor;
const task = ['task_id'] as const;
const processor = ['task_id', 'processor_node_id'] as const;
const store = ['task_id', 'store', 'store_type'] as const;
const thread = ['thread_id'] as const;

/** Kafka Streams' thread, task, processor and store metrics under Prometheus names. */
export const ENGINE_METRICS: readonly MetricSpec[] = [
  { source: S.PROCESS, name: 'streams_task_processed_records_total', help: 'Records processed by the task.', type: 'counter', labels: task },
  {
    source: S.PROCESS_LATENCY,
    name: 'streams_task_process_latency_seconds',
    help: 'Time to process one record through the sub-topology (a sample of records at the info level).',
    type: 'histogram',
    labels: task,
    ms: true,
  },
  { source: S.PUNCTUATE, name: 'streams_task_punctuate_latency_seconds', help: 'Time per punctuation; the count is the number of punctuations.', type: 'histogram', labels: task, ms: true },
  { source: S.DROPPED_RECORDS, name: 'streams_task_dropped_records_total', help: 'Records skipped, by reason (error, late, null_key, …).', type: 'counter', labels: ['task_id', 'reason'] },
  { source: S.RECORD_LATENESS, name: 'streams_processor_record_lateness_seconds', help: 'How far behind stream time records arrived at windowed operators.', type: 'histogram', labels: processor, ms: true },
  {
    source: S.RECORD_E2E_LATENCY,
    name: 'streams_processor_record_e2e_latency_seconds',
    help: 'Wall clock at output minus the record timestamp, at sink nodes (KIP-613; sampled at the info level).',
    type: 'histogram',
    labels: processor,
    ms: true,
  },
  { source: S.SUPPRESSION_EMIT, name: 'streams_processor_suppression_emit_records_total', help: 'Records emitted by suppress().', type: 'counter', labels: processor },
  { source: S.WINDOW_EMITTED_RECORDS, name: 'streams_processor_window_emitted_records_total', help: 'Window results emitted.', type: 'counter', labels: processor },
  { source: S.EXPIRED_WINDOW_RECORD_DROP, name: 'streams_store_expired_window_records_dropped_total', help: 'Writes to windows already past retention.', type: 'counter', labels: ['task_id', 'store'] },
  { source: S.COMMIT, name: 'streams_thread_commit_latency_seconds', help: 'Time per task commit; the count is the number of commits.', type: 'histogram', labels: thread, ms: true },
  { source: S.POLL, name: 'streams_thread_poll_records', help: 'Records returned by each fetch that returned any.', type: 'histogram', labels: thread },
  { source: S.REBALANCE, name: 'streams_thread_rebalance_latency_seconds', help: 'Time from the start of a rebalance to running tasks; the count is the number of rebalances.', type: 'histogram', labels: thread, ms: true },
  { source: S.RECORDS_LAG, name: 'streams_consumer_records_lag', help: 'End offset minus the fetch position of an input partition.', type: 'gauge', labels: ['thread_id', 'topic', 'partition'] },
  { source: S.RESTORE_RECORDS, name: 'streams_store_restored_records_total', help: 'Changelog records restored into the store.', type: 'counter', labels: ['task_id', 'store'], value: 'total' },
  { source: S.RESTORE_REMAINING, name: 'streams_store_restore_remaining_records', help: 'Changelog records still to restore.', type: 'gauge', labels: ['task_id', 'store'] },
  { source: S.STORE_PUT, name: 'streams_store_puts_total', help: 'Puts into the store.', type: 'counter', labels: store },
  { source: S.STORE_GET, name: 'streams_store_gets_total', help: 'Point reads from the store.', type: 'counter', labels: store },
  { source: S.STORE_FETCH, name: 'streams_store_fetches_total', help: 'Window and session fetches from the store.', type: 'counter', labels: store },
  { source: S.STORE_PUT_LATENCY, name: 'streams_store_put_latency_seconds', help: 'Time per put (a sample of puts at the info level).', type: 'histogram', labels: store, ms: true },
  { source: S.STORE_GET_LATENCY, name: 'streams_store_get_latency_seconds', help: 'Time per get (a sample of gets at the info level).', type: 'histogram', labels: store, ms: true },
  { source: S.STORE_FLUSH_LATENCY, name: 'streams_store_flush_latency_seconds', help: 'Time per store flush (at each commit).', type: 'histogram', labels: store, ms: true },
];

export interface RegistryOptions {
  /** The apps' own metrics, next to the engine's. */
  readonly specs?: readonly MetricSpec[];
  /** Node's process metrics (CPU, heap, event loop lag, GC); default true. */
  readonly defaultMetrics?: boolean;
  /** Labels on every series; default `{ app: <applicationId> }`. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** A registry that reads `app` whenever it is collected. */
export function streamsRegistry(app: ObservableStreamsApp, options: RegistryOptions = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(options.labels ?? { app: app.config.applicationId });
  const specs = [...ENGINE_METRICS, ...(options.specs ?? [])];
  const names = new Set<string>();
  for (const spec of specs) {
    if (names.has(spec.name)) throw new Error(`two metric specs are named ${spec.name}`);
    names.add(spec.name);
    if (spec.type === 'histogram') registry.registerMetric(new SensorHistogram(spec, app.metrics) as unknown as Metric);
    else if (spec.type === 'counter') sensorCounter(registry, spec, app.metrics);
    else gaugeOf(registry, spec, app.metrics);
  }
  const mapped = new Set(specs.map((s) => s.source));
  new Counter({
    name: 'streams_unmapped_sensor_records_total',
    help: 'Recordings of sensors no metric spec names, by sensor (tags summed): add a spec to see them properly.',
    labelNames: ['sensor'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of app.metrics.sensors()) if (!mapped.has(s.name)) this.inc({ sensor: s.name }, s.count);
    },
  });
  new Gauge({
    name: 'streams_application_state',
    help: 'The instance state: 1 for the current one (CREATED, REBALANCING, RUNNING, PENDING_SHUTDOWN, NOT_RUNNING, ERROR).',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      for (const state of Object.values(StreamsState)) this.set({ state }, app.state === state ? 1 : 0);
    },
  });
  cacheCounters(registry, app);
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

function labelsOf(spec: MetricSpec, tags: Readonly<Record<string, string>>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const name of spec.labels) labels[name] = tags[name] ?? '';
  return labels;
}

function sensorCounter(registry: Registry, spec: MetricSpec, metrics: StreamsMetrics): void {
  const scale = spec.ms === true ? 1 / 1000 : 1;
  new Counter({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labels,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of metrics.sensors()) {
        if (s.name === spec.source) this.inc(labelsOf(spec, s.tags), (spec.value === 'total' ? s.total : s.count) * scale);
      }
    },
  });
}

function gaugeOf(registry: Registry, spec: MetricSpec, metrics: StreamsMetrics): void {
  new Gauge({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labels,
    registers: [registry],
    collect() {
      this.reset();
      for (const g of metrics.gauges()) if (g.name === spec.source) this.inc(labelsOf(spec, g.tags), g.value);
    },
  });
}

/** Record-cache hits and misses, read off the caching layers of the task stores (they count them anyway). */
function cacheCounters(registry: Registry, app: ObservableStreamsApp): void {
  const caches = function* () {
    for (const { taskId, stores } of app.taskStores()) {
      for (const [name, top] of stores) {
        let layer: unknown = top;
        while (layer !== undefined && layer !== null) {
          if (layer instanceof CachingKeyValueStore) yield { labels: { task_id: taskId, store: name }, cache: layer };
          layer = (layer as { inner?: unknown }).inner;
        }
      }
    }
  };
  for (const [field, help] of [
    ['hits', 'Reads answered by the record cache.'],
    ['misses', 'Reads that went past the record cache to the store.'],
  ] as const) {
    new Counter({
      name: `streams_store_cache_${field}_total`,
      help,
      labelNames: ['task_id', 'store'],
      registers: [registry],
      collect() {
        this.reset();
        for (const { labels, cache } of caches()) this.inc(labels, cache[field]);
      },
    });
  }
}

interface HistogramSeries {
  readonly labels: Record<string, string>;
  readonly bounds: Float64Array;
  readonly buckets: Float64Array;
  count: number;
  sum: number;
}

/**
 * A histogram whose buckets are the sensors' own. prom-client's Histogram can only observe values one by one,
 * so this implements the small interface its Registry reads (name, help, type, get(), reset()) instead.
 */
class SensorHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #spec: MetricSpec;
  readonly #metrics: StreamsMetrics;

  constructor(spec: MetricSpec, metrics: StreamsMetrics) {
    this.name = spec.name;
    this.help = spec.help;
    this.#spec = spec;
    this.#metrics = metrics;
  }

  reset(): void {
    // The sensors are the state; nothing is kept here.
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Array<{ value: number; labels: Record<string, string | number>; metricName: string }> }> {
    const scale = this.#spec.ms === true ? 1 / 1000 : 1;
    const series = new Map<string, HistogramSeries>();
    for (const s of this.#metrics.sensors()) {
      if (s.name !== this.#spec.source) continue;
      merge(series, labelsOf(this.#spec, s.tags), s);
    }
    const values: Array<{ value: number; labels: Record<string, string | number>; metricName: string }> = [];
    for (const { labels, bounds, buckets, count, sum } of series.values()) {
      let cumulative = 0;
      for (let i = 0; i < bounds.length; i++) {
        cumulative += buckets[i];
        values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: bounds[i] * scale }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: count });
      values.push({ metricName: `${this.name}_sum`, labels, value: sum * scale });
      values.push({ metricName: `${this.name}_count`, labels, value: count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

/** Sums sensors that land on the same labels; their bounds agree when they share a name. */
function merge(series: Map<string, HistogramSeries>, labels: Record<string, string>, sensor: Sensor): void {
  const key = JSON.stringify(labels);
  const existing = series.get(key);
  if (existing === undefined) {
    series.set(key, { labels, bounds: sensor.bounds, buckets: Float64Array.from(sensor.buckets), count: sensor.count, sum: sensor.total });
    return;
  }
  if (existing.bounds.length === sensor.bounds.length) for (let i = 0; i < sensor.buckets.length; i++) existing.buckets[i] += sensor.buckets[i];
  existing.count += sensor.count;
  existing.sum += sensor.total;
}
