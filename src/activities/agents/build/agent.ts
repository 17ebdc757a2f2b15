import { AGENT_INPUTS } from '../../../shared/agent-inputs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { badInput } from '../../failures';
import { defineAgent } from '../agent';
import { isDirectory, resolveInside, toPosix } from '../toolbox/files';
import { buildJava } from './java';
import { BuildOutputSchema, type Job, writeLog } from './job';
import { buildNode } from './node';
import { buildTypeScript } from './typescript';

/** A Node project is TypeScript when the input says so, or, when it does not, when it has a tsconfig.json. */
async function isTypeScript(root: string, asked: boolean | undefined): Promise<boolean> {
  if (asked !== undefined) return asked;
  return access(path.join(root, 'tsconfig.json')).then(
    () => true,
    () => false,
  );
}

/** Checks, compiles and tests a generated project for real, and fails the phase when it does not build. */
export const buildAgent = defineAgent({
  name: 'build',
  description:
    'Syntax-checks and tests a Node project (npm install, tsc and the compiled tests for TypeScript), or ' +
    'compiles and self-checks a Java project with javac and packages it with mvn or gradle when present.',
  input: AGENT_INPUTS.build,
  output: BuildOutputSchema,
  async run(input, context) {
    const root = resolveInside(context.workspace, input.dir, 'dir');
    const job: Job = {
      workspace: context.workspace,
      root,
      rel: toPosix(path.relative(context.workspace, root)),
      context,
      log: [],
    };
    if (!(await isDirectory(root))) {
      throw badInput(`dir "${input.dir}" does not exist in the workspace; run the codegen phase first`);
    }
    job.log.push(`build ${input.target} in ${job.rel || '.'}`);
    context.heartbeat({ step: 'start', target: input.target });
    const output =
      input.target === 'java-springboot'
        ? await buildJava(job, input.buildTool)
        : (await isTypeScript(root, input.typescript))
          ? await buildTypeScript(job)
          : await buildNode(job);
    job.log.push(`BUILD OK: ${output.tests.passed} passed, ${output.tests.failed} failed`);
    await writeLog(job);
    return output;
  },
});
