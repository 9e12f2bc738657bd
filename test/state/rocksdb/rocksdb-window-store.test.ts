import { rocksDbWindowStoreSupplier } from '../../../state/rocksdb/rocksdb-window-store.ts';
import { windowStoreCases } from '../../helpers/windowed-store-cases.ts';

windowStoreCases('rocksdb', rocksDbWindowStoreSupplier);
