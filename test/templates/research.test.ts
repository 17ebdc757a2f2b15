import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import { createLlm } from '../../src/activities/llm';
import { startRun, waitForResult } from '../../src/client/runs';
import { loadConfig } from '../../src/config';
import { agentContext } from '../helpers/agent-context';
import { queryStatus, useWorker, waitForGate } from '../helpers/env';
import { chatCompletion, startFakeOpenAI } from '../helpers/fake-openai';
import { tempWorkspace, type Json } from '../helpers/template-run';
import { makeUserRepo } from '../helpers/user-repo';
import { createApi } from '../../src/client/api';

const shared = useWorker({ prefix: 'research-tpl', agents: builtinAgents() });

describe('research template: gather, synthesize with citations, review gate', () => {
  it('offline on --repo: cites the repository files by file:line in research/report.md', async () => {
    const repo = await makeUserRepo({
      'src/ledger.js':
        '// The ledger keeps balances.\nexport function ledgerBalance(entries) {\n  return entries.reduce((a, e) => a + e.amount, 0);\n}\n',
    });
    const { workflowId } = await startRun(shared.baton, {
      template: 'research',
      params: { query: 'ledger balance', limit: 5 },
      repo: repo.dir,
    });
    await waitForGate(shared.baton, workflowId, 'synthesize');
    const gate = (await queryStatus(shared.baton, workflowId)).gates.find(
      (g) => g.phase === 'synthesize',
    ) as Json;
    const out = gate.output;
    expect(out.llm).toBe(false);
    const refs = out.citations.map((c: Json) => c.ref);
    expect(refs).toEqual(expect.arrayContaining(['src/ledger.js:1', 'src/ledger.js:2']));
    // Every finding cites sources that exist.
    for (const f of out.findings)
      for (const n of f.citations) expect(n).toBeLessThanOrEqual(out.citations.length);
    await createApi({ baton: shared.baton }).decide({
      id: workflowId,
      decision: { phase: 'synthesize', action: 'approve', by: 'ada' },
    });
    const summary = await waitForResult(shared.baton, workflowId);
    expect(summary.state).toBe('completed');
    expect(summary.agentsWithoutLlm).toContain('synthesize');
  }, 60_000);

  it('with an LLM (fake OpenAI over HTTP) writes the summary and drops citations of sources it was not given', async () => {
    const fake = await startFakeOpenAI();
    try {
      const dir = await tempWorkspace('baton-synth-');
      const env = { OPENAI_BASE_URL: fake.baseUrl, BATON_MODEL: 'fake-writer-1' };
      const llm = createLlm(await loadConfig({ env, cwd: dir }), { env });
      fake.reply(
        chatCompletion(
          JSON.stringify({
            summary: 'Two projects generate Express APIs from OpenAPI.',
            findings: [
              { text: 'acme/openapi-express generates routes', citations: [1] },
              { text: 'an invented claim', citations: [9] },
            ],
          }),
        ),
      );
      const agent = builtinAgents().find((a) => a.name === 'synthesize')!;
      const out = (await agent.run(
        agent.input.parse({
          query: 'express openapi',
          source: 'github',
          sources: [
            {
              name: 'acme/openapi-express',
              url: 'https://github.com/acme/openapi-express',
              description: 'Routes from OpenAPI',
              stars: 42,
            },
            {
              name: 'beta/oas-gen',
              url: 'https://github.com/beta/oas-gen',
              description: 'Generator',
              stars: 7,
            },
          ],
        }),
        agentContext(dir, { llm }),
      )) as Json;
      expect(out.llm).toBe(true);
      expect(out.findings).toEqual([{ text: 'acme/openapi-express generates routes', citations: [1] }]);
      const report = await readFile(path.join(dir, 'research/report.md'), 'utf8');
      expect(report).toContain('1. acme/openapi-express generates routes [1]');
      expect(report).toContain(
        '[1] [acme/openapi-express](https://github.com/acme/openapi-express): Routes from OpenAPI (42 stars)',
      );
      expect(fake.requests[0]!.text).toContain('[2] beta/oas-gen');
    } finally {
      await fake.close();
    }
  });

  it('refuses an empty query and a limit out of range, naming the param', async () => {
    await expect(startRun(shared.baton, { template: 'research', params: { query: '' } })).rejects.toThrow(
      /query/,
    );
    await expect(startRun(shared.baton, { template: 'research', params: { limit: 500 } })).rejects.toThrow(
      /limit/,
    );
  });
});
