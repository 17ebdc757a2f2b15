import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import { createApi } from '../../src/client/api';
import { startRun, waitForResult } from '../../src/client/runs';
import { loadConfig } from '../../src/config';
import { createLlm } from '../../src/activities/llm';
import { failureOf, agentContext } from '../helpers/agent-context';
import { queryStatus, useWorker, waitForGate } from '../helpers/env';
import { chatCompletion, startFakeOpenAI } from '../helpers/fake-openai';
import { tempWorkspace, runAgent, type Json } from '../helpers/template-run';
import { makeUserRepo } from '../helpers/user-repo';

const shared = useWorker({ prefix: 'security-audit', agents: builtinAgents() });

// Planted: an AWS key and eval(userInput) in the authentication module, a vulnerable lodash at the
// root, and a GitHub token outside the module (out of scope for scope=src/auth).
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLQ';
const PLANTED = {
  'package.json': `${JSON.stringify({ name: 'shop', version: '1.0.0', dependencies: { lodash: '4.17.20', express: '^4.21.0' } }, null, 2)}\n`,
  'src/auth/config.js': `export const region = 'eu-west-1';\nexport const accessKeyId = '${AWS_KEY}';\n`,
  'src/auth/login.js':
    'export function check(userInput) {\n  // evaluates what the user typed\n  return eval(userInput);\n}\n',
  'src/other/tokens.js': `export const token = 'ghp_${'a1B2c3D4e5'.repeat(4)}';\n`,
};

async function seeded(files: Record<string, string>): Promise<string> {
  const dir = await tempWorkspace('baton-security-');
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}

describe('security-audit template', () => {
  it('finds the planted AWS key, vulnerable dependency and eval(userInput) in src/auth, ranks them and shows them at the gate', async () => {
    const repo = await makeUserRepo(PLANTED);
    const { workflowId } = await startRun(shared.baton, {
      template: 'security-audit',
      params: { scope: 'src/auth' },
      repo: repo.dir,
    });
    await waitForGate(shared.baton, workflowId, 'report');
    const status = await queryStatus(shared.baton, workflowId);
    const gate = status.gates.find((g) => g.phase === 'report') as Json;
    const output = gate.output;
    const rules = output.findings.map((f: Json) => `${f.severity} ${f.rule} ${f.file}:${f.line}`);
    expect(rules).toEqual([
      'critical aws-access-key-id src/auth/config.js:2',
      'high CVE-2021-23337 package.json:5',
      'high eslint/no-eval src/auth/login.js:3',
      'high eslint/security/detect-eval-with-expression src/auth/login.js:3',
    ]);
    // The secret is redacted everywhere it is shown; the token outside the scope is not reported.
    expect(JSON.stringify(output)).not.toContain(AWS_KEY);
    expect(output.findings[0].evidence).toContain('AKIA…[redacted, 20 chars]');
    expect(output).toMatchObject({
      worst: 'critical',
      llmReview: 'skipped',
      counts: { critical: 1, high: 3 },
    });
    expect(output.summary).toMatch(/4 finding\(s\) in src\/auth/);
    await createApi({ baton: shared.baton }).decide({
      id: workflowId,
      decision: { phase: 'report', action: 'approve', by: 'security-lead' },
    });
    const summary = await waitForResult(shared.baton, workflowId);
    expect(summary.state).toBe('completed');
    expect(summary.agentsWithoutLlm).toContain('security-review');
    expect(summary.outputs['llm-review']).toMatchObject({
      skipped: true,
      reason: expect.stringMatching(/no LLM/),
    });
  }, 60_000);

  it('writes reports/security.json and reports/security.md ranked by severity over the whole workspace', async () => {
    const dir = await seeded({
      ...PLANTED,
      'node_modules/x/key.js': `const k = '${AWS_KEY}';\n`,
      'key.pem': '-----BEGIN RSA PRIVATE KEY-----\nMIIB\n',
    });
    const secrets = await runAgent('secret-scan', { scope: '.' }, dir);
    const dependencies = await runAgent('dependency-audit', {}, dir);
    const lint = await runAgent('security-lint', {}, dir);
    // node_modules is never scanned; the private key, the AWS key and the GitHub token are.
    expect(secrets.findings.map((f: Json) => `${f.rule} ${f.file}:${f.line}`)).toEqual([
      'private-key key.pem:1',
      'aws-access-key-id src/auth/config.js:2',
      'github-token src/other/tokens.js:1',
    ]);
    expect(dependencies.findings.map((f: Json) => f.rule)).toEqual(['CVE-2021-23337']);
    const report = await runAgent(
      'security-report',
      {
        scope: '.',
        secrets: secrets.findings,
        dependencies: dependencies.findings,
        static: lint.findings,
        llmSkipped: 'offline',
      },
      dir,
    );
    expect(report.findings.map((f: Json) => f.severity)).toEqual([
      'critical',
      'critical',
      'high',
      'high',
      'high',
      'high',
    ]);
    const json = JSON.parse(await readFile(path.join(dir, 'reports/security.json'), 'utf8'));
    expect(json.total).toBe(6);
    const md = await readFile(path.join(dir, 'reports/security.md'), 'utf8');
    expect(md).toMatch(/\| 1 \| critical \| secret \| key\.pem:1 \| private-key \|/);
    expect(md).toContain('LLM review: skipped (offline)');
  });

  it('reads requirements.txt, pom.xml and lockfile versions; a range is judged by its lowest version', async () => {
    const dir = await seeded({
      'requirements.txt': 'requests==2.30.0\npyyaml==6.0\n',
      'pom.xml':
        '<project><dependencies><dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>2.14.1</version></dependency></dependencies></project>\n',
      'package.json': JSON.stringify({ dependencies: { minimist: '^1.2.0', ws: '^8.18.0' } }),
      'package-lock.json': JSON.stringify({
        packages: {
          '': {},
          'node_modules/minimist': { version: '1.2.8' },
          'node_modules/ws': { version: '8.18.0' },
        },
      }),
    });
    const out = await runAgent('dependency-audit', {}, dir);
    expect(out.findings.map((f: Json) => `${f.severity} ${f.rule} ${f.file}`).sort()).toEqual([
      'critical CVE-2021-44228 pom.xml',
      'medium CVE-2023-32681 requirements.txt',
    ]);
  });

  it('refuses a scope that leaves the workspace or does not exist, naming it', async () => {
    const dir = await seeded(PLANTED);
    const agent = builtinAgents().find((a) => a.name === 'secret-scan')!;
    const missing = await failureOf(agent.run({ scope: 'src/nope' }, agentContext(dir)));
    expect(missing.message).toMatch(/scope "src\/nope" does not exist in the workspace.*such as "src\/auth"/);
    const outside = await failureOf(agent.run({ scope: '../etc' }, agentContext(dir)));
    expect(outside.message).toMatch(/scope "\.\.\/etc" leaves the workspace/);
    await expect(
      startRun(shared.baton, { template: 'security-audit', params: { scope: '../secrets' } }),
    ).rejects.toThrow(/scope/);
  });

  it('asks the LLM for a security review when one is configured (fake OpenAI over HTTP)', async () => {
    const fake = await startFakeOpenAI();
    try {
      const dir = await seeded(PLANTED);
      const env = { OPENAI_BASE_URL: fake.baseUrl, BATON_MODEL: 'fake-sec-1' };
      const llm = createLlm(await loadConfig({ env, cwd: dir }), { env });
      fake.reply(
        chatCompletion(
          JSON.stringify({
            findings: [
              {
                file: 'src/auth/login.js',
                line: 3,
                severity: 'critical',
                message: 'eval of user input: remote code execution',
              },
              { file: 'elsewhere.js', line: 1, severity: 'low', message: 'not reviewed, dropped' },
            ],
          }),
        ),
      );
      const agent = builtinAgents().find((a) => a.name === 'security-review')!;
      const out = (await agent.run({ scope: 'src/auth' }, agentContext(dir, { llm }))) as Json;
      expect(out).toMatchObject({ skipped: false, reviewed: 2 });
      expect(out.findings).toEqual([
        expect.objectContaining({
          category: 'llm',
          severity: 'critical',
          file: 'src/auth/login.js',
          line: 3,
        }),
      ]);
      expect(fake.requests).toHaveLength(1);
      expect(fake.requests[0]!.text).toContain('return eval(userInput);');
    } finally {
      await fake.close();
    }
  });
});
