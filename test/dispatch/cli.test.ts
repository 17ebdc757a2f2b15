import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import type { DispatchDecision } from '../../src/dispatch/decision';
import type { RunSummary } from '../../src/shared/status';
import { validateDefinition } from '../../src/shared/validate';
import { cli, expectCleanError } from '../client/cli-helpers';
import { useWorker } from '../helpers/env';

// The shipped templates plus a stand-in `security-audit` (the real one comes from another branch):
// the mapping security-audit → `security-audit` is what is tested here.
const templates = mkdtempSync(path.join(os.tmpdir(), 'baton-dispatch-cli-'));
cpSync(new URL('../../templates', import.meta.url).pathname, templates, { recursive: true });
writeFileSync(
  path.join(templates, 'security-audit.yaml'),
  'name: security-audit\nphases:\n  - id: findings\n    agent: research\n    input: { query: "security audit" }\n    approval: true\n',
);
process.env.BATON_TEMPLATES_DIR = templates;

const shared = useWorker({ prefix: 'dispatch-cli', agents: builtinAgents() });
const { baton, json } = cli(shared);
const env = { BATON_TEMPLATES_DIR: templates };
const AUDIT = 'Conduct a security audit of the authentication module';

describe('baton dispatch (the CLI as a process)', () => {
  it('--dry-run composes a valid blue-green definition and picks security-audit; --auto-approve --wait runs it', async () => {
    const bg = await baton(
      ['dispatch', 'Create an automated blue-green deployment pipeline with rollback', '--dry-run'],
      env,
    );
    expect(bg.code, bg.stderr).toBe(0);
    expect(bg.stdout).toContain('strategy:  compose');
    expect(bg.stdout).toContain('definition (validated):');
    const composed = await baton(
      ['dispatch', 'Create an automated blue-green deployment pipeline with rollback', '--dry-run', '--json'],
      env,
    );
    const { decision } = JSON.parse(composed.stdout) as { decision: DispatchDecision };
    expect(validateDefinition(decision.definition, decision.params).ok).toBe(true);

    const audit = await baton(['dispatch', AUDIT, '--dry-run', '--json'], env);
    expect(JSON.parse(audit.stdout).decision).toMatchObject({
      workflowType: 'security-audit',
      strategy: 'template',
      template: 'security-audit',
    });

    const run = await baton(['dispatch', AUDIT, '--auto-approve', '--wait', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as RunSummary & { workflowId: string };
    expect(summary.state).toBe('completed');
    expect((summary.outputs.plan as { template: string }).template).toBe('security-audit');
    const child = await json<RunSummary>([
      'status',
      (summary.outputs.execute as { workflowId: string }).workflowId,
    ]);
    expect(child.phases.map((p) => `${p.id}:${p.state}`)).toEqual(['findings:done']);
  });

  it('refuses a request too short to analyse, and --dry-run with --wait', async () => {
    expectCleanError(await baton(['dispatch', ' ', '--dry-run'], env), 'describe the work');
    expectCleanError(
      await baton(['dispatch', AUDIT, '--dry-run', '--wait'], env),
      '--dry-run starts nothing',
    );
  });
});
