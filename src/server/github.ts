/**
 * The GitHub webhook route: verifies `X-Hub-Signature-256` over the raw body, then starts a run
 * for each configured trigger the event matches. The run id is derived from `X-GitHub-Delivery`,
 * so a redelivery finds the run already started and starts nothing new.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { Hono } from 'hono';
import type { BatonApi } from '../client/api';
import { BatonError } from '../client/errors';
import type { GithubTrigger } from '../config/github';

export interface GithubRouteOptions {
  api: BatonApi;
  /** The HMAC secret GitHub signs with; the route refuses every delivery without one. */
  secret: string;
  triggers: readonly GithubTrigger[];
}

/** GitHub's delivery ids are GUIDs; anything else is refused before it names a run. */
const DELIVERY = /^[A-Za-z0-9-]{1,64}$/;
const EVENT_NAME = /^[a-z_]{1,64}$/;
/** A templated param is cut here: an issue body can be far longer than a run needs to carry. */
const PARAM_CHARS = 4000;

/** Constant-time check of `sha256=<hex>` against the HMAC of the raw body. */
export function signatureValid(secret: string, body: Uint8Array, header: string | undefined): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** `{{a.b.c}}` from the payload; a missing or null value is empty. */
function render(text: string, payload: unknown): string {
  const value = text.replace(/\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g, (_m, path: string) => {
    let at: unknown = payload;
    for (const key of path.split('.')) at = at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined;
    return at === undefined || at === null ? '' : typeof at === 'object' ? JSON.stringify(at) : String(at);
  });
  return value.length > PARAM_CHARS ? `${value.slice(0, PARAM_CHARS - 1)}…` : value;
}

function matches(trigger: GithubTrigger, event: string, payload: Record<string, unknown>): boolean {
  if (trigger.event !== event) return false;
  if (trigger.label === undefined) return true;
  return (payload.label as { name?: unknown } | undefined)?.name === trigger.label;
}

const isAlreadyStarted = (error: unknown) =>
  error instanceof WorkflowExecutionAlreadyStartedError ||
  (error instanceof BatonError && error.cause instanceof WorkflowExecutionAlreadyStartedError);

export function githubRoutes(options: GithubRouteOptions): Hono {
  const app = new Hono();
  app.post('/webhook', async (c) => {
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (!signatureValid(options.secret, body, c.req.header('x-hub-signature-256')))
      return c.json(
        { error: 'bad or missing X-Hub-Signature-256: sign the body with the webhook secret (HMAC-SHA256)' },
        401,
      );
    const name = c.req.header('x-github-event') ?? '';
    const delivery = c.req.header('x-github-delivery') ?? '';
    if (!EVENT_NAME.test(name)) return c.json({ error: `X-GitHub-Event ${JSON.stringify(name)} is missing or malformed` }, 400);
    if (name === 'ping') return c.json({ ok: true, pong: true });
    if (!DELIVERY.test(delivery))
      return c.json({ error: `X-GitHub-Delivery ${JSON.stringify(delivery)} is missing or not a delivery id` }, 400);
    let payload: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(Buffer.from(body).toString('utf8'));
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      payload = parsed as Record<string, unknown>;
    } catch {
      return c.json({ error: 'the body is not a JSON object; set the webhook content type to application/json' }, 400);
    }
    const event = typeof payload.action === 'string' ? `${name}.${payload.action}` : name;
    const trigger = options.triggers.find((t) => matches(t, event, payload));
    if (!trigger) return c.json({ ignored: `no trigger for ${event}${payload.label ? ' with this label' : ''}` }, 202);
    const workflowId = `gh-${name}-${delivery}`;
    const params = Object.fromEntries(Object.entries(trigger.params ?? {}).map(([k, v]) => [k, render(v, payload)]));
    try {
      const started = await options.api.start({
        template: trigger.template,
        params,
        id: workflowId,
        approvalMode: trigger.autoApprove ? 'auto' : 'manual',
      });
      return c.json({ started: true, workflowId: started.workflowId, template: trigger.template, event }, 201);
    } catch (error) {
      if (isAlreadyStarted(error)) return c.json({ duplicate: true, workflowId }, 200);
      if (error instanceof BatonError)
        return c.json({ error: `trigger ${event} → ${trigger.template}: ${error.message}`, hint: error.hint }, 422);
      throw error;
    }
  });
  return app;
}
