/** The gate tools: get_pending_approvals (the inbox, with gate ids) and handle_approval. */
import type { McpServer } from '@modelcontextprotocol/server';
import type { BatonApi } from '../client/api';
import { decideAs, gateApprovers, mayDecide, type DecideAsSettings } from '../server/decide-as';
import type { Principal } from '../server/principal';
import { GATE_KINDS } from '../shared/gate-kinds';
import type { OpenGate, RunStatus } from '../shared/status';
import { explained } from './explained';
import { artifactResourceUri, tool } from './result';
import { HandleApprovalInput, HandleApprovalOutput, PendingInput, PendingOutput } from './schemas';

/** The fields every gate has; the rest is what its kind shows (output, reason, sides…). */
const COMMON = new Set([
  'id',
  'kind',
  'phase',
  'title',
  'openedAt',
  'deadline',
  'onTimeout',
  'instructions',
  'digest',
  'approvers',
  'approverNames',
  'minApprovals',
  'approvals',
  'reminders',
  'escalatedAt',
  'policyError',
]);

const showsOf = (gate: OpenGate): Record<string, unknown> =>
  Object.fromEntries(Object.entries(gate).filter(([key]) => !COMMON.has(key)));

export interface GateToolOptions {
  api: BatonApi;
  principal: Principal;
  decide: DecideAsSettings;
}

function pendingOf(
  run: { workflowId: string; parent?: string },
  status: RunStatus,
  options: GateToolOptions,
) {
  return status.gates.map((gate) => {
    // A task's gate (`<phase>.<task>#n`) shows its parallel phase's artifacts.
    const phase = status.phases.find((p) => p.id === gate.phase.split('.')[0]);
    const approvers = gate.approvers ? gateApprovers(gate, options.decide.roles) : undefined;
    return {
      workflowId: run.workflowId,
      ...(status.template ? { template: status.template } : {}),
      gate: gate.id,
      phase: gate.phase,
      kind: gate.kind,
      title: gate.title,
      openedAt: gate.openedAt,
      ...(gate.deadline ? { deadline: gate.deadline } : {}),
      ...(gate.instructions ? { instructions: gate.instructions } : {}),
      ...(approvers ? { approvers } : {}),
      mayDecide: mayDecide(options.principal, gate, options.decide.roles),
      actions: [...GATE_KINDS[gate.kind].actions],
      shows: showsOf(gate),
      artifacts: (phase?.artifacts ?? []).map((a) => ({ name: a.name, uri: artifactResourceUri(a.sha256) })),
      ...(run.parent ? { parent: run.parent } : {}),
    };
  });
}

export function registerGateTools(server: McpServer, options: GateToolOptions): void {
  const { api, principal } = options;
  server.registerTool(
    'get_pending_approvals',
    {
      title: 'Pending approvals',
      description:
        'Every open gate across runs (the inbox): its gate id, what it shows (the phase output, artifacts), ' +
        'its approvers and whether you may decide it. Decide one with handle_approval.',
      inputSchema: explained(PendingInput),
      outputSchema: PendingOutput,
      annotations: { readOnlyHint: true },
    },
    tool(async ({ id, template }) => {
      const runs = new Map<string, { workflowId: string; parent?: string }>();
      for (const item of await api.inbox()) {
        if ((id && item.workflowId !== id) || (template && item.template !== template)) continue;
        runs.set(item.workflowId, {
          workflowId: item.workflowId,
          ...(item.parent ? { parent: item.parent } : {}),
        });
      }
      const statuses = await Promise.all(
        [...runs.values()].map((run) => api.status({ id: run.workflowId }).catch(() => undefined)),
      );
      const approvals = [...runs.values()].flatMap((run, i) => {
        const status = statuses[i];
        return status ? pendingOf(run, status, options) : [];
      });
      return { approvals };
    }),
  );

  server.registerTool(
    'handle_approval',
    {
      title: 'Decide a gate',
      description:
        `Approves, rejects, retries, skips or modifies an open gate, as you (${principal.user}). ` +
        'Idempotent: deciding a gate already decided answers with the decision taken (outcome already-decided).',
      inputSchema: explained(HandleApprovalInput),
      outputSchema: HandleApprovalOutput,
      annotations: { idempotentHint: true },
    },
    tool(async ({ id, gate, action, comment, changes }) => {
      const result = await decideAs(
        api,
        principal,
        { id, gate, action, ...(comment !== undefined ? { comment } : {}), ...(changes ? { changes } : {}) },
        options.decide,
      );
      if (result.outcome === 'decided')
        return {
          outcome: result.outcome,
          workflowId: id,
          gate: result.gate,
          action: result.action,
          by: result.by,
        };
      const { decision } = result;
      return {
        outcome: result.outcome,
        workflowId: id,
        gate: result.gate,
        action: decision.action,
        by: decision.by,
        at: decision.at,
        ...(decision.comment ? { comment: decision.comment } : {}),
      };
    }),
  );
}
