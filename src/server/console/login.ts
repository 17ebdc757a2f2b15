/** `/login`: a form posting `token` to the auth layer's `POST /login`. */
import { html } from 'hono/html';
import { page, type Html } from './layout';

export function loginPage(options: { next?: string; error?: string } = {}): Html {
  return page({
    title: 'Log in',
    principal: undefined,
    body: html`<h1>Log in</h1>
    ${options.error ? html`<p class="problem" role="alert">${options.error}</p>` : ''}
    <form method="post" action="/login" class="login">
      <div class="field"><label for="token">Access token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required></div>
      ${options.next ? html`<input type="hidden" name="next" value="${options.next}">` : ''}
      <button type="submit" class="primary">Log in</button>
    </form>
    <p class="muted">Tokens are given out in the server's config (<code>server.users</code>); see docs/console.md.</p>`,
  });
}
