// The offline records kept on this computer: search, list and delete, with the handover PDFs made from them
// (each removal audited by the store).
import { normaliseNhsNumber } from '../../../common/nhs-number';
import { BridgeError, type BridgeHandlers } from '../bridge/dispatch';
import type { OfflineCache } from '../cache/offline-cache';

export type OfflineRecordHandlers = Pick<
  BridgeHandlers,
  'cache:search' | 'cache:list' | 'cache:delete' | 'cache:delete-all'
>;

export function offlineRecordHandlers(cache: OfflineCache | undefined): OfflineRecordHandlers {
  const store = (): OfflineCache => {
    if (!cache) throw new BridgeError('unavailable', 'Offline records are unavailable on this computer.');
    return cache;
  };
  return {
    'cache:search': async ({ query }) => store().search(query),
    'cache:list': async () => store().list(),
    'cache:delete': async ({ nhsNumber }) => ({
      deleted: await store().delete(normaliseNhsNumber(nhsNumber)),
    }),
    'cache:delete-all': async () => {
      const { records, exports } = await store().deleteAllWithExports();
      return { deleted: records, handoverPdfs: exports };
    },
  };
}
