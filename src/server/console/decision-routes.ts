/**
 * The console's decisions: one gate's decide form, and the inbox's batch approval (a confirmation
 * step, then one `approve` per gate). Always as the logged-in user; a user who may not decide gets
 * a 403 whatever the page showed; bad modify input re-renders the gate with the field's problem.
 */
import { Hono, type Context } from 'hono';
import { GATE_KINDS } from '../../shared/gate-kinds';
import type { AgentInputSchemas } from '../../shared/input-schema';
import { DECISION_ACTIONS, type DecisionAction } from '../../shared/messages';
import type { AppEnv, Principal } from '../principal';
import { decideAsUser, refusalOf } from './decide';
import { ConsoleError, statusOf } from './errors';
import { batchResultPage, confirmPage, type BatchItem } from './inbox';
import { parseGateKey } from './inbox-data';
import { sendPage } from './layout';
import { parseModify } from './modify-forms';
import { gatePage } from './page-routes';
import { postedFields } from './schema-form';
import type { ViewContext } from './views';

const field = (form: Record<string, unknown>, name: string) => {
  const value = form[name];
  const last = Array.isArray(value) ? value.at(-1) : value;
  return typeof last === 'string' ? last : undefined;
};

function userOf(c: Context<AppEnv>): Principal {
  const principal = c.get('principal');
  if (!principal) throw new ConsoleError(403, 'Log in to decide.', 'Open /login and enter your token.');
  return principal;
}

export function decisionRoutes(ctx: ViewContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/runs/:id/gates/:gate/decide', async (c) => {
    const principal = userOf(c);
    const id = c.req.param('id');
    const gateId = c.req.param('gate');
    const form = await c.req.parseBody({ all: true });
    const action = field(form, 'action') ?? '';
    const comment = (field(form, 'comment') ?? '').trim();
    const status = await ctx.api.status({ id });
    const gate = status.gates.find((g) => g.id === gateId);
    if (!gate) return sendPage(c, await gatePage(ctx, id, gateId, principal), 409);
    const refusal = refusalOf(principal, gate, ctx.decide);
    if (refusal) throw new ConsoleError(403, refusal, 'Ask one of the gate\'s approvers to decide it.');
    const actions: readonly string[] = GATE_KINDS[gate.kind].actions;
    if (!(DECISION_ACTIONS as readonly string[]).includes(action) || !actions.includes(action)) {
      throw new ConsoleError(400, `action "${action.slice(0, 50)}" is not one a ${gate.kind} gate takes`, `Use one of: ${actions.join(', ')}.`);
    }
    let changes: Record<string, unknown> | undefined;
    const rerender = (posted: Record<string, string>, problems: Record<string, string>) =>
      gatePage(ctx, id, gateId, principal, { posted, problems, comment });
    if (action === 'modify') {
      const posted = postedFields(form);
      const parsed = parseModify({ gate, ...(await schemaOf(ctx, status.phases, gate.phase)) }, posted);
      if (!parsed.changes) return sendPage(c, await rerender(posted, parsed.problems), 400);
      changes = parsed.changes;
    }
    try {
      const result = await decideAsUser(ctx.api, principal, id, { gate, action: action as DecisionAction, ...(comment ? { comment } : {}), ...(changes ? { changes } : {}) }, ctx.decide);
      if (result.outcome === 'already-decided') {
        const d = result.decision;
        throw new ConsoleError(409, `Gate ${gateId} was already decided: ${d.by} chose ${d.action} at ${d.at}.`, 'Open the run page to see where it is now.');
      }
    } catch (error) {
      // The run refused it (a bad change, a gate that moved on): the gate again, with its message.
      if (statusOf(error) !== 400 && statusOf(error) !== 409) throw error;
      return sendPage(c, await rerender(postedFields(form), { '': (error as Error).message }), 400);
    }
    return c.redirect(`/runs/${encodeURIComponent(id)}?decided=${encodeURIComponent(`${gateId} ${action}`)}`, 303);
  });

  app.post('/inbox/approve', async (c) => {
    const principal = userOf(c);
    const form = await c.req.parseBody({ all: true });
    const keys = ([] as unknown[]).concat(form.gate ?? []).filter((k): k is string => typeof k === 'string');
    if (keys.length === 0) throw new ConsoleError(400, 'Select at least one approval gate to approve.', 'Tick the gates in the inbox, then press "Approve selected".');
    if (keys.length > 100) throw new ConsoleError(400, `${keys.length} gates selected; at most 100 at once.`);
    const items: BatchItem[] = await Promise.all(
      keys.map(async (key): Promise<BatchItem> => {
        const ref = parseGateKey(key);
        if (!ref) return { id: key.slice(0, 200), gate: '?', refusal: 'not a gate reference' };
        const status = await ctx.api.status({ id: ref.id }).catch((error: Error) => error);
        if (status instanceof Error) return { ...ref, refusal: status.message };
        const gate = status.gates.find((g) => g.id === ref.gate);
        if (!gate) return { ...ref, refusal: 'the gate is no longer open' };
        if (gate.kind !== 'approval') return { ...ref, title: gate.title, refusal: `a ${gate.kind} gate is not batch-approved` };
        const refusal = refusalOf(principal, gate, ctx.decide);
        if (refusal) return { ...ref, title: gate.title, refusal };
        if (field(form, 'confirm') !== 'yes') return { ...ref, title: gate.title };
        const comment = (field(form, 'comment') ?? '').trim();
        try {
          const result = await decideAsUser(ctx.api, principal, ref.id, { gate, action: 'approve', ...(comment ? { comment } : {}) }, ctx.decide);
          if (result.outcome === 'already-decided') return { ...ref, title: gate.title, result: `already decided: ${result.decision.by} chose ${result.decision.action}` };
          return { ...ref, title: gate.title, ok: true, result: `approved as ${principal.user}` };
        } catch (error) {
          return { ...ref, title: gate.title, result: (error as Error).message };
        }
      }),
    );
    if (field(form, 'confirm') !== 'yes') return sendPage(c, confirmPage(items, principal));
    return sendPage(c, batchResultPage(items, principal));
  });
  return app;
}

async function schemaOf(ctx: ViewContext, phases: readonly { id: string; agent: string }[], phaseId: string) {
  const phase = phases.find((p) => p.id === phaseId) ?? phases.find((p) => p.id === phaseId.split('.')[0]);
  const schemas = await ctx.agentSchemas().catch((): AgentInputSchemas => ({}));
  const schema = phase ? schemas[phase.agent] : undefined;
  return schema ? { schema } : {};
}
