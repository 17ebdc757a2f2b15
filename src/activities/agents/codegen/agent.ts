import { AGENT_INPUTS } from '../../../shared/agent-inputs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { badInput } from '../../failures';
import { defineAgent } from '../agent';
import { DesignDocumentSchema } from '../spec/design';
import { resolveInside, toPosix } from '../toolbox/files';
import { hasLlm } from '../toolbox/llm';
import { javaFiles } from './java';
import { generateWithLlm } from './llm';
import { type Files, nodeExpressFiles, nodeModuleFiles } from './node';
import { nodeExpressTsFiles } from './node-ts';
import { readResources, type Resource } from './resources';
import { type Target, TargetSchema } from './target';

const MANIFEST = '.baton-codegen.json';
type CodegenInput = z.output<typeof AGENT_INPUTS.codegen>;

async function readJson(file: string, specPath: string): Promise<{ text: string; value: unknown }> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw badInput(
      `specPath "${specPath}" does not exist in the workspace; bind it to the output of the spec phase`,
    );
  });
  try {
    return { text, value: JSON.parse(text) as unknown };
  } catch (error) {
    throw badInput(`specPath "${specPath}" is not valid JSON (${(error as Error).message}); regenerate it`);
  }
}

function parseManifest(text: string): string[] {
  try {
    const files = (JSON.parse(text) as { files?: unknown }).files;
    return Array.isArray(files) ? files.filter((file): file is string => typeof file === 'string') : [];
  } catch {
    return [];
  }
}

/** An API project in the target's language, with the technology settings of the input. */
function projectFiles(input: CodegenInput, service: string, resources: Resource[]): Files {
  if (input.target === 'java-springboot') return javaFiles(service, resources, input.specPath, input);
  return input.typescript
    ? nodeExpressTsFiles(service, resources, input.specPath, input)
    : nodeExpressFiles(service, resources, input.specPath, input);
}

const ENTRY: Record<Target, (files: Files) => string | undefined> = {
  'node-express': (files) => files.find(([file]) => /^src\/app\.[jt]s$/.test(file))?.[0],
  'java-springboot': (files) => files.find(([file]) => file.endsWith('/Application.java'))?.[0],
  'node-module': (files) => files.find(([file]) => file.startsWith('src/'))?.[0],
};

/**
 * Generates a project from an OpenAPI spec (or, for node-module, from a design). With an LLM
 * configured for `codegen`, the LLM writes the implementation files and the deterministic
 * generator the skeleton and tests around them; without one, all of it is deterministic.
 */
export const codegenAgent = defineAgent({
  name: 'codegen',
  description:
    'Generates an Express (JavaScript or TypeScript), Spring Boot (Maven or Gradle) or plain Node module ' +
    'project, with tests, from a spec or design; an LLM, when configured, writes the implementation.',
  input: AGENT_INPUTS.codegen,
  output: z.object({
    files: z.array(z.string()),
    target: TargetSchema,
    entry: z.string().optional(),
    /** The project directory, relative to the workspace, for build and deploy. */
    dir: z.string(),
    /** The files the LLM wrote, relative to the workspace; empty without an LLM. */
    llmFiles: z.array(z.string()),
  }),
  llm: 'optional',
  async run(input, context) {
    const source = await readJson(
      resolveInside(context.workspace, input.specPath, 'specPath'),
      input.specPath,
    );
    const spec = source.value;
    const root = resolveInside(context.workspace, input.outDir, 'outDir');
    const dir = toPosix(path.relative(context.workspace, root));
    let files: Files;
    if (input.target === 'node-module') {
      const design = DesignDocumentSchema.safeParse(spec);
      if (!design.success) {
        throw badInput(
          `specPath "${input.specPath}" is not a design document; bind it to the design phase's specPath`,
        );
      }
      files = nodeModuleFiles(design.data, input.specPath);
    } else {
      const { service, resources } = readResources(spec, input.specPath);
      files = projectFiles(input, service, resources);
    }
    let fromLlm: Files = [];
    if (hasLlm(context, 'codegen')) {
      fromLlm = await generateWithLlm(
        { target: input.target, spec: { path: input.specPath, text: source.text }, files, dir: dir || '.' },
        context,
      );
      const written = new Map(fromLlm);
      files = files.map(([file, content]): [string, string] => [file, written.get(file) ?? content]);
    }
    context.heartbeat({ step: 'generated', files: files.length, llmFiles: fromLlm.length });

    // Files an earlier run generated that this one does not are stale: remove them, so a re-run with
    // fewer resources leaves exactly what it would leave in a fresh directory.
    const previous = await readFile(path.join(root, MANIFEST), 'utf8').then(parseManifest, () => []);
    const current = new Set(files.map(([file]) => file));
    for (const stale of previous.filter((file) => !current.has(file))) {
      await rm(resolveInside(root, stale, 'stale file'), { force: true });
    }
    for (const [file, content] of files) {
      const target = resolveInside(root, file, 'generated file');
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    await writeFile(path.join(root, MANIFEST), `${JSON.stringify({ files: [...current] }, null, 2)}\n`);
    context.heartbeat({ step: 'written' });

    const inWorkspace = (file: string) => path.posix.join(dir, file);
    const entry = ENTRY[input.target](files);
    return {
      files: files.map(([file]) => inWorkspace(file)),
      target: input.target,
      dir: dir || '.',
      llmFiles: fromLlm.map(([file]) => inWorkspace(file)),
      ...(entry ? { entry: inWorkspace(entry) } : {}),
    };
  },
});
