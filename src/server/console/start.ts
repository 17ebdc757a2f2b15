/** `/start`: pick a template, fill a form generated from its params, start the run. */
import { html } from 'hono/html';
import type { TemplateInfo } from '../../client/api-schemas';
import type { Principal } from '../principal';
import { page, type Html } from './layout';
import { fieldsHtml, paramFields } from './schema-form';

export function templatesPage(templates: readonly TemplateInfo[], principal: Principal | undefined): Html {
  return page({
    title: 'Start a run',
    principal,
    current: 'start',
    body: html`<h1>Start a run</h1>
    ${templates.length === 0 ? html`<p class="muted">No templates found.</p>` : ''}
    <ul class="templates" data-testid="templates">${templates.map(
      (t) => html`<li><a href="/start/${encodeURIComponent(t.name)}"><strong>${t.name}</strong></a> <span class="muted">${t.phases.length} phases: ${t.phases.join(' → ')}</span><br>${t.description}</li>`,
    )}</ul>`,
  });
}

export interface StartFormState {
  posted?: Record<string, string>;
  problems?: Record<string, string>;
  /** A problem of the whole start (the definition did not validate, the server said no). */
  error?: string;
  id?: string;
}

export function startFormPage(template: TemplateInfo, principal: Principal | undefined, state: StartFormState = {}): Html {
  return page({
    title: `Start ${template.name}`,
    principal,
    current: 'start',
    body: html`<h1>Start <code>${template.name}</code></h1>
    <p>${template.description}</p>
    ${state.error ? html`<p class="problem" role="alert" data-testid="form-problem">${state.error}</p>` : ''}
    <form method="post" action="/start/${encodeURIComponent(template.name)}" class="start" data-testid="start-form">
      <fieldset><legend>Params</legend>
        ${Object.keys(template.params).length === 0 ? html`<p class="muted">This template takes no params.</p>` : fieldsHtml(paramFields(template.params), 'start', state.posted, state.problems)}
      </fieldset>
      <div class="field"><label for="run-id">Run id <span class="muted">(optional; generated when empty)</span></label>
        <input id="run-id" name="id" value="${state.id ?? ''}"></div>
      <button type="submit" class="primary">Start</button>
    </form>`,
  });
}
