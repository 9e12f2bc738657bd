// The streams settings every risk app shares: malformed input goes to the dead-letter topic with the reason
// and processing continues; a failing processor stops the app (the router must never guess).

import { InvalidRecordError } from '../common/errors.ts';
import type { StreamsConfigInput } from '../runtime/config.ts';
import { Topics } from './schemas/topics.ts';

export function appStreamsConfig(applicationId: string, overrides: Partial<StreamsConfigInput> = {}): StreamsConfigInput {
  return {
    applicationId,
    deserializationExceptionHandler: 'logAndContinue',
    // Records that break a topic rule are dead-lettered; any other processing error stops the app.
    processingExceptionHandler: (_context, error) => (error instanceof InvalidRecordError ? 'continue' : 'fail'),
    deadLetterQueueTopic: Topics.DEAD_LETTER,
    ...overrides,
  };
}

/** Deterministic ids for records the apps derive, so a replay of the same input yields the same ids. */
export function derivedId(...parts: ReadonlyArray<string | number>): string {
  return parts.join(':');
}
