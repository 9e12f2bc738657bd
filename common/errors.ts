// Errors the library raises. Each carries a stable code and says what to do about it.

export class StreamsError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A configuration value is missing, of the wrong type or out of range; the message names the key. */
export class ConfigError extends StreamsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STREAMS_CONFIG', message, options);
  }
}

/** The topology is malformed (unknown parent, duplicate name, store not connected...). Fix the code that builds it. */
export class TopologyError extends StreamsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STREAMS_TOPOLOGY', message, options);
  }
}

/** A record's key or value could not be deserialized. Names topic, partition and offset. */
export class DeserializationError extends StreamsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STREAMS_DESERIALIZATION', message, options);
  }
}

/** A processor threw while handling a record and the handler answered 'fail'. The task stops. */
export class ProcessingError extends StreamsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STREAMS_PROCESSING', message, options);
  }
}

/** A record is well-formed but breaks a rule of its topic (e.g. key ≠ scope). Handlers may dead-letter it. */
export class InvalidRecordError extends StreamsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STREAMS_INVALID_RECORD', message, options);
  }
}

/** A state store was used wrongly (closed, not found, not connected to the processor). */
export class StateStoreError extends StreamsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STREAMS_STATE_STORE', message, options);
  }
}

/** The task no longer belongs to this instance: drop it and rejoin the group. */
export class TaskMigratedError extends StreamsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STREAMS_TASK_MIGRATED', message, options);
  }
}

export function describeError(error: unknown): { name: string; message: string; stack: string } {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack ?? '' };
  return { name: 'Error', message: String(error), stack: '' };
}
