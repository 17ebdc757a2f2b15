/**
 * The run's own audit records (src/shared/audit-record.ts) → audit entries. The run writes them
 * through the local activity `recordAudit`, so they sit in `core_local_activity` markers: the
 * marker's `data` names the activity, its `result` is the array of records.
 */
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { LoadedDataConverter, Payload } from '@temporalio/common';
import { AuditRecordSchema, RECORD_AUDIT_ACTIVITY, type AuditRecord } from '../../shared/audit-record';
import type { AuditEntry } from './schema';

const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/** True for the marker of a `recordAudit` local activity. */
export async function isAuditMarker(
  converter: LoadedDataConverter,
  markerName: string | null | undefined,
  data: Payload[] | null | undefined,
): Promise<boolean> {
  if (markerName !== LOCAL_ACTIVITY_MARKER || !data?.length) return false;
  // The marker's `data` is the SDK core's own bookkeeping; codecs pass it through (they only decode
  // what they encoded), but one that does not must not hide the audit: read it as plain JSON then.
  const info = await decodeFromPayloadsAtIndex<{ activity_type?: unknown }>(converter, 0, data).catch(() =>
    converter.payloadConverter.fromPayload<{ activity_type?: unknown }>(data[0] as Payload),
  );
  return info?.activity_type === RECORD_AUDIT_ACTIVITY;
}

type Of<T extends AuditRecord['type']> = Extract<AuditRecord, { type: T }>;

/** One mapping per record type: most keep their fields, a few rename one. */
const TO_ENTRY: { [T in AuditRecord['type']]: (record: Of<T>, run: string) => AuditEntry } = {
  governance: (r, run) => ({ ...r, run }),
  'gate-opened': (r, run) => ({ ...r, run }),
  decision: ({ signedAt: _signedAt, ...r }, run) => ({ ...r, run }),
  ignored: (r, run) => ({ ...r, run }),
  reminder: (r, run) => ({ ...r, run }),
  escalation: (r, run) => ({ ...r, run }),
  timeout: ({ outcome, ...r }, run) => ({ ...r, run, action: outcome }),
  'policy-error': ({ error, ...r }, run) => ({ ...r, run, reason: error }),
};

/**
 * The entries of one marker's records. A record this client cannot parse (a newer Baton's type,
 * say) is counted, not guessed at.
 */
export function entriesOfRecords(
  run: string,
  records: unknown,
): { entries: AuditEntry[]; unreadable: number } {
  const list = Array.isArray(records) ? records : [records];
  const entries: AuditEntry[] = [];
  let unreadable = 0;
  for (const item of list) {
    const parsed = AuditRecordSchema.safeParse(item);
    if (!parsed.success) {
      unreadable++;
      continue;
    }
    const record = parsed.data;
    entries.push((TO_ENTRY[record.type] as (r: AuditRecord, run: string) => AuditEntry)(record, run));
  }
  return { entries, unreadable };
}
