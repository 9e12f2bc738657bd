// risk-streams: Kafka Streams-style stream processing in TypeScript. The public surface.
export * from './topology/index.ts';
export * from './state/index.ts';
export { Serdes, type Serde, type Serializer, type Deserializer } from './common/serdes.ts';
export type { StreamRecord, KeyValue, Headers } from './common/record.ts';
export {
  StreamsError,
  ConfigError,
  TopologyError,
  DeserializationError,
  ProcessingError,
  StateStoreError,
  TaskMigratedError,
} from './common/errors.ts';
export { ManualClock, systemClock, type Clock } from './common/time.ts';
export {
  PunctuationType,
  type Processor,
  type ProcessorContext,
  type ProcessorSupplier,
  type Punctuator,
  type Cancellable,
  type Change,
} from './operators/api/processor.ts';
export { streamsConfig, ProcessingGuarantee, type StreamsConfig, type StreamsConfigInput } from './runtime/config.ts';
export { DLQ_HEADERS, type ErrorHandler, type ErrorContext } from './runtime/errors/exception-handlers.ts';
export { EmbeddedStreamsApp, StreamsState } from './runtime/embedded/embedded-streams-app.ts';
export { InMemoryCluster } from './runtime/embedded/in-memory-cluster.ts';
