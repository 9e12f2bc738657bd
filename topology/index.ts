// Public surface of the DSL and the processor graph.
export { StreamsBuilder, type StreamsBuilderOptions } from './streams-builder.ts';
export { KStream, BranchedKStream } from './kstream.ts';
export { KTable } from './ktable.ts';
export { KGroupedStream } from './grouped-stream.ts';
export { KGroupedTable } from './grouped-table.ts';
export { GlobalKTable } from './global-ktable.ts';
export { Topology, type TimestampExtractor, type TopicNameExtractor, type StreamPartitioner } from './topology.ts';
export type { TopologyDescription } from './describe.ts';
export { Named, Consumed, Produced, Grouped, Materialized, Branched, type Repartitioned, type StoreType } from './options.ts';
