// Fetch and merge in one call, ungoverned: for tests, benchmarks and diagnostics. Clinical read paths go
// through the offline layer's RecordReader, which governs before anything is kept or shown.
import { CRITICAL_SECTIONS, type RecordEvent, type WessexRecord } from '../../../common/record';
import { buildRecord } from './build-record';
import { fetchSnapshot, type SnapshotRequest } from './engine';
import { urgentCareEvents } from './progress-events';

export interface RecordRequest extends Omit<SnapshotRequest, 'onSource' | 'onProgress'> {
  onEvent?: (event: RecordEvent) => void;
}

export async function assembleRecord(request: RecordRequest): Promise<WessexRecord> {
  const { onEvent, ...rest } = request;
  const emit = (event: RecordEvent) => onEvent?.(event);
  const snapshot = await fetchSnapshot({
    ...rest,
    ...(onEvent
      ? {
          onSource: (source) => emit({ type: 'source', requestId: request.requestId, source }),
          onProgress: ({ snapshot: sofar }) => {
            const partial = buildRecord(sofar, { identity: request.identity, sections: CRITICAL_SECTIONS });
            for (const event of urgentCareEvents(partial, request.requestId)) emit(event);
          },
        }
      : {}),
  });
  const record = buildRecord(snapshot, { identity: request.identity });
  emit({ type: 'record', requestId: request.requestId, record });
  return record;
}
