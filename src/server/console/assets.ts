/**
 * /assets: htmx and its SSE extension from node_modules (no bundler, no build step), and the
 * console's own CSS and script from ./assets. Only these names are served.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import type { AppEnv } from '../principal';

const require = createRequire(import.meta.url);
const own = (name: string) => fileURLToPath(new URL(`./assets/${name}`, import.meta.url));

const FILES: Record<string, { path: () => string; type: string }> = {
  'htmx.min.js': { path: () => require.resolve('htmx.org/dist/htmx.min.js'), type: 'text/javascript' },
  'sse.js': { path: () => require.resolve('htmx-ext-sse/dist/sse.min.js'), type: 'text/javascript' },
  'console.js': { path: () => own('console.js'), type: 'text/javascript' },
  'console.css': { path: () => own('console.css'), type: 'text/css' },
};

export function assetRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const cache = new Map<string, Promise<Buffer>>();
  app.get('/:name', async (c) => {
    const name = c.req.param('name');
    const file = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
    if (!file) return c.text(`no asset ${name}`, 404);
    let bytes = cache.get(name);
    if (!bytes) {
      bytes = readFile(file.path());
      cache.set(name, bytes);
    }
    c.header('Content-Type', `${file.type}; charset=utf-8`);
    c.header('Cache-Control', 'no-cache');
    c.header('X-Content-Type-Options', 'nosniff');
    return c.body(new Uint8Array(await bytes));
  });
  return app;
}
