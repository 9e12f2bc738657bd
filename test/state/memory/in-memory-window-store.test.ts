import { expect, it } from 'vitest';
import { inMemoryWindowStoreSupplier } from '../../../state/memory/in-memory-window-store.ts';
import { windowStoreCases } from '../../helpers/windowed-store-cases.ts';

windowStoreCases('in-memory', inMemoryWindowStoreSupplier);

it('refuses a retention shorter than the window size', () => {
  expect(() => inMemoryWindowStoreSupplier('w', 5, 10)).toThrow(/retention \(5 ms\) must be no smaller than the window size/);
});
