/**
 * What reading one history keeps between its events, and the helpers every event handler uses.
 * Payloads are always decoded through the client's loaded data converter (codecs included).
 */
import type { LoadedDataConverter, Payload } from '@temporalio/common';
import {
  decodeFromPayloadsAtIndex,
  decodeOptionalFailureToOptionalError,
} from '@temporalio/common/lib/internal-non-workflow';
import type { temporal } from '@temporalio/proto';
import type { AuditEntry } from './schema';

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Payloads = Payload[] | null | undefined;

/** Fetches the history of a child workflow (a parallel task), given its ids. */
export type FetchHistory = (workflowId: string, runId: string) => Promise<temporal.api.history.v1.IHistory>;

/** What reading one history keeps between its events. */
export interface Reader {
  run: string;
  converter: LoadedDataConverter;
  fetch: FetchHistory;
  /** Set while reading a `task` child: its attempts are tagged with the phase and the task. */
  task?: { phase: string; task: string; workflow: string };
  /** runAgent activities by scheduled event id, with the attempt their start reported. */
  scheduled: Map<string, { phase: string; agent?: string; phaseRun?: number; attempt?: number }>;
  /** decide updates by update id, to set `applied` when their answer comes. */
  updates: Map<string, Extract<AuditEntry, { type: 'decision-received' }>>;
  pendingGates: string[];
  /** Entries from the run's own records, and those read from raw events (used when it has none). */
  recorded: AuditEntry[];
  observed: AuditEntry[];
  /** The entries of a parallel phase's task children. */
  children: AuditEntry[];
  hadRecords: boolean;
  unreadable: number;
  started?: { runId: string; template?: string };
}

/** An event's time. Seconds come as a Long from the server and as a number from JSON histories. */
export function at(event: HistoryEvent): string {
  const { seconds, nanos } = event.eventTime ?? {};
  return new Date(Number(String(seconds ?? 0)) * 1000 + Math.floor((nanos ?? 0) / 1e6)).toISOString();
}

export const decode = <T>(reader: Reader, payloads: Payloads, index = 0): Promise<T | undefined> =>
  payloads?.length
    ? decodeFromPayloadsAtIndex<T>(reader.converter, index, payloads)
    : Promise.resolve(undefined);

export async function failureMessage(reader: Reader, failure: unknown): Promise<string> {
  const error = await decodeOptionalFailureToOptionalError(
    reader.converter,
    failure as Parameters<typeof decodeOptionalFailureToOptionalError>[1],
  );
  return error?.message ?? 'no reason recorded';
}

export const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
export const object = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};

export type Handler = (reader: Reader, event: HistoryEvent) => Promise<void>;
