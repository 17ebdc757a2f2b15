/** Builds what the run page and the gate panel show, from status, audit and this machine's agents. */
import type { BatonApi } from '../../client/api';
import { sha256Hex } from '../../shared/governance';
import type { AgentInputSchemas } from '../../shared/input-schema';
import type { OpenGate, RunStatus } from '../../shared/status';
import type { Principal } from '../principal';
import { refusalOf, type DecideAsSettings } from './decide';
import { approversText } from './inbox';
import type { GatePanelInput } from './gate-panel';
import { auditEntries, phaseDiff } from './run-data';
import type { RunView } from './run-page';
import { barsFromAudit, barsFromStatus, reconcileGates } from './timeline';

export interface ViewContext {
  api: BatonApi;
  /** Who may decide (roles) and how decisions are signed. */
  decide: DecideAsSettings;
  agentSchemas: () => Promise<AgentInputSchemas>;
  /** The agents a start is checked against; default: this machine's (the client API's own check). */
  agentNames?: () => Promise<string[]>;
  temporalUiUrl?: string;
  namespace: string;
}

/** The phase a gate belongs to: `<phase>` or, for a task's gate, the parallel phase of `<phase>.<task>`. */
const phaseOf = (status: RunStatus, gate: OpenGate) =>
  status.phases.find((p) => p.id === gate.phase) ?? status.phases.find((p) => p.id === gate.phase.split('.')[0]);

export async function gateInput(
  ctx: ViewContext,
  id: string,
  status: RunStatus,
  gate: OpenGate,
  principal: Principal | undefined,
): Promise<GatePanelInput> {
  const phase = phaseOf(status, gate);
  const schemas = await ctx.agentSchemas().catch((): AgentInputSchemas => ({}));
  const schema = phase ? schemas[phase.agent] : undefined;
  const diff = phase ? await phaseDiff(status, phase.id) : undefined;
  const refusal = refusalOf(principal, gate, ctx.decide);
  return {
    runId: id,
    gate,
    approvers: approversText(gate, ctx.decide),
    ...(phase ? { phase } : {}),
    ...(schema ? { schema } : {}),
    ...(diff !== undefined ? { diff } : {}),
    ...(refusal ? { refusal } : {}),
  };
}

export function temporalLink(ctx: ViewContext, id: string): string | undefined {
  if (!ctx.temporalUiUrl) return undefined;
  return `${ctx.temporalUiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(ctx.namespace)}/workflows/${encodeURIComponent(id)}`;
}

export async function runView(ctx: ViewContext, id: string, principal: Principal | undefined, status?: RunStatus): Promise<RunView> {
  const s = status ?? (await ctx.api.status({ id }));
  const now = Date.now();
  const entries = await auditEntries(ctx.api, id);
  const bars = entries && entries.length > 0 ? reconcileGates(barsFromAudit(entries, now), s, now) : barsFromStatus(s, now);
  const gates = await Promise.all(s.gates.map((g) => gateInput(ctx, id, s, g, principal)));
  const link = temporalLink(ctx, id);
  return { id, status: s, bars, gates, ...(link ? { temporalLink: link } : {}) };
}

const short = (text: string) => sha256Hex(text).slice(0, 16);

/**
 * The live stream's keys of a run page: the gate panels change with their ids, digests and
 * approvals (not their ages, so a form being filled is not swapped away); the body with any status.
 */
export function runKeys(s: RunStatus): { gates: string; run: string } {
  const { gates, ...rest } = s;
  return {
    gates: short(JSON.stringify(gates.map((g) => [g.id, g.digest, g.approvals, g.approvers, 'error' in g ? g.error : undefined]))),
    run: short(JSON.stringify({ rest, open: gates.map((g) => g.id) })),
  };
}
