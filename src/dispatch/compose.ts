/**
 * The offline composer: writes a pipeline definition for a request no template fits, from the steps
 * its components call for, using only agents the worker registers. The result is a definition like
 * any template's: validated before it is offered, and shown at the `plan` gate before it runs.
 */
import type { Classification } from './classify';
import type { Component } from './tables';

interface StepDraft {
  id: string;
  agent: string;
  title: string;
  input: Record<string, unknown>;
  timeout: string;
  heartbeatTimeout?: string;
  approval?: { instructions: string };
}
type PhaseDraft = StepDraft & { needs: string[]; retry: typeof RETRY };

const RETRY = { maxAttempts: 3, initialInterval: '1s', backoff: 2 };

/** A module name from the request: the first words, lower-case, joined with "-". */
export function moduleName(request: string): string {
  const words = request
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(
      (w) => w.length > 2 && !['the', 'and', 'with', 'for', 'create', 'build', 'automated'].includes(w),
    );
  const name = words.slice(0, 3).join('-').slice(0, 40).replace(/-+$/, '');
  return /^[a-z][a-z0-9-]*$/.test(name) ? name : 'composed-module';
}

/** Where a deploy goes: blue-green deploys to green, then promotes; otherwise staging then production when asked. */
function environments(c: Classification): Array<{ id: string; env: string; instructions: string }> {
  const rollback = c.components.includes('rollback');
  const rollbackNote = rollback
    ? ' Reject to roll back: the previous release stays as it was, and nothing is promoted.'
    : ' Reject to stop here.';
  if (c.words.has('blue-green') || c.words.has('canary')) {
    const idle = c.words.has('canary') ? 'canary' : 'green';
    return [
      {
        id: `deploy-${idle}`,
        env: idle,
        instructions: `Check deploy/${idle}/manifest.json (the new release beside the live one). Approve to switch traffic to it.${rollbackNote}`,
      },
      {
        id: 'promote',
        env: 'production',
        instructions: `Production now holds the release of deploy/production/manifest.json. Approve to keep it.${rollbackNote}`,
      },
    ];
  }
  const steps = [
    {
      id: 'deploy-staging',
      env: 'staging',
      instructions: `Check deploy/staging/manifest.json.${rollbackNote}`,
    },
  ];
  if (c.words.has('production') || rollback) {
    steps.push({
      id: 'deploy-production',
      env: 'production',
      instructions: `Approve to keep the production release.${rollbackNote}`,
    });
  }
  return steps;
}

/**
 * Composes a definition: [research] → design → implement → test → review gate → [deploys with
 * gates]. Steps whose agent is not registered are left out (and said in `notes`); validation
 * catches what is then missing.
 */
export function composeDefinition(
  request: string,
  c: Classification,
  agents: readonly string[],
): { definition: Record<string, unknown>; notes: string[] } {
  const has = (agent: string) => agents.includes(agent);
  const wants = (component: Component) => c.components.includes(component);
  const notes: string[] = [];
  const phases: PhaseDraft[] = [];
  const add = (phase: StepDraft) => {
    if (!has(phase.agent)) {
      notes.push(`left out phase ${phase.id}: agent "${phase.agent}" is not registered`);
      return;
    }
    const last = phases.at(-1);
    phases.push({ ...phase, needs: last ? [last.id] : [], retry: { ...RETRY } });
  };
  if (c.workflowType === 'security-audit') {
    // An audit changes nothing: read the workspace, rank what is found, and stop at a gate.
    add({
      id: 'audit',
      title: 'Security review',
      agent: 'review',
      input: { dir: '.' },
      timeout: '5m',
      approval: {
        instructions:
          'Read reports/review.json: the findings over the workspace. Approve to accept them, reject to stop.',
      },
    });
    return { definition: definitionOf(request, phases, { request: REQUEST_PARAM }), notes };
  }
  if (wants('research'))
    add({
      id: 'research',
      title: 'Research',
      agent: 'research',
      input: { query: '${params.request}' },
      timeout: '2m',
    });
  // The research report feeds the design, so the design phase reads what was found.
  const requirement = phases.some((p) => p.id === 'research')
    ? '${params.request} (research report: ${phases.research.output.reportPath})'
    : '${params.request}';
  add({
    id: 'design',
    title: 'Design',
    agent: 'design',
    input: { requirement, module: '${params.module}' },
    timeout: '2m',
  });
  add({
    id: 'implement',
    title: 'Implementation',
    agent: 'codegen',
    input: { specPath: '${phases.design.output.specPath}', target: 'node-module', outDir: 'app' },
    timeout: '5m',
  });
  add({
    id: 'test',
    title: 'Tests',
    agent: 'build',
    input: { target: 'node-module', dir: '${phases.implement.output.dir}' },
    timeout: '10m',
    heartbeatTimeout: '1m',
  });
  add({
    id: 'review',
    title: 'Review',
    agent: 'review',
    input: { files: '${phases.implement.output.files}' },
    timeout: '5m',
    approval: {
      instructions: 'Read docs/DESIGN.md, app/ and reports/review.json. Approve to go on, reject to stop.',
    },
  });
  if (wants('deployment') || wants('rollback')) {
    for (const step of environments(c)) {
      add({
        id: step.id,
        title: `Deploy to ${step.env}`,
        agent: 'deploy',
        input: { dir: '${phases.implement.output.dir}', environment: step.env },
        timeout: '5m',
        approval: { instructions: step.instructions },
      });
    }
  }
  const params = {
    request: REQUEST_PARAM,
    module: { type: 'string', default: moduleName(request), pattern: '^[a-z][a-z0-9-]*$', maxLength: 63 },
  };
  return { definition: definitionOf(request, phases, params), notes };
}

const REQUEST_PARAM = { type: 'string', minLength: 1, maxLength: 4000 };

function definitionOf(request: string, phases: PhaseDraft[], params: Record<string, unknown>) {
  return {
    name: 'composed',
    version: '1',
    description: `Composed by baton dispatch for: ${request.slice(0, 300)}`,
    params,
    phases,
  };
}
