import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Agent, AgentContext } from '../../src/activities/agents/agent';
import { defineCommandAgent } from '../../src/activities/agents/command/agent';
import {
  type CommandAgentResult,
  type CommandAgentSpec,
  CommandAgentSpecSchema,
} from '../../src/activities/agents/command/config';
import type { ArtifactRef } from '../../src/shared/status';
import { failureOf } from '../helpers/agent-context';

const NODE = process.execPath;
const created: string[] = [];

afterAll(async () => {
  await Promise.all(created.map((dir) => rm(dir, { recursive: true, force: true })));
});

interface Harness {
  context: AgentContext;
  controller: AbortController;
  heartbeats: unknown[];
  stored: Map<string, { content: Buffer; ref: ArtifactRef }>;
}

async function harness(): Promise<Harness> {
  const workspace = await mkdtemp(path.join(os.tmpdir(), 'baton-command-'));
  created.push(workspace);
  const controller = new AbortController();
  const heartbeats: unknown[] = [];
  const stored = new Map<string, { content: Buffer; ref: ArtifactRef }>();
  const context: AgentContext = {
    workspace,
    workflowId: 'command-test',
    runId: 'run-1',
    phase: 'implement',
    attempt: 2,
    heartbeat: (details) => void heartbeats.push(details),
    signal: controller.signal,
    log: () => undefined,
    async saveArtifact({ name, content, mediaType }) {
      const bytes = Buffer.from(content);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const ref = {
        uri: `baton-artifact://sha256/${sha256}`,
        sha256,
        bytes: bytes.length,
        mediaType: mediaType ?? 'application/octet-stream',
        name,
      };
      stored.set(name, { content: bytes, ref });
      return ref;
    },
    recordUsage: () => undefined,
  };
  return { context, controller, heartbeats, stored };
}

/** Runs an agent the way the runAgent activity does: parse input, run, parse output. */
async function run(agent: Agent, input: unknown, h: Harness): Promise<CommandAgentResult> {
  const output = await agent.run(agent.input.parse(input), h.context);
  return agent.output.parse(output) as CommandAgentResult;
}

function node(name: string, script: string, extra: Partial<CommandAgentSpec> = {}): Agent {
  return defineCommandAgent({ ...extra, name, command: NODE, args: ['-e', script, ...(extra.args ?? [])] });
}

/** True while the process exists and is not a zombie waiting for a reaper. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

async function waitFor(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  for (const deadline = Date.now() + ms; !check();) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A shell command whose grandchild (a node process) records its pid in `pidFile` and runs for a
 * minute, optionally ignoring SIGTERM. The script lives outside the workspace.
 */
async function spawnsGrandchild(pidFile: string, ignoreTerm = false): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-grandchild-'));
  created.push(dir);
  const script = path.join(dir, 'grandchild.cjs');
  await writeFile(
    script,
    `${ignoreTerm ? "process.on('SIGTERM', () => {});\n" : ''}require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));\nsetTimeout(() => {}, 60000);\n`,
  );
  return `'${NODE}' '${script}' & echo started; wait`;
}

describe('command agents', () => {
  it('templates args, env and the prompt, feeds the prompt on stdin, and returns the output', async () => {
    const h = await harness();
    const agent = node(
      'echo',
      `let s = ''; process.stdin.on('data', (d) => (s += d)).on('end', () => {
        console.log(JSON.stringify({ argv: process.argv.slice(1), stdin: s, env: process.env.GREETING, phase: process.env.BATON_PHASE, cwd: process.cwd() }));
        console.error('a warning');
      });`,
      {
        args: [
          '{{input.name}}',
          '{{ input.nested.count }}',
          '{{input.tags}}',
          '{{phase}}/{{attempt}}',
          '{{workspace}}',
          '{{prompt}}',
        ],
        prompt: 'Fix {{input.name}} in {{phase}}',
        env: { GREETING: 'hi {{input.name}}' },
        stdin: 'prompt',
      },
    );
    const result = await run(
      agent,
      { name: 'login bug; rm -rf /', nested: { count: 3 }, tags: ['a', 'b'] },
      h,
    );
    expect(result).toMatchObject({ exitCode: 0, stderr: 'a warning\n', truncated: false, changedFiles: [] });
    const seen = JSON.parse(result.stdout) as Record<string, unknown>;
    const prompt = 'Fix login bug; rm -rf / in implement';
    expect(seen).toEqual({
      argv: ['login bug; rm -rf /', '3', '["a","b"]', 'implement/2', h.context.workspace, prompt],
      stdin: prompt,
      env: 'hi login bug; rm -rf /',
      phase: 'implement',
      cwd: await realpath(h.context.workspace),
    });
    expect(result.durationMs).toBeGreaterThan(0);
    const log = h.stored.get('command-output.log');
    expect(log?.content.toString()).toContain('a warning');
    expect(result.artifacts).toEqual([log?.ref]);

    // A prompt in the phase input replaces the spec's template, verbatim.
    const again = await run(
      agent,
      { name: 'x', nested: { count: 1 }, tags: [], prompt: 'Use {{literal}} braces' },
      h,
    );
    expect((JSON.parse(again.stdout) as { stdin: string }).stdin).toBe('Use {{literal}} braces');
  });

  it('names the placeholder and the available keys when the input lacks one', async () => {
    const h = await harness();
    const agent = node('needs-ticket', 'console.log(1)', { args: ['{{input.ticket.id}}'] });
    const failure = await failureOf(run(agent, { title: 't', ticket: { key: 'B-1' } }, h));
    expect(failure).toMatchObject({ type: 'Agent.BadInput', nonRetryable: true });
    expect(failure.message).toContain('{{input.ticket.id}}');
    expect(failure.message).toContain('keys of input.ticket: key');

    const noPrompt = node('no-prompt', 'console.log(1)', { args: ['{{prompt}}'] });
    expect((await failureOf(run(noPrompt, {}, h))).message).toMatch(
      /\{\{prompt\}\} is used but there is no prompt/,
    );
    const unknown = node('unknown', 'console.log(1)', { args: ['{{params.x}}'] });
    expect((await failureOf(run(unknown, {}, h))).message).toMatch(/unknown placeholder \{\{params\.x\}\}/);
  });

  it('fails a non-zero exit as Agent.CommandFailed, or returns it when failOnNonZero is false', async () => {
    const h = await harness();
    const script = "console.log('partial'); console.error('error: lint found 2 problems'); process.exit(3)";
    const failure = await failureOf(run(node('lint', script), {}, h));
    expect(failure).toMatchObject({ type: 'Agent.CommandFailed', nonRetryable: true });
    expect(failure.message).toContain('exited with code 3');
    expect(failure.message).toContain('error: lint found 2 problems');
    expect(failure.message).toContain('baton-artifact://sha256/');

    const result = await run(node('lint', script, { failOnNonZero: false }), {}, h);
    expect(result).toMatchObject({
      exitCode: 3,
      stdout: 'partial\n',
      stderr: 'error: lint found 2 problems\n',
    });
  });

  it('times out as a retryable Agent.Timeout and kills the process group, even a child ignoring SIGTERM', async () => {
    const h = await harness();
    const pidFile = path.join(h.context.workspace, 'grandchild.pid');
    const agent = defineCommandAgent({
      name: 'slow',
      command: 'sh',
      args: ['-c', await spawnsGrandchild(pidFile, true)],
      timeout: '1500ms',
    });
    const failure = await failureOf(run(agent, {}, h));
    expect(failure).toMatchObject({ type: 'Agent.Timeout', nonRetryable: false });
    expect(failure.message).toContain('timed out after 1.5s');
    expect(failure.message).toContain('started');
    const pid = Number(await readFile(pidFile, 'utf8'));
    await waitFor(() => !isAlive(pid), `grandchild ${pid} to die`);
  });

  it('on cancel kills the process group and rethrows the cancellation', async () => {
    const h = await harness();
    const pidFile = path.join(h.context.workspace, 'grandchild.pid');
    const agent = defineCommandAgent({
      name: 'agent-cli',
      command: 'sh',
      args: ['-c', await spawnsGrandchild(pidFile)],
    });
    const running = run(agent, {}, h);
    await waitFor(
      () => existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '',
      'the grandchild to start',
    );
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(isAlive(pid)).toBe(true);
    const reason = new Error('activity cancelled');
    h.controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    await waitFor(() => !isAlive(pid), `grandchild ${pid} to die`);
  });

  it('bounds large output with a marker and keeps the whole of it as an artifact', async () => {
    const h = await harness();
    const size = 5 * 1024 * 1024;
    const agent = node(
      'loud',
      `process.stdout.write('BEGIN' + 'x'.repeat(${size - 8}) + 'END'); console.error('done')`,
      {
        maxOutputBytes: 16 * 1024,
      },
    );
    const result = await run(agent, {}, h);
    expect(result.truncated).toBe(true);
    expect(result.stdout.startsWith('BEGIN')).toBe(true);
    expect(result.stdout.endsWith('END')).toBe(true);
    expect(result.stdout).toMatch(/\n\[… \d+ bytes omitted …\]\n/);
    expect(Buffer.byteLength(result.stdout)).toBeLessThan(16 * 1024 + 100);
    expect(result.stderr).toBe('done\n');
    const log = h.stored.get('command-output.log');
    expect(log?.ref.bytes).toBe(size + 'done\n'.length);
    expect(JSON.stringify(result).length).toBeLessThan(20 * 1024);
  });

  it('saves created and modified files as artifacts, not unchanged or merely touched ones', async () => {
    const h = await harness();
    const ws = h.context.workspace;
    await mkdir(path.join(ws, 'node_modules', 'dep'), { recursive: true });
    await writeFile(path.join(ws, 'node_modules', 'dep', 'index.js'), 'old');
    await writeFile(path.join(ws, 'unchanged.txt'), 'same');
    await writeFile(path.join(ws, 'touched.txt'), 'same');
    await writeFile(path.join(ws, 'modified.ts'), 'export const a = 1;\n');
    await utimes(path.join(ws, 'touched.txt'), new Date(2020, 0, 1), new Date(2020, 0, 1));
    const script = `const fs = require('fs');
      fs.writeFileSync('modified.ts', 'export const a = 2;\\n');
      fs.mkdirSync('docs'); fs.writeFileSync('docs/plan.md', '# Plan\\n');
      fs.utimesSync('touched.txt', new Date(), new Date());
      fs.writeFileSync('node_modules/dep/index.js', 'new');`;
    const result = await run(node('coder', script), {}, h);
    expect(result.changedFiles).toEqual(['docs/plan.md', 'modified.ts']);
    const plan = h.stored.get('docs/plan.md');
    expect(plan?.ref).toMatchObject({ mediaType: 'text/markdown', bytes: 7 });
    expect(plan?.ref.sha256).toBe(createHash('sha256').update('# Plan\n').digest('hex'));
    expect(h.stored.get('modified.ts')?.content.toString()).toBe('export const a = 2;\n');
    expect(result.artifacts.map((a) => a.name)).toEqual(['docs/plan.md', 'modified.ts']);
  });

  it('heartbeats its output progress while output flows', async () => {
    const h = await harness();
    const agent = node(
      'stream',
      "let i = 0; const t = setInterval(() => { console.log('line ' + ++i); if (i === 25) clearInterval(t); }, 100)",
    );
    const result = await run(agent, {}, h);
    expect(result.stdout.split('\n')).toHaveLength(26);
    const progress = h.heartbeats.filter(
      (d): d is { bytes: number; lines: number; lastLine: string } => (d as { bytes?: number }).bytes! > 0,
    );
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.length).toBeLessThanOrEqual(5);
    for (const beat of progress) expect(beat.lastLine).toBe(`line ${beat.lines}`);
    const bytes = progress.map((p) => p.bytes);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
  });

  it('says how to configure a command that is not installed', async () => {
    const h = await harness();
    const agent = defineCommandAgent({ name: 'claude', command: 'baton-no-such-cli', args: ['-p', 'hi'] });
    const failure = await failureOf(run(agent, {}, h));
    expect(failure).toMatchObject({ type: 'Agent.BadInput', nonRetryable: true });
    expect(failure.message).toContain('"baton-no-such-cli" was not found');
    expect(failure.message).toContain('commandAgents.claude.command');
  });

  it('validates specs and names the bad key', () => {
    expect(CommandAgentSpecSchema.safeParse({ name: 'x', command: 'x', timeout: 'soon' }).success).toBe(
      false,
    );
    expect(() => defineCommandAgent({ name: 'x', command: 'x', stdin: 'file' as 'none' })).toThrow(/stdin/);
    expect(CommandAgentSpecSchema.parse({ name: 'x', command: 'x' })).toMatchObject({
      args: [],
      timeout: '30m',
      maxOutputBytes: 65536,
      stdin: 'none',
      failOnNonZero: true,
    });
  });
});
