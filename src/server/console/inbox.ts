/**
 * The inbox (`/`): every open gate across runs, filtered and searched, and batch approval of the
 * selected approval gates with a confirmation step. Decisions go as the logged-in user, one per gate.
 */
import { html } from 'hono/html';
import type { OpenGate } from '../../shared/status';
import type { Principal } from '../principal';
import { gateApprovers } from '../decide-as';
import { refusalOf, type DecideAsSettings } from './decide';
import { filterRows, gateKey, inboxKey, type InboxFilter, type InboxRow } from './inbox-data';
import { page, since, type Html } from './layout';

const runLink = (id: string) => `/runs/${encodeURIComponent(id)}`;
export const gateLink = (id: string, gate: string) => `${runLink(id)}/gates/${encodeURIComponent(gate)}`;

/** Who may decide a gate, for people: `anyone` at a gate without approvers. */
export function approversText(gate: OpenGate | undefined, settings: DecideAsSettings): string {
  if (!gate?.approvers) return 'anyone';
  return gateApprovers(gate, settings.roles).join(', ') || 'no one';
}

/** The table body: one row per open gate. The SSE route sends this fragment when it changes. */
export function inboxBody(rows: readonly InboxRow[], principal: Principal | undefined, settings: DecideAsSettings, now = Date.now()): Html {
  if (rows.length === 0) return html`<tr><td colspan="9" class="muted">No open gates.</td></tr>`;
  return html`${rows.map((row) => {
    const { item, gate } = row;
    const kind = gate?.kind ?? item.kind ?? '?';
    const refusal = gate ? refusalOf(principal, gate, settings) : 'The run did not answer (no worker?).';
    const batchable = gate && kind === 'approval' && !refusal;
    const key = gate ? gateKey(item.workflowId, gate.id) : '';
    return html`<tr data-run="${item.workflowId}" data-gate="${gate?.id ?? item.phase}">
      <td><input type="checkbox" name="gate" value="${key}" form="batch" aria-label="Select ${gate?.id ?? item.phase} of ${item.workflowId}" ${batchable ? '' : 'disabled'} title="${batchable ? '' : refusal ?? 'only approval gates are batch-approved'}"></td>
      <td><a href="${runLink(item.workflowId)}">${item.workflowId}</a>${item.parent ? html`<br><small class="muted">child of ${item.parent}</small>` : ''}</td>
      <td>${item.template ?? '–'}</td>
      <td>${gate ? html`<a href="${gateLink(item.workflowId, gate.id)}">${gate.title}</a> <small class="muted">${gate.id}</small>` : item.phase}</td>
      <td><span class="kind kind-${kind}">${kind}</span></td>
      <td>${since(gate?.openedAt ?? item.openedAt ?? item.startTime, now)}</td>
      <td>${gate?.deadline ? html`<time datetime="${gate.deadline}">${gate.deadline.replace('T', ' ').slice(0, 16)}</time> → ${gate.onTimeout}` : '–'}</td>
      <td>${approversText(gate, settings)}</td>
      <td>${refusal ? html`<span class="muted">${refusal}</span>` : html`<a class="button" href="${gate ? gateLink(item.workflowId, gate.id) : runLink(item.workflowId)}">Decide</a>`}</td>
    </tr>`;
  })}`;
}

const query = (filter: Record<string, string | undefined>) =>
  new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => Boolean(e[1]))).toString();

export function inboxPage(all: readonly InboxRow[], filter: InboxFilter, principal: Principal | undefined, settings: DecideAsSettings): Html {
  const rows = filterRows(all, filter);
  const kinds = [...new Set(all.map((r) => r.gate?.kind ?? r.item.kind).filter(Boolean))].sort() as string[];
  const templates = [...new Set(all.map((r) => r.item.template).filter(Boolean))].sort() as string[];
  const select = (name: string, label: string, values: string[], current?: string) => html`<label>${label}
      <select name="${name}"><option value="">all</option>${values.map((v) => html`<option ${v === current ? 'selected' : ''}>${v}</option>`)}</select></label>`;
  return page({
    title: 'Inbox',
    principal,
    current: 'inbox',
    body: html`<h1>Inbox <small class="muted">${rows.length} open gate${rows.length === 1 ? '' : 's'}${rows.length !== all.length ? ` of ${all.length}` : ''}</small></h1>
    <form class="filters" method="get" action="/" role="search">
      ${select('kind', 'Kind', kinds, filter.kind)}
      ${select('template', 'Template', templates, filter.template)}
      <label>Search <input type="search" name="q" value="${filter.q ?? ''}" placeholder="run, phase, text"></label>
      <button type="submit">Filter</button>
    </form>
    <form id="batch" method="post" action="/inbox/approve"></form>
    <div sse-connect="/live/inbox?${query({ ...filter, 'k.inbox': inboxKey(rows) })}">
    <table class="inbox" data-testid="inbox">
      <caption class="sr-only">Open gates</caption>
      <thead><tr><th scope="col"><span class="sr-only">Select</span></th><th scope="col">Run</th><th scope="col">Template</th><th scope="col">Phase</th><th scope="col">Kind</th><th scope="col">Age</th><th scope="col">Deadline</th><th scope="col">Approvers</th><th scope="col"></th></tr></thead>
      <tbody id="inbox-rows" sse-swap="inbox" hx-swap="innerHTML">${inboxBody(rows, principal, settings)}</tbody>
    </table>
    </div>
    <p><button type="submit" form="batch">Approve selected…</button> <small class="muted">Only approval gates you may decide can be selected; you confirm on the next page.</small></p>`,
  });
}

export interface BatchItem {
  id: string;
  gate: string;
  title?: string;
  /** Why this one cannot be approved here, if it cannot. */
  refusal?: string;
  /** After sending: what happened. */
  result?: string;
  ok?: boolean;
}

/** Step 2 of a batch approval: what would be approved, with a comment and a confirm button. */
export function confirmPage(items: readonly BatchItem[], principal: Principal | undefined): Html {
  const ready = items.filter((i) => !i.refusal);
  return page({
    title: 'Confirm batch approval',
    principal,
    body: html`<h1>Approve ${ready.length} gate${ready.length === 1 ? '' : 's'}?</h1>
    <form method="post" action="/inbox/approve">
      <input type="hidden" name="confirm" value="yes">
      <ul class="batch">${items.map(
        (i) => html`<li>${i.refusal ? '✗' : '✓'} <a href="${gateLink(i.id, i.gate)}">${i.id} · ${i.gate}</a>${i.title ? ` (${i.title})` : ''}
          ${i.refusal ? html`<span class="problem">${i.refusal}</span>` : html`<input type="hidden" name="gate" value="${gateKey(i.id, i.gate)}">`}</li>`,
      )}</ul>
      <label for="batch-comment">Comment (recorded with each approval)</label>
      <textarea id="batch-comment" name="comment" rows="2"></textarea>
      <p><button type="submit" class="primary" ${ready.length ? '' : 'disabled'}>Approve ${ready.length} as ${principal?.user ?? '?'}</button> <a href="/">Cancel</a></p>
    </form>`,
  });
}

export function batchResultPage(items: readonly BatchItem[], principal: Principal | undefined): Html {
  return page({
    title: 'Batch approval',
    principal,
    body: html`<h1>Batch approval</h1>
    <ul class="batch" data-testid="batch-result">${items.map(
      (i) => html`<li class="${i.ok ? 'ok' : 'problem'}">${i.ok ? '✓' : '✗'} <a href="${gateLink(i.id, i.gate)}">${i.id} · ${i.gate}</a>: ${i.result ?? i.refusal}</li>`,
    )}</ul>
    <p><a href="/">Back to the inbox</a></p>`,
  });
}
