/** The inbox's rows: every open gate across runs, with the gate's details from its run's status. */
import type { BatonApi } from '../../client/api';
import type { InboxItem } from '../../client/api-schemas';
import { sha256Hex } from '../../shared/governance';
import type { OpenGate, RunStatus } from '../../shared/status';

export interface InboxRow {
  item: InboxItem;
  /** The open gate as the run's status shows it; absent when the run did not answer. */
  gate?: OpenGate;
}

export interface InboxFilter {
  kind?: string;
  template?: string;
  q?: string;
}

/** Reads the inbox and each run's status (once per run, in parallel). */
export async function inboxRows(api: BatonApi): Promise<InboxRow[]> {
  const items = await api.inbox();
  const ids = [...new Set(items.filter((i) => !i.unanswered).map((i) => i.workflowId))];
  const statuses = new Map<string, RunStatus>();
  await Promise.all(
    ids.map(async (id) => {
      const status = await api.status({ id }).catch(() => undefined);
      if (status) statuses.set(id, status);
    }),
  );
  return items.map((item) => {
    const gate = statuses.get(item.workflowId)?.gates.find((g) => g.phase === item.phase);
    return gate ? { item, gate } : { item };
  });
}

const text = (row: InboxRow) =>
  [row.item.workflowId, row.item.template, row.item.phase, row.gate?.title, row.item.instructions, row.gate?.kind ?? row.item.kind]
    .filter(Boolean)
    .join(' ')
    .toLowerCase();

export function filterRows(rows: readonly InboxRow[], filter: InboxFilter): InboxRow[] {
  const q = filter.q?.trim().toLowerCase();
  return rows.filter(
    (row) =>
      (!filter.kind || (row.gate?.kind ?? row.item.kind) === filter.kind) &&
      (!filter.template || row.item.template === filter.template) &&
      (!q || text(row).includes(q)),
  );
}

/** A checkbox's value for a gate: `<run id> <gate id>` (run ids hold no spaces). */
export const gateKey = (id: string, gate: string) => `${id} ${gate}`;

export function parseGateKey(key: string): { id: string; gate: string } | undefined {
  const space = key.lastIndexOf(' ');
  if (space <= 0) return undefined;
  return { id: key.slice(0, space), gate: key.slice(space + 1) };
}

/** What makes the inbox's rows change (not their ages), hashed: the live stream's key. */
export const inboxKey = (rows: readonly InboxRow[]) =>
  sha256Hex(JSON.stringify(rows.map((r) => [r.item.workflowId, r.gate?.id ?? r.item.phase, r.gate?.digest, r.gate?.approvers]))).slice(0, 16);
