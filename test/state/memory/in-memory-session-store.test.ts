import { inMemorySessionStoreSupplier } from '../../../state/memory/in-memory-session-store.ts';
import { sessionStoreCases } from '../../helpers/windowed-store-cases.ts';

sessionStoreCases('in-memory', inMemorySessionStoreSupplier);
