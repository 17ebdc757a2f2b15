import { readFile } from 'node:fs/promises';
import { describe, expect, inject, it } from 'vitest';
import { startRun, decide, waitForResult } from '../../src/client/runs';
import { withoutSourcesContent } from '../../src/workers/bundle';
import { testAgents } from '../helpers/agents';
import { definition, useWorker, waitForGate } from '../helpers/env';

const COMMENT = '//# sourceMappingURL=data:application/json;charset=utf-8;base64,';
const sourceMapOf = (code: string) =>
  JSON.parse(Buffer.from(code.slice(code.lastIndexOf(COMMENT) + COMMENT.length), 'base64').toString()) as {
    sources: string[];
    mappings: string;
    sourcesContent?: unknown[];
  };

const shared = useWorker({ prefix: 'bundle' });

describe('the workflow bundle workers load', () => {
  it('keeps its source map without the copies of the sources', async () => {
    const code = await readFile(inject('workflowBundlePath'), 'utf8');
    const map = sourceMapOf(code);
    expect(map.sourcesContent).toBeUndefined();
    expect(map.sources.some((s) => s.endsWith('src/workflows/pipeline.ts'))).toBe(true);
    expect(map.mappings.length).toBeGreaterThan(100_000);

    const small = `var a = 1;\n${COMMENT}${Buffer.from(JSON.stringify({ version: 3, sources: ['a.ts'], mappings: 'AAAA', sourcesContent: ['const a = 1;'] })).toString('base64')}`;
    expect(sourceMapOf(withoutSourcesContent(small))).toEqual({
      version: 3,
      sources: ['a.ts'],
      mappings: 'AAAA',
    });
    expect(withoutSourcesContent('var a = 1;')).toBe('var a = 1;');
  });

  it('a waiting run still answers the stack-trace query with the TypeScript files and lines', async () => {
    const { workflowId } = await startRun(shared.baton, {
      agents: testAgents().map((a) => a.name),
      definition: definition([{ id: 'spec', agent: 'echo', input: { v: 1 }, approval: true }]),
    });
    await waitForGate(shared.baton, workflowId, 'spec');
    const trace = await shared.baton.client.workflow.getHandle(workflowId).query<string>('__stack_trace');
    expect(trace).toMatch(/src\/workflows\/[\w/-]+\.ts:\d+:\d+/);
    await decide(shared.baton, workflowId, { phase: 'spec', action: 'approve', by: 'alice' });
    expect((await waitForResult(shared.baton, workflowId)).state).toBe('completed');
  });
});
