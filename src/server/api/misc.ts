/** GET /api/inbox, /api/templates and /api/artifacts/:sha256. */
import { Hono } from 'hono';
import type { BatonApi } from '../../client/api';
import type { AppEnv } from '../principal';
import { parseOr400 } from './errors';
import { Sha256ParamSchema } from './schemas';

/**
 * What an artifact is served as. Never HTML or script from this origin (an agent wrote it): text
 * is text/plain, JSON is JSON, anything else is bytes; the console renders them.
 */
function contentType(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.subarray(0, 8192)).toString('utf8');
  if (text.includes('\uFFFD') || text.includes('\u0000')) return 'application/octet-stream';
  try {
    JSON.parse(Buffer.from(bytes).toString('utf8'));
    return 'application/json';
  } catch {
    return 'text/plain; charset=utf-8';
  }
}

export function miscRoutes(api: BatonApi): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/inbox', async (c) => c.json(await api.inbox()));
  app.get('/templates', async (c) => c.json(await api.templates()));
  app.get('/artifacts/:sha256', async (c) => {
    const sha256 = parseOr400(Sha256ParamSchema, c.req.param('sha256'), 'sha256');
    const { bytes } = await api.artifact({ uri: `baton-artifact://sha256/${sha256}` });
    return c.body(new Uint8Array(bytes), 200, {
      'content-type': contentType(bytes),
      'x-content-type-options': 'nosniff',
      'content-security-policy': "sandbox; default-src 'none'",
      'cache-control': 'private, max-age=31536000, immutable',
    });
  });
  return app;
}
