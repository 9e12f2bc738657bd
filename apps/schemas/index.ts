// Record schemas and topics of the risk apps.
export * from './records.ts';
export * from './topics.ts';
