/**
 * The run page (`/runs/:id`): the run's header, its phase DAG and timeline, the open gates' panels,
 * each phase's details, the decisions and the ignored signals. The body and the gates are separate
 * fragments so the SSE route can swap each when it changes without touching a form being filled.
 */
import { html } from 'hono/html';
import type { PhaseStatus, RunStatus } from '../../shared/status';
import type { Principal } from '../principal';
import { dagSvg } from './dag';
import { gatePanel, type GatePanelInput } from './gate-panel';
import { duration, page, since, type Html } from './layout';
import { previewValue } from './preview';
import { timelineSvg, type Bar } from './timeline';
import { runKeys } from './views';

export interface RunView {
  id: string;
  status: RunStatus;
  bars: Bar[];
  gates: GatePanelInput[];
  /** The run in the Temporal Web UI, when its address is known. */
  temporalLink?: string;
}

const usd = (n: number) => `$${n.toFixed(n < 1 ? 4 : 2)}`;
const tokens = (p: { usage: { inputTokens: number; outputTokens: number } }) => p.usage.inputTokens + p.usage.outputTokens;

function phaseDetails(id: string, p: PhaseStatus): Html {
  const took = p.startedAt ? duration((p.endedAt ? Date.parse(p.endedAt) : Date.now()) - Date.parse(p.startedAt)) : '–';
  return html`<details class="phase state-${p.state}" id="phase-${p.id}" data-phase="${p.id}" data-state="${p.state}">
  <summary><span class="dot"></span><strong>${p.id}</strong> ${p.title !== p.id ? p.title : ''} <span class="state">${p.state}</span></summary>
  <dl class="facts">
    <dt>Agent</dt><dd>${p.agent}</dd>
    <dt>Attempts</dt><dd>${p.attempts} over ${p.runs} run${p.runs === 1 ? '' : 's'}</dd>
    <dt>Duration</dt><dd>${took}</dd>
    <dt>Tokens · cost</dt><dd>${tokens(p)} · ${usd(p.usage.costUsd)}</dd>
    ${p.commit ? html`<dt>Commit</dt><dd><code>${p.commit.slice(0, 12)}</code> <a href="/runs/${encodeURIComponent(id)}/phases/${encodeURIComponent(p.id)}/diff">diff</a></dd>` : ''}
    ${p.skipReason ? html`<dt>Skipped</dt><dd>${p.skipReason}</dd>` : ''}
    ${p.handledBy ? html`<dt>Handled by</dt><dd>${p.handledBy}</dd>` : ''}
    ${p.child ? html`<dt>Child run</dt><dd><a href="/runs/${encodeURIComponent(p.child.workflowId)}">${p.child.workflowId}</a></dd>` : ''}
    ${p.waitingFor ? html`<dt>Waiting for</dt><dd>message on ${p.waitingFor.channel} since ${p.waitingFor.since}</dd>` : ''}
  </dl>
  ${p.error ? html`<p class="problem">${p.error.type ? `${p.error.type}: ` : ''}${p.error.message}</p>` : ''}
  ${p.artifacts?.length
    ? html`<h4>Artifacts</h4><ul>${p.artifacts.map((a) => html`<li><a href="/runs/${encodeURIComponent(id)}/artifacts/${a.sha256}">${a.name}</a> <small class="muted">${a.bytes} bytes</small></li>`)}</ul>`
    : ''}
  ${p.output !== undefined ? html`<h4>Output</h4>${previewValue(p.output)}` : ''}
</details>`;
}

/** The run's head, its DAG and timeline: swapped as one fragment when status changes. */
export function runSummary(view: RunView): Html {
  const { status: s } = view;
  return html`<div class="run-head">
    <p><span class="run-state state-${s.state}" data-testid="run-state">${s.state}</span>
      ${s.template ? html`template <strong>${s.template}</strong> · ` : ''}started ${since(s.startedAt)} ago${s.endedAt ? html` · ended ${s.endedAt}` : ''}
      · ${s.progress.done}/${s.progress.total} phases (${s.progress.percent}%) · ${s.usage.inputTokens + s.usage.outputTokens} tokens · ${usd(s.usage.costUsd)}
      ${view.temporalLink ? html` · <a href="${view.temporalLink}" rel="noopener" target="_blank">Open in Temporal Web UI</a>` : ''}</p>
    ${s.reason ? html`<p class="problem">${s.reason}</p>` : ''}
    ${s.result?.branch ? html`<p>Branch <code>${s.result.branch.name}</code> in ${s.result.branch.repo}</p>` : ''}
  </div>
  <section aria-labelledby="dag-h"><h2 id="dag-h">Phases</h2><div class="scroll">${dagSvg(s.phases)}</div></section>
  <section aria-labelledby="tl-h"><h2 id="tl-h">Timeline</h2><div class="scroll">${timelineSvg(view.bars)}</div></section>`;
}

/** Each phase's details, the decisions and the ignored signals: swapped when status changes. */
export function runDetails(view: RunView): Html {
  const { id, status: s } = view;
  return html`<section aria-labelledby="ph-h"><h2 id="ph-h">Phase details</h2>${s.phases.map((p) => phaseDetails(id, p))}</section>
  <section aria-labelledby="dec-h"><h2 id="dec-h">Decisions${s.decisionsDropped ? html` <small class="muted">(${s.decisionsDropped} older in history)</small>` : ''}</h2>
    ${s.decisions.length
      ? html`<table class="decisions" data-testid="decisions"><thead><tr><th scope="col">When</th><th scope="col">Gate</th><th scope="col">Action</th><th scope="col">Who</th><th scope="col">Comment</th></tr></thead><tbody>
        ${s.decisions.map((d) => html`<tr><td><time datetime="${d.at}">${d.at.replace('T', ' ').slice(0, 19)}</time></td><td>${d.gate ?? d.phase}</td><td>${d.action}</td><td>${d.by}${d.role ? html` <small class="muted">(${d.role})</small>` : ''} <small class="muted">${d.via}${d.signature ? ', signed' : ''}</small></td><td>${d.comment ?? ''}</td></tr>`)}
        </tbody></table>`
      : html`<p class="muted">No decisions yet.</p>`}
  </section>
  ${s.ignoredSignals.length
    ? html`<section aria-labelledby="ign-h"><h2 id="ign-h">Ignored signals</h2><ul>${s.ignoredSignals.map((i) => html`<li><time>${i.at}</time>: ${i.reason}</li>`)}</ul></section>`
    : ''}`;
}

export function gatesFragment(view: RunView): Html {
  if (view.gates.length === 0) return html`<p class="muted" data-testid="no-gates">No open gates.</p>`;
  return html`${view.gates.map((g) => gatePanel(g))}`;
}

export function runPage(view: RunView, principal: Principal | undefined): Html {
  const keys = runKeys(view.status);
  return page({
    title: view.id,
    principal,
    body: html`<h1>Run <code>${view.id}</code></h1>
    <div sse-connect="/live/runs/${encodeURIComponent(view.id)}?${new URLSearchParams({ 'k.gates': keys.gates, 'k.summary': keys.run, 'k.details': keys.run }).toString()}">
      <div id="run-summary" sse-swap="summary">${runSummary(view)}</div>
      <section aria-labelledby="gates-h"><h2 id="gates-h">Open gates</h2><div id="gates" sse-swap="gates">${gatesFragment(view)}</div></section>
      <div id="run-details" sse-swap="details">${runDetails(view)}</div>
    </div>`,
  });
}
