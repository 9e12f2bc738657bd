import { rocksDbSessionStoreSupplier } from '../../../state/rocksdb/rocksdb-session-store.ts';
import { sessionStoreCases } from '../../helpers/windowed-store-cases.ts';

sessionStoreCases('rocksdb', rocksDbSessionStoreSupplier);
