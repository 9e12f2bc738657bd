// A processor instantiated for one task, with its own context: `forward` calls the children's
// `process` directly, so a record crosses the sub-topology as plain function calls.

import { StateStoreError } from '../common/errors.ts';
import type { StreamsMetrics } from '../common/metrics.ts';
import type { StreamRecord } from '../common/record.ts';
import type {
  Cancellable,
  Processor,
  ProcessorContext,
  Punctuator,
  PunctuationType,
  RecordMetadata,
} from '../operators/api/processor.ts';
import type { StateStore } from '../state/api/state-store.ts';
import type { TaskContext } from './task-context.ts';

export interface RuntimeNode {
  readonly name: string;
  process(record: StreamRecord<any, any>): void;
  init(): void;
  close(): void;
}

export interface Scheduler {
  schedule(node: RuntimeNode, intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable;
}

export class ProcessorRuntimeNode implements RuntimeNode, ProcessorContext<any, any> {
  readonly name: string;
  readonly processor: Processor<any, any, any, any>;
  readonly #task: TaskContext;
  readonly #scheduler: Scheduler;
  readonly #allowedStores: ReadonlySet<string>;
  #children: RuntimeNode[] = [];
  #childByName = new Map<string, RuntimeNode>();
  #single: RuntimeNode | null = null;

  constructor(name: string, processor: Processor<any, any, any, any>, task: TaskContext, scheduler: Scheduler, stores: ReadonlySet<string>) {
    this.name = name;
    this.processor = processor;
    this.#task = task;
    this.#scheduler = scheduler;
    this.#allowedStores = stores;
  }

  setChildren(children: RuntimeNode[]): void {
    this.#children = children;
    this.#childByName = new Map(children.map((c) => [c.name, c]));
    this.#single = children.length === 1 ? children[0] : null;
  }

  init(): void {
    this.processor.init?.(this);
  }

  process(record: StreamRecord<any, any>): void {
    this.processor.process(record);
  }

  close(): void {
    this.processor.close?.();
  }

  // ProcessorContext

  get applicationId(): string {
    return this.#task.applicationId;
  }
  get taskId(): string {
    return this.#task.taskId;
  }
  get metrics(): StreamsMetrics {
    return this.#task.metrics;
  }

  recordMetadata(): RecordMetadata | null {
    const record = this.#task.currentRecord;
    return record === null ? null : { topic: record.topic, partition: record.partition, offset: record.offset };
  }

  currentStreamTimeMs(): number {
    return this.#task.streamTime;
  }

  currentSystemTimeMs(): number {
    return this.#task.clock.now();
  }

  forward(record: StreamRecord<any, any>, childName?: string): void {
    const saved = this.#task.currentTimestamp;
    this.#task.currentTimestamp = record.timestamp;
    if (childName !== undefined) {
      const child = this.#childByName.get(childName);
      if (child === undefined) throw new StateStoreError(`${this.name} has no child named ${childName}`);
      child.process(record);
    } else if (this.#single !== null) {
      this.#single.process(record);
    } else {
      for (const child of this.#children) child.process(record);
    }
    this.#task.currentTimestamp = saved;
  }

  getStateStore<S extends StateStore>(name: string): S {
    const global = this.#task.globalStores.get(name);
    if (global !== undefined) return global as S;
    if (!this.#allowedStores.has(name)) {
      throw new StateStoreError(
        `processor ${this.name} has no access to store ${name}: connect it (addStateStore/connectProcessorAndStateStores or process(..., storeNames))`,
      );
    }
    const store = this.#task.stores.get(name);
    if (store === undefined) throw new StateStoreError(`store ${name} does not exist in task ${this.taskId}`);
    return store as S;
  }

  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable {
    return this.#scheduler.schedule(this, intervalMs, type, punctuator);
  }

  commit(): void {
    this.#task.commitRequested = true;
  }
}
