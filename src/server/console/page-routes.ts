/** The console's read pages: a run, one gate, an artifact, a phase's diff; and starting a run. */
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { AppEnv } from '../principal';
import { ConsoleError, statusOf } from './errors';
import { gatePanel, type GatePanelInput } from './gate-panel';
import { page, sendPage } from './layout';
import { preview, previewText } from './preview';
import { phaseDiff } from './run-data';
import { runPage } from './run-page';
import { paramFields, parseFields, postedFields } from './schema-form';
import { startFormPage, templatesPage } from './start';
import { gateInput, runView, type ViewContext } from './views';

const back = (id: string) => html`<p><a href="/runs/${encodeURIComponent(id)}">← Run <code>${id}</code></a></p>`;

/** The page of one gate, optionally re-rendered with a bad post's problems. */
export async function gatePage(ctx: ViewContext, id: string, gateId: string, principal: AppEnv['Variables']['principal'], extra: Partial<GatePanelInput> = {}) {
  const status = await ctx.api.status({ id });
  const gate = status.gates.find((g) => g.id === gateId);
  if (!gate) {
    const decided = status.decisions.filter((d) => d.gate === gateId).at(-1);
    throw new ConsoleError(
      409,
      `Gate ${gateId} of run ${id} is not open${decided ? `: ${decided.by} chose ${decided.action} at ${decided.at}` : ''}.`,
      'Open the run page to see its open gates.',
    );
  }
  const input = { ...(await gateInput(ctx, id, status, gate, principal)), ...extra };
  return page({ title: `${gate.id} · ${id}`, principal, body: html`${back(id)}${gatePanel(input)}` });
}

export function pageRoutes(ctx: ViewContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/runs/:id', async (c) => sendPage(c, runPage(await runView(ctx, c.req.param('id'), c.get('principal')), c.get('principal'))));
  app.get('/runs/:id/gates/:gate', async (c) => sendPage(c, await gatePage(ctx, c.req.param('id'), c.req.param('gate'), c.get('principal'))));
  app.get('/runs/:id/artifacts/:sha256', async (c) => {
    const id = c.req.param('id');
    const sha = c.req.param('sha256');
    const status = await ctx.api.status({ id });
    // Only artifacts this run produced: the page never reads an arbitrary store entry.
    const found = status.phases.flatMap((p) => (p.artifacts ?? []).map((a) => ({ phase: p.id, a }))).find((x) => x.a.sha256 === sha);
    if (!found) throw new ConsoleError(404, `Run ${id} has no artifact with sha256 ${sha.slice(0, 64)}.`, 'The run page lists its artifacts.');
    const { bytes } = await ctx.api.artifact({ uri: found.a.uri });
    return sendPage(c, page({
      title: found.a.name,
      principal: c.get('principal'),
      body: html`${back(id)}<h1><code>${found.a.name}</code> <small class="muted">${found.phase} · ${found.a.mediaType} · ${found.a.bytes} bytes</small></h1><div data-testid="artifact">${preview(found.a.name, bytes)}</div>`,
    }));
  });
  app.get('/runs/:id/phases/:phase/diff', async (c) => {
    const id = c.req.param('id');
    const phase = c.req.param('phase');
    const diff = await phaseDiff(await ctx.api.status({ id }), phase);
    const body = diff === undefined
      ? html`<p class="muted">No diff: the phase has no commit, or the run's workspace is not on this machine.</p>`
      : previewText('diff', diff);
    return sendPage(c, page({ title: `${phase} diff`, principal: c.get('principal'), body: html`${back(id)}<h1>Diff of <code>${phase}</code></h1>${body}` }));
  });

  const template = async (name: string) => {
    const found = (await ctx.api.templates()).find((t) => t.name === name);
    if (!found) throw new ConsoleError(404, `No template named "${name.slice(0, 200)}".`, 'Pick one on the start page.');
    return found;
  };
  app.get('/start', async (c) => sendPage(c, templatesPage(await ctx.api.templates(), c.get('principal'))));
  app.get('/start/:template', async (c) => sendPage(c, startFormPage(await template(c.req.param('template')), c.get('principal'))));
  app.post('/start/:template', async (c) => {
    const t = await template(c.req.param('template'));
    const form = await c.req.parseBody({ all: true });
    const posted = postedFields(form);
    const id = typeof form.id === 'string' ? form.id.trim() : '';
    const { values, problems } = parseFields(paramFields(t.params), posted, 'start');
    const state = { posted, problems, ...(id ? { id } : {}) };
    if (Object.keys(problems).length > 0) return sendPage(c, startFormPage(t, c.get('principal'), state), 400);
    try {
      const agents = ctx.agentNames ? { agents: await ctx.agentNames() } : {};
      const started = await ctx.api.start({ template: t.name, params: values, ...agents, ...(id ? { id } : {}) });
      return c.redirect(`/runs/${encodeURIComponent(started.workflowId)}`, 303);
    } catch (error) {
      if (statusOf(error) !== 400) throw error;
      return sendPage(c, startFormPage(t, c.get('principal'), { ...state, error: (error as Error).message }), 400);
    }
  });
  return app;
}
