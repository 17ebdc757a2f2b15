import { describe, expect, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import type { DispatchDecision } from '../../src/dispatch/decision';
import type { RunSummary } from '../../src/shared/status';
import { validateDefinition } from '../../src/shared/validate';
import { cli, expectCleanError } from '../client/cli-helpers';
import { useWorker } from '../helpers/env';
import { makeUserRepo } from '../helpers/user-repo';

// The shipped templates, as the worker and the CLI find them.
const templates = new URL('../../templates', import.meta.url).pathname;
process.env.BATON_TEMPLATES_DIR = templates;

/** A repository with a committed AWS key, a vulnerable lodash and an eval of user input. */
const PLANTED = {
  'package.json': `${JSON.stringify({ name: 'shop', version: '1.0.0', dependencies: { lodash: '4.17.20' } }, null, 2)}\n`,
  'src/auth/config.js': `export const accessKeyId = '${['AKIA', 'Z7QW2XKLMN4PQRS8'].join('')}';\n`,
  'src/auth/login.js': 'export function login(userInput) {\n  return eval(userInput);\n}\n',
};

const shared = useWorker({ prefix: 'dispatch-cli', agents: builtinAgents() });
const { baton } = cli(shared);
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

    // Done when: the audit is picked and produces findings, here on a repository (--repo).
    const repo = await makeUserRepo(PLANTED);
    const run = await baton(
      ['dispatch', AUDIT, '--repo', repo.dir, '--auto-approve', '--wait', '--json'],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as RunSummary & { workflowId: string };
    expect(summary.state).toBe('completed');
    expect((summary.outputs.plan as { template: string }).template).toBe('security-audit');
    // On --repo the template's phases run in the dispatch run itself, after the plan.
    expect(summary.phases.map((p) => `${p.id}:${p.state}`)).toEqual([
      'plan:done',
      'secrets:done',
      'dependencies:done',
      'static:done',
      'llm-review:done',
      'report:done',
    ]);
    const report = summary.outputs.report as { findings: { file?: string }[]; worst: string };
    const files = report.findings.map((f) => f.file);
    expect(files).toEqual(
      expect.arrayContaining(['src/auth/config.js', 'src/auth/login.js', 'package.json']),
    );
    expect(report.worst).toBe('critical');
  });

  it('refuses a request too short to analyse, and --dry-run with --wait', async () => {
    expectCleanError(await baton(['dispatch', ' ', '--dry-run'], env), 'describe the work');
    expectCleanError(
      await baton(['dispatch', AUDIT, '--dry-run', '--wait'], env),
      '--dry-run starts nothing',
    );
  });
});
