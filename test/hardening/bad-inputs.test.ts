/**
 * Bad inputs, one row each, as a new user (or a hostile one) would send them: through the `baton`
 * CLI, as raw signals and updates, as direct starts of `pipeline`, and in config files. Every row
 * must give a clear answer that names the field, never a stack trace, and leave no run running.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import { approvalSignal, decideUpdate, WORKFLOW_TYPE } from '../../src/shared/messages';
import { queryStatus, uniqueId, useWorker, waitFor, waitForGate } from '../helpers/env';
import { cli } from '../client/cli-helpers';

const shared = useWorker({ prefix: 'bad-inputs', agents: builtinAgents() });
const { baton } = cli(shared);

let dir = '';
const file = async (name: string, text: string): Promise<string> => {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
};

/** A tiny valid definition in YAML, with `extra` lines appended to its one phase. */
const oneAgentPhase = (extra = '', top = '') =>
  `name: bad-input\n${top}phases:\n  - id: hello\n    agent: design\n    input: { service: demo }\n${extra}`;

const STACK = /\n\s+at \S+ \(|\n\s+at (async )?\S+:\d+:\d+/;

interface CliRow {
  /** What the row sends. */
  name: string;
  /** CLI args; `{run}` is replaced by a run waiting at its `spec` gate, `{file:NAME}` by a file. */
  args: string[];
  files?: Record<string, string>;
  env?: Record<string, string>;
  /** Text the message must contain: the field, the value or the fix. */
  says: Array<string | RegExp>;
  code?: number;
}

const deep = (levels: number): string => `${'['.repeat(levels)}1${']'.repeat(levels)}`;

const cliRows: CliRow[] = [
  // Templates, files and params.
  { name: 'unknown template', args: ['start', 'no-such-template'], says: ['no-such-template'] },
  { name: 'no template, no file', args: ['start'], says: ['--file'] },
  {
    name: 'template and --file together',
    args: ['start', 'sdlc', '--file', '{file:ok.yaml}'],
    files: { 'ok.yaml': oneAgentPhase() },
    says: ['--file', 'sdlc'],
  },
  {
    name: 'missing file',
    args: ['start', '--file', '/nonexistent/def.yaml'],
    says: ['/nonexistent/def.yaml'],
  },
  {
    name: 'YAML syntax error',
    args: ['start', '--file', '{file:broken.yaml}'],
    files: { 'broken.yaml': 'name: x\nphases: [\n' },
    says: ['broken.yaml'],
  },
  { name: 'unknown param', args: ['start', 'node-express-api', '-p', 'servic=x'], says: ['params.servic'] },
  {
    name: 'param without =',
    args: ['start', 'node-express-api', '-p', 'service'],
    says: ['--param', 'key=value'],
  },
  {
    name: 'empty requirements',
    args: ['start', 'node-express-api', '-p', 'requirements='],
    says: ['params.requirements'],
  },
  {
    name: 'resources that are not names',
    args: ['start', 'node-express-api', '-p', 'resources=Books!'],
    says: ['params.resources', 'Books!'],
  },
  {
    name: 'service with spaces',
    args: ['start', 'node-express-api', '-p', 'service=My Service'],
    says: ['params.service'],
  },
  {
    name: 'environment with a path',
    args: ['start', 'sdlc', '-p', 'environment=../x'],
    says: ['params.environment', '../x'],
  },
  {
    name: 'number param given text',
    args: ['start', '--file', '{file:num.yaml}', '-p', 'count=many'],
    files: { 'num.yaml': oneAgentPhase('', 'params:\n  count: { type: number, default: 1 }\n') },
    says: ['params.count', 'many'],
  },
  // Run ids.
  { name: 'empty id', args: ['start', 'node-express-api', '--id', ''], says: ['--id'] },
  { name: 'id with ../', args: ['start', 'node-express-api', '--id', '../../victim'], says: ['--id', '/'] },
  { name: 'id of dots', args: ['start', 'node-express-api', '--id', '..'], says: ['--id', '..'] },
  {
    name: 'id over 1000 chars',
    args: ['start', 'node-express-api', '--id', 'x'.repeat(2000)],
    says: ['--id', '1000'],
  },
  {
    name: 'id with a newline',
    args: ['start', 'node-express-api', '--id', 'a\nb'],
    says: ['--id', 'control'],
  },
  // Definitions.
  {
    name: 'definition is a list',
    args: ['start', '--file', '{file:list.yaml}'],
    files: { 'list.yaml': '- a\n- b\n' },
    says: ['must be an object'],
  },
  {
    name: 'no phases',
    args: ['start', '--file', '{file:nophases.yaml}'],
    files: { 'nophases.yaml': 'name: x\nphases: []\n' },
    says: ['phases'],
  },
  {
    name: 'unknown agent',
    args: ['start', '--file', '{file:agent.yaml}'],
    files: { 'agent.yaml': 'name: x\nphases:\n  - id: a\n    agent: nobody\n' },
    says: ['phases[a].agent', 'nobody'],
  },
  {
    name: 'unknown phase field',
    args: ['start', '--file', '{file:field.yaml}'],
    files: { 'field.yaml': oneAgentPhase('    retires: 3\n') },
    says: ['phases[hello]', 'retires'],
  },
  {
    name: 'typo in an agent input key',
    args: ['start', '--file', '{file:input.yaml}'],
    files: {
      'input.yaml': 'name: x\nphases:\n  - id: hello\n    agent: design\n    input: { servic: demo }\n',
    },
    says: ['phases[hello].input', 'servic'],
  },
  {
    name: 'duplicate phase ids',
    args: ['start', '--file', '{file:dup.yaml}'],
    files: {
      'dup.yaml': 'name: x\nphases:\n  - id: a\n    agent: design\n  - id: a\n    agent: design\n',
    },
    says: ['phases[a].id', 'duplicate'],
  },
  {
    name: 'needs an unknown phase',
    args: ['start', '--file', '{file:needs.yaml}'],
    files: { 'needs.yaml': oneAgentPhase('    needs: [ghost]\n') },
    says: ['phases[hello].needs[0]', 'ghost'],
  },
  {
    name: 'dependency cycle',
    args: ['start', '--file', '{file:cycle.yaml}'],
    files: {
      'cycle.yaml':
        'name: x\nphases:\n  - id: a\n    agent: design\n    needs: [b]\n  - id: b\n    agent: design\n    needs: [a]\n',
    },
    says: ['cycle'],
  },
  {
    name: 'gate timeout of 200000000d',
    args: ['start', '--file', '{file:gate.yaml}'],
    files: { 'gate.yaml': oneAgentPhase('    approval: { timeout: 200000000d }\n') },
    says: ['phases[hello].approval.timeout', '365'],
  },
  {
    name: 'attempt timeout of 30d',
    args: ['start', '--file', '{file:attempt.yaml}'],
    files: { 'attempt.yaml': oneAgentPhase('    timeout: 30d\n') },
    says: ['phases[hello].timeout'],
  },
  {
    name: 'timeout that is not a duration',
    args: ['start', '--file', '{file:dur.yaml}'],
    files: { 'dur.yaml': oneAgentPhase('    timeout: soon\n') },
    says: ['phases[hello].timeout', 'soon'],
  },
  {
    name: 'negative timeout',
    args: ['start', '--file', '{file:neg.yaml}'],
    files: { 'neg.yaml': oneAgentPhase('    timeout: -5\n') },
    says: ['phases[hello].timeout'],
  },
  {
    name: 'retry maxAttempts of a million',
    args: ['start', '--file', '{file:retry.yaml}'],
    files: { 'retry.yaml': oneAgentPhase('    retry: { maxAttempts: 1000000 }\n') },
    says: ['phases[hello].retry.maxAttempts'],
  },
  {
    name: 'retry maxAttempts of zero',
    args: ['start', '--file', '{file:retry0.yaml}'],
    files: { 'retry0.yaml': oneAgentPhase('    retry: { maxAttempts: 0 }\n') },
    says: ['phases[hello].retry.maxAttempts'],
  },
  {
    name: 'binding to a phase not needed',
    args: ['start', '--file', '{file:bind.yaml}'],
    files: {
      'bind.yaml':
        'name: x\nphases:\n  - id: a\n    agent: design\n  - id: b\n    agent: design\n    input: { service: "${phases.a.output.x}" }\n',
    },
    says: ['phases[b].input', 'needs'],
  },
  {
    name: 'binding that is not a binding',
    args: ['start', '--file', '{file:bind2.yaml}'],
    files: { 'bind2.yaml': oneAgentPhase().replace('service: demo', 'service: "${nonsense}"') },
    says: ['phases[hello].input', 'nonsense'],
  },
  {
    name: 'phase id with a space',
    args: ['start', '--file', '{file:id.yaml}'],
    files: { 'id.yaml': 'name: x\nphases:\n  - id: "my phase"\n    agent: design\n' },
    says: ['id'],
  },
  {
    name: 'input nested 100,000 levels',
    args: ['start', '--file', '{file:deep.json}'],
    files: {
      'deep.json': `{"name":"x","phases":[{"id":"a","agent":"design","input":{"service":"s","deep":${deep(100_000)}}}]}`,
    },
    says: ['phases[a].input', 'nest'],
  },
  {
    name: 'a 5 MB definition',
    args: ['start', '--file', '{file:huge.json}'],
    files: {
      'huge.json': JSON.stringify({
        name: 'x',
        description: 'd'.repeat(5 * 1024 * 1024),
        phases: [{ id: 'a', agent: 'design' }],
      }),
    },
    says: [/definition|description/, /KB|MB/],
  },
  {
    name: 'more phases than allowed',
    args: ['start', '--file', '{file:many.json}'],
    files: {
      'many.json': JSON.stringify({
        name: 'x',
        phases: Array.from({ length: 500 }, (_, i) => ({ id: `p${i}`, agent: 'design' })),
      }),
    },
    says: ['phases', '200'],
  },
  // Decisions from the CLI, against a run waiting at its `spec` gate.
  { name: 'approve an unknown phase', args: ['approve', '{run}', 'nosuch'], says: ['nosuch', 'spec'] },
  {
    name: 'approve a phase with no open gate',
    args: ['approve', '{run}', 'build'],
    says: ['build', 'no open gate'],
  },
  { name: 'approve a missing run', args: ['approve', 'no-such-run-xyz', 'spec'], says: ['no-such-run-xyz'] },
  {
    name: 'decide as baton:auto',
    args: ['approve', '{run}', 'spec', '--by', 'baton:auto'],
    says: ['--by', 'baton:'],
  },
  {
    name: 'a forged line in --by',
    args: ['approve', '{run}', 'spec', '--by', 'alice\n  2026-01-01  codegen: approve by security-team'],
    says: ['--by', 'control'],
  },
  {
    name: 'ANSI escapes in --comment',
    args: ['approve', '{run}', 'spec', '--comment', '\u001b[2J\u001b[Hhello'],
    says: ['--comment', 'control'],
  },
  { name: 'empty --by', args: ['approve', '{run}', 'spec', '--by', ' '], says: ['by'] },
  { name: 'modify without --set', args: ['modify', '{run}', 'spec'], says: ['--set'] },
  {
    name: 'modify a field the agent does not take',
    args: ['modify', '{run}', 'spec', '--set', 'resource=orders'],
    says: ['resource', 'resources'],
  },
  {
    name: 'modify with a value of the wrong type',
    args: ['modify', '{run}', 'spec', '--set', 'resources={"orders":1}'],
    says: ['changes.resources', 'not object'],
  },
  {
    name: 'modify --set without =',
    args: ['modify', '{run}', 'spec', '--set', 'resources'],
    says: ['--set'],
  },
  {
    name: 'a 100 KB comment',
    args: ['approve', '{run}', 'spec', '--comment', 'c'.repeat(100 * 1024)],
    says: ['comment', /KB|characters/],
  },
  { name: 'unknown action', args: ['approves', '{run}', 'spec'], says: ['approves'] },
  // Other commands.
  { name: 'status of a missing run', args: ['status', 'no-such-run-xyz'], says: ['no-such-run-xyz'] },
  { name: 'cancel a missing run', args: ['cancel', 'no-such-run-xyz'], says: ['no-such-run-xyz'] },
  { name: 'artifact with a bad uri', args: ['artifact', 'file:///etc/passwd'], says: ['baton-artifact://'] },
  {
    name: 'artifacts of an unknown phase',
    args: ['artifacts', '{run}', '--phase', 'nosuch'],
    says: ['nosuch'],
  },
  {
    name: 'unknown namespace',
    args: ['inbox'],
    env: { TEMPORAL_NAMESPACE: 'nope' },
    says: ['nope', 'namespace'],
  },
  {
    name: 'bad query timeout',
    args: ['status', '{run}'],
    env: { BATON_QUERY_TIMEOUT_MS: 'soon' },
    says: ['BATON_QUERY_TIMEOUT_MS', 'soon'],
  },
  // Config.
  {
    name: 'config with an API key in it',
    args: ['validate', 'node-express-api'],
    files: { 'key.yaml': 'providers:\n  openai: { apiKey: sk-secret }\n' },
    env: { BATON_CONFIG: '{file:key.yaml}' },
    says: ['providers.openai'],
  },
  {
    name: 'config with credentials in a URL',
    args: ['validate', 'node-express-api'],
    files: {
      'url.yaml':
        'providers:\n  local: { kind: openai-compatible, baseUrl: "http://user:sk-secret@127.0.0.1:9/v1" }\n',
    },
    env: { BATON_CONFIG: '{file:url.yaml}' },
    says: ['providers.local.baseUrl'],
  },
  {
    name: 'config with an unknown provider kind',
    args: ['validate', 'node-express-api'],
    files: { 'kind.yaml': 'providers:\n  local: { kind: cobol, baseUrl: "http://127.0.0.1:9/v1" }\n' },
    env: { BATON_CONFIG: '{file:kind.yaml}' },
    says: ['providers.local.kind'],
  },
  {
    name: 'config model with an unknown provider',
    args: ['validate', 'node-express-api'],
    files: { 'model.yaml': 'defaultModel: nobody:gpt\n' },
    env: { BATON_CONFIG: '{file:model.yaml}' },
    says: ['defaultModel', 'nobody'],
  },
  {
    name: 'config that is not YAML',
    args: ['validate', 'node-express-api'],
    files: { 'bad.yaml': 'providers: [\n' },
    env: { BATON_CONFIG: '{file:bad.yaml}' },
    says: ['bad.yaml'],
  },
  {
    name: 'command agent without a command',
    args: ['validate', 'node-express-api'],
    files: { 'cmd.yaml': 'commandAgents:\n  coder: { args: [x] }\n' },
    env: { BATON_CONFIG: '{file:cmd.yaml}' },
    says: ['commandAgents.coder.command'],
  },
  {
    name: 'credentials in OPENAI_BASE_URL',
    args: ['validate', 'node-express-api'],
    env: { OPENAI_BASE_URL: 'http://u:sk-secret@127.0.0.1:9/v1' },
    says: ['OPENAI_BASE_URL'],
  },
];

let waiting = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-bad-'));
  await file('none.yaml', '{}\n');
  waiting = uniqueId('bad-waiting');
  const started = await baton(['start', 'node-express-api', '--id', waiting]);
  expect(started.code, started.stderr).toBe(0);
  await waitForGate(shared.baton, waiting, 'spec');
});

afterAll(async () => {
  await shared.baton.client.workflow
    .getHandle(waiting)
    .terminate('test over')
    .catch(() => undefined);
});

async function resolve(row: CliRow): Promise<{ args: string[]; env: Record<string, string> }> {
  for (const [name, text] of Object.entries(row.files ?? {})) await file(name, text);
  const fill = (value: string) =>
    value.replace('{run}', waiting).replace(/\{file:([^}]+)\}/g, (_, name: string) => join(dir, name));
  const env = Object.fromEntries(Object.entries(row.env ?? {}).map(([k, v]) => [k, fill(v)]));
  // A row without a config of its own gets an empty one, not whatever the machine has.
  return { args: row.args.map(fill), env: { BATON_CONFIG: join(dir, 'none.yaml'), ...env } };
}

describe.concurrent('bad input through the CLI', () => {
  it.each(cliRows.map((row) => [row.name, row] as const))('%s', async (_, row) => {
    const { args, env } = await resolve(row);
    const result = await baton(args, env);
    expect(result.code, result.stderr).toBe(row.code ?? 1);
    expect(result.stderr).toMatch(/^error: /m);
    expect(result.stderr, 'no stack trace').not.toMatch(STACK);
    for (const text of row.says) expect(result.stderr).toMatch(typeof text === 'string' ? text : text);
  });
});

interface MessageRow {
  name: string;
  payload: Record<string, unknown>;
  says: string;
}

const messageRows: MessageRow[] = [
  { name: 'no phase', payload: { action: 'approve', by: 'a' }, says: 'phase' },
  { name: 'unknown action', payload: { phase: 'spec', action: 'yes', by: 'a' }, says: 'action' },
  { name: 'no by', payload: { phase: 'spec', action: 'approve' }, says: 'by' },
  { name: 'reserved by', payload: { phase: 'spec', action: 'approve', by: 'baton:timeout' }, says: 'baton:' },
  { name: 'unknown phase', payload: { phase: 'ghost', action: 'approve', by: 'a' }, says: 'ghost' },
  { name: 'no open gate', payload: { phase: 'build', action: 'approve', by: 'a' }, says: 'no open gate' },
  { name: 'modify without changes', payload: { phase: 'spec', action: 'modify', by: 'a' }, says: 'changes' },
  {
    name: 'modify an unknown field',
    payload: { phase: 'spec', action: 'modify', by: 'a', changes: { resource: 'x' } },
    says: 'resource',
  },
  {
    name: 'changes that are not an object',
    payload: { phase: 'spec', action: 'modify', by: 'a', changes: 'resources=x' },
    says: 'changes',
  },
  {
    name: 'changes nested too deep',
    payload: { phase: 'spec', action: 'modify', by: 'a', changes: { resources: JSON.parse(deep(100)) } },
    says: 'changes',
  },
  {
    name: 'comment of the wrong type',
    payload: { phase: 'spec', action: 'approve', by: 'a', comment: 42 },
    says: 'comment',
  },
];

describe('bad decisions sent straight to a run', () => {
  it.each(messageRows.map((row) => [row.name, row] as const))(
    'the update refuses, naming the field: %s',
    async (_, row) => {
      const handle = shared.baton.client.workflow.getHandle(waiting);
      const error = await handle.executeUpdate(decideUpdate, { args: [row.payload as never] }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((error as WorkflowUpdateFailedError).cause?.message).toContain(row.says);
    },
  );

  it('the signal records each as ignored, with the reason, and the run still waits at its gate', async () => {
    const handle = shared.baton.client.workflow.getHandle(waiting);
    const before = (await queryStatus(shared.baton, waiting)).ignoredSignals.length;
    for (const row of messageRows) await handle.signal(approvalSignal, row.payload as never);
    const status = await waitFor(
      () => queryStatus(shared.baton, waiting),
      (s) => s.ignoredSignals.length >= Math.min(before + messageRows.length, 50),
    );
    const reasons = status.ignoredSignals.slice(-messageRows.length).map((s) => s.reason);
    messageRows.forEach((row, i) => expect(reasons[i]).toContain(row.says));
    expect(status.state).toBe('waiting');
    expect(status.gates.map((g) => g.phase)).toEqual(['spec']);
  });
});

interface StartRow {
  name: string;
  args: unknown;
  says: string;
}

const phase = (extra: Record<string, unknown> = {}) => ({ id: 'a', agent: 'design', ...extra });
const defn = (phases: unknown[], extra: Record<string, unknown> = {}) => ({ name: 'raw', phases, ...extra });

const startRows: StartRow[] = [
  { name: 'no argument', args: undefined, says: 'definition' },
  { name: 'a string argument', args: 'node-express-api', says: '(input)' },
  { name: 'definition missing', args: {}, says: 'definition is required' },
  {
    name: 'gate timeout 1e300',
    args: { definition: defn([phase({ approval: { timeout: 1e300 } })]) },
    says: 'approval.timeout',
  },
  {
    name: 'gate timeout 200000000d',
    args: { definition: defn([phase({ approval: { timeout: '200000000d' } })]) },
    says: 'approval.timeout',
  },
  {
    name: 'attempt timeout Infinity-like',
    args: { definition: defn([phase({ timeout: 1e300 })]) },
    says: 'timeout',
  },
  {
    name: 'negative retry',
    args: { definition: defn([phase({ retry: { maxAttempts: -1 } })]) },
    says: 'retry.maxAttempts',
  },
  {
    name: 'param of the wrong type',
    args: { definition: defn([phase()]), params: { x: { y: 1 } } },
    says: 'params',
  },
  {
    name: 'input nested 2,000 levels (the client cannot encode much deeper)',
    args: { definition: defn([phase({ input: { deep: JSON.parse(deep(2_000)) } })]) },
    says: 'nest',
  },
  {
    name: 'phase with two kinds of agent',
    args: { definition: defn([phase({ agent: 42 })]) },
    says: 'agent',
  },
  {
    name: 'unknown approval mode',
    args: { definition: defn([phase()]), approvalMode: 'yolo' },
    says: 'approvalMode',
  },
  {
    name: 'a 1.5 MB description',
    args: { definition: defn([phase()], { description: 'd'.repeat(1_500_000) }) },
    says: 'definition',
  },
];

describe.concurrent('bad input sent straight to `pipeline`', () => {
  it.each(startRows.map((row) => [row.name, row] as const))(
    'fails the run at once, naming the field: %s',
    async (_, row) => {
      const handle = await shared.baton.client.workflow.start(WORKFLOW_TYPE, {
        taskQueue: shared.taskQueue,
        workflowId: uniqueId('bad-start'),
        args: row.args === undefined ? [] : [row.args],
      });
      const error = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WorkflowFailedError);
      const cause = (error as WorkflowFailedError).cause as Error & { type?: string };
      expect(cause.type).toBe('Baton.InvalidDefinition');
      expect(cause.message).toContain(row.says);
      // Failed on its first workflow task, not after a retry loop.
      const history = await handle.fetchHistory();
      expect(history.events?.some((e) => e.workflowTaskFailedEventAttributes)).toBe(false);
    },
  );
});

describe('after all of that', () => {
  it('no run but the waiting one is left running on the task queue', async () => {
    const running = await waitFor(
      async () => {
        const ids: string[] = [];
        const query = `TaskQueue = "${shared.taskQueue}" AND ExecutionStatus = "Running"`;
        for await (const run of shared.baton.client.workflow.list({ query })) ids.push(run.workflowId);
        return ids;
      },
      (ids) => ids.length === 1,
    );
    expect(running).toEqual([waiting]);
  });
});
