/**
 * The gate panel: everything a person needs to decide one open gate. What the gate shows (the
 * phase output, a reason, the conflicts with their three sides), the phase's artifacts and the diff
 * of its commit, the approvals so far; then approve / reject / retry / skip with a comment, and
 * modify through a form generated from the schema. Buttons are disabled, with the reason, when the
 * user may not decide; the POST checks again.
 */
import { html } from 'hono/html';
import { GATE_KINDS } from '../../shared/gate-kinds';
import type { DecisionAction } from '../../shared/messages';
import type { OpenGate, PhaseStatus } from '../../shared/status';
import type { Html } from './layout';
import { since } from './layout';
import { modifyFormHtml, type ModifyContext } from './modify-forms';
import { previewText, previewValue } from './preview';
import { gateLink } from './inbox';

export interface GatePanelInput extends ModifyContext {
  runId: string;
  phase?: PhaseStatus;
  /** Why the user may not decide, if they may not. */
  refusal?: string;
  /** The diff of the phase's commit, when this machine can read it. */
  diff?: string;
  /** A re-render after a bad post: what was posted and the problems by field ('' for the form). */
  posted?: Record<string, string>;
  problems?: Record<string, string>;
  comment?: string;
  /** Who may decide it, for people. */
  approvers: string;
}

const ACTION_LABELS: Record<DecisionAction, string> = {
  approve: 'Approve',
  reject: 'Reject',
  retry: 'Retry',
  skip: 'Skip',
  modify: 'Modify and run again',
};

function shows(gate: OpenGate): Html {
  const parts: Html[] = [];
  if ('reason' in gate && gate.reason) parts.push(html`<p><strong>Why:</strong> ${gate.reason}</p>`);
  if ('error' in gate && gate.error) parts.push(html`<p class="problem"><strong>Error${gate.error.type ? ` (${gate.error.type})` : ''}:</strong> ${gate.error.message}</p>`);
  if (gate.kind === 'conflict') {
    parts.push(html`<p>Task <strong>${gate.task}</strong> (branch <code>${gate.branch}</code>), integration worktree <code>${gate.worktree}</code>.</p>
      ${gate.conflicts.map(
        (c) => html`<section class="conflict" data-testid="conflict"><h4><code>${c.path}</code> <span class="kind">${c.class}</span>${c.truncated ? ' (cut)' : ''}</h4>
          <div class="sides">
            <div><h5>Base</h5>${previewText('text', c.base ?? '(absent)')}</div>
            <div><h5>Ours (integration)</h5>${previewText('text', c.ours ?? '(absent)')}</div>
            <div><h5>Theirs (${gate.task})</h5>${previewText('text', c.theirs ?? '(absent)')}</div>
          </div></section>`,
      )}`);
  }
  if (gate.kind === 'verify') parts.push(html`<p>Merged tasks: ${gate.tasks.join(', ')}; recovery commit <code>${gate.recovery}</code>.</p>`);
  if (gate.kind === 'loop') parts.push(html`<p>${gate.iterations} iterations; until <code>${gate.until}</code>.</p>`);
  if (gate.kind === 'task-failed') parts.push(html`<p>Task <strong>${gate.task}</strong> failed.</p>`);
  if (gate.kind === 'failure') parts.push(html`<details><summary>Input of the failed run</summary>${previewValue(gate.input)}</details>`);
  if ((gate.kind === 'approval' || gate.kind === 'loop') && gate.output !== undefined) {
    parts.push(html`<h4>Output</h4><div data-testid="gate-output">${previewValue(gate.output)}</div>`);
  }
  return html`${parts}`;
}

/** Review findings, when the output holds a list of them (`findings`, `issues`, `comments`). */
function findings(output: unknown): Html {
  if (output === null || typeof output !== 'object') return html``;
  const record = output as Record<string, unknown>;
  const key = ['findings', 'issues', 'comments'].find((k) => Array.isArray(record[k]));
  if (!key) return html``;
  const list = record[key] as unknown[];
  return html`<h4>Review ${key} (${list.length})</h4><ul class="findings">${list.slice(0, 200).map(
    (f) => html`<li>${typeof f === 'string' ? f : previewValue(f)}</li>`,
  )}</ul>`;
}

function artifactsList(runId: string, phase?: PhaseStatus): Html {
  const artifacts = phase?.artifacts ?? [];
  if (artifacts.length === 0) return html``;
  return html`<h4>Artifacts</h4><ul>${artifacts.map(
    (a) => html`<li><a href="/runs/${encodeURIComponent(runId)}/artifacts/${a.sha256}">${a.name}</a> <small class="muted">${a.mediaType}, ${a.bytes} bytes</small></li>`,
  )}</ul>`;
}

export function gatePanel(input: GatePanelInput): Html {
  const { gate, runId, phase, refusal, problems = {}, posted = {} } = input;
  const kindActions: readonly DecisionAction[] = GATE_KINDS[gate.kind].actions;
  const actions = kindActions.filter((a) => a !== 'modify');
  const canModify = kindActions.includes('modify');
  const action = `${gateLink(runId, gate.id)}/decide`;
  const disabled = refusal ? 'disabled' : '';
  const formProblem = problems[''];
  const output = 'output' in gate ? gate.output : undefined;
  return html`<section class="gate" id="gate-${gate.id}" data-testid="gate-panel" data-gate="${gate.id}" aria-labelledby="gate-title-${gate.id}">
  <h3 id="gate-title-${gate.id}"><span class="kind kind-${gate.kind}">${gate.kind}</span> ${gate.title} <small class="muted">${gate.id}, open ${since(gate.openedAt)}</small></h3>
  ${gate.instructions ? previewText('markdown', gate.instructions) : ''}
  <p class="meta">${gate.deadline ? html`Decides itself at <time datetime="${gate.deadline}">${gate.deadline}</time> (${gate.onTimeout}). ` : ''}
    Approvers: ${input.approvers}.
    ${gate.minApprovals ? html`${gate.approvals?.length ?? 0} of ${gate.minApprovals} approvals${gate.approvals?.length ? `: ${gate.approvals.map((a) => a.by).join(', ')}` : ''}.` : ''}
    ${gate.policyError ? html`<span class="problem">Policy could not decide: ${gate.policyError}</span>` : ''}</p>
  ${shows(gate)}
  ${findings(output)}
  ${artifactsList(runId, phase)}
  ${input.diff !== undefined ? html`<details class="diff"><summary>Diff of the phase's commit <code>${phase?.commit?.slice(0, 12)}</code></summary>${previewText('diff', input.diff)}</details>` : ''}
  ${refusal ? html`<p class="refusal" role="note" data-testid="refusal">${refusal}</p>` : ''}
  ${formProblem ? html`<p class="problem" role="alert" data-testid="form-problem">${formProblem}</p>` : ''}
  <form class="decide" method="post" action="${action}">
    <label for="comment-${gate.id}">Comment</label>
    <textarea id="comment-${gate.id}" name="comment" rows="2" ${disabled}>${input.comment ?? ''}</textarea>
    <div class="actions">${actions.map(
      (a) => html`<button type="submit" name="action" value="${a}" class="${a === 'approve' ? 'primary' : a === 'reject' ? 'danger' : ''}" ${disabled}>${ACTION_LABELS[a]}</button>`,
    )}</div>
  </form>
  ${canModify
    ? html`<details class="modify" ${Object.keys(problems).length ? 'open' : ''}><summary>Modify…</summary>
      <form method="post" action="${action}" data-testid="modify-form">
        <input type="hidden" name="action" value="modify">
        <fieldset ${disabled}><legend>Changes</legend>${modifyFormHtml(input, posted, problems)}</fieldset>
        <label for="modify-comment-${gate.id}">Comment</label>
        <textarea id="modify-comment-${gate.id}" name="comment" rows="2" ${disabled}>${input.comment ?? ''}</textarea>
        <button type="submit" ${disabled}>${ACTION_LABELS.modify}</button>
      </form></details>`
    : ''}
</section>`;
}
