import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { builtinAgents } from '../../src/activities/agents';
import { defineAgent } from '../../src/activities/agents/agent';
import { badInput } from '../../src/activities/failures';
import { startDispatch } from '../../src/client/dispatch';
import { waitForResult } from '../../src/client/runs';
import { dispatchSuccessRates } from '../../src/dispatch/history';
import { BatonDispatch } from '../../src/shared/search-attributes';
import { uniqueId, useWorker, waitFor } from '../helpers/env';

// Two development templates that tie on a request naming no stack: one always fails, one completes.
const templates = mkdtempSync(path.join(os.tmpdir(), 'baton-dispatch-templates-'));
const template = (name: string, agent: string) =>
  writeFileSync(
    path.join(templates, `${name}.yaml`),
    `name: ${name}\nparams:\n  requirements: { type: string, default: x }\nphases:\n  - id: work\n    agent: ${agent}\n    input: { text: '\${params.requirements}' }\n    retry: { maxAttempts: 1 }\n`,
  );
template('node-express-api', 'always-fails');
template('java-springboot-api', 'always-works');
// The analysis activity reads the templates from here (the worker is in this process).
process.env.BATON_TEMPLATES_DIR = templates;

const agent = (name: string, fails: boolean) =>
  defineAgent({
    name,
    description: 'test agent',
    input: z.object({ text: z.string() }),
    output: z.object({ text: z.string() }),
    async run(input) {
      if (fails) throw badInput('this template always fails');
      return input;
    },
  });

const shared = useWorker({
  prefix: 'dispatch-history',
  agents: [...builtinAgents(), agent('always-fails', true), agent('always-works', false)],
});

async function dispatched(request: string) {
  const { workflowId } = await startDispatch(shared.baton, {
    request,
    context: {},
    autoApprove: true,
    id: uniqueId('dh'),
  });
  const outcome = await waitForResult(shared.baton, workflowId).then(
    (summary) => summary.state,
    () => 'failed',
  );
  const description = await shared.baton.client.workflow.getHandle(workflowId).describe();
  return { workflowId, outcome, tag: description.typedSearchAttributes.get(BatonDispatch) };
}

describe('learning from history', () => {
  it('breaks a tie between templates by the success rate of past dispatches', async () => {
    // Without history the tie goes to the first in the table: node-express-api.
    const first = await dispatched('Create a REST API for invoices');
    expect(first).toMatchObject({ outcome: 'failed', tag: 'template:node-express-api' });
    // Naming the stack is no tie: java it is, and it completes.
    const java = await dispatched('Create a REST API for invoices in Java');
    expect(java).toMatchObject({ outcome: 'completed', tag: 'template:java-springboot-api' });

    const rates = await waitFor(
      () => dispatchSuccessRates(shared.baton.client),
      (r) => r['node-express-api']?.runs === 1 && r['java-springboot-api']?.runs === 1,
    );
    expect(rates['node-express-api']).toEqual({ runs: 1, completed: 0, rate: 0 });
    expect(rates['java-springboot-api']).toEqual({ runs: 1, completed: 1, rate: 1 });

    // The same tie now goes to the template that has worked.
    const tie = await dispatched('Create a REST API for invoices');
    expect(tie).toMatchObject({ outcome: 'completed', tag: 'template:java-springboot-api' });
    const summary = await waitForResult(shared.baton, tie.workflowId);
    expect((summary.outputs.plan as { reasoning: string }).reasoning).toContain(
      'java-springboot-api has the best success rate in past dispatches (100% of 1)',
    );
  });
});
