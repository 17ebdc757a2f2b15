/**
 * The console's page shell and its error page. Every page is server-rendered with Hono's `html`
 * tag, which escapes each interpolation; `raw()` is used only for HTML this module produced.
 * No inline scripts or styles: the CSP below allows only our own /assets.
 */
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { AppEnv, Principal } from '../principal';

export type Html = ReturnType<typeof html>;

/** A CSP a page can keep: scripts and styles only from /assets, SSE and forms only to us. */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export interface PageOptions {
  title: string;
  principal: Principal | undefined;
  body: Html;
  /** The nav entry to mark as the current page. */
  current?: 'inbox' | 'start';
}

export function page({ title, principal, body, current }: PageOptions): Html {
  const mark = (name: PageOptions['current']) => (current === name ? 'page' : undefined);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Baton</title>
<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}'>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/console.css">
<script src="/assets/htmx.min.js" defer></script>
<script src="/assets/sse.js" defer></script>
<script src="/assets/console.js" defer></script>
</head>
<body hx-ext="sse">
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/">Baton</a>
  <nav aria-label="Main">
    <a href="/" aria-current="${mark('inbox')}">Inbox</a>
    <a href="/start" aria-current="${mark('start')}">Start a run</a>
  </nav>
  ${principal
    ? html`<form class="who" method="post" action="/logout">
        <span>Signed in as <strong data-testid="user">${principal.user}</strong>${principal.roles.length ? html` (${principal.roles.join(', ')})` : ''}</span>
        <button type="submit">Log out</button>
      </form>`
    : html`<a class="who" href="/login">Log in</a>`}
</header>
<main id="main">
${body}
</main>
</body>
</html>`;
}

/** Renders a page with the console's headers (CSP, no framing, no caching of personal pages). */
export async function sendPage(c: Context<AppEnv>, content: Html, status: 200 | 400 | 403 | 404 | 409 | 503 | 500 = 200) {
  c.header('Content-Security-Policy', CSP);
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Cache-Control', 'no-store');
  return c.html(await content, status);
}

export type ErrorStatus = 400 | 403 | 404 | 409 | 503 | 500;

/** An error as a page: the message and the hint, never a stack. */
export function errorPage(
  principal: Principal | undefined,
  status: ErrorStatus,
  message: string,
  hint?: string,
): Html {
  return page({
    title: 'Error',
    principal,
    body: html`<section class="error" role="alert">
      <h1>${status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : status === 503 ? 'Temporal is unreachable' : 'Something is wrong'}</h1>
      <p class="message">${message}</p>
      ${hint ? html`<p class="hint">${hint}</p>` : ''}
      <p><a href="/">Back to the inbox</a></p>
    </section>`,
  });
}

/** Seconds, minutes, hours or days since `iso`, for ages and durations. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.round((s % 86_400) / 3600)} h`;
}

export const since = (iso: string | Date | undefined, now = Date.now()): string =>
  iso === undefined ? '–' : duration(now - new Date(iso).getTime());
