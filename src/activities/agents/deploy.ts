import { AGENT_INPUTS } from '../../shared/agent-inputs';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { badInput } from '../failures';
import { defineAgent } from './agent';
import { isDirectory, listFiles, resolveInside, skipping, toPosix } from './toolbox/files';

/** Not part of a deployable: dependencies, build output, tests, and our own reports and deploys. */
const SKIPPED_DIRS = skipping('tooling', 'output', 'tests', 'reports');
const ENVIRONMENT = /^[a-z][a-z0-9-]*$/;

/** One line of `manifest.json`; written, never read back, so a type is enough. */
type ManifestEntry = { path: string; sha256: string; bytes: number };

/**
 * Packs a generated project into `deploy/<environment>/` with a manifest of every file's sha256 and
 * size. The directory is rebuilt from scratch each time, so a re-run yields the same bytes.
 */
export const deployAgent = defineAgent({
  name: 'deploy',
  description: 'Packs the generated sources into deploy/<environment>/ with a sha256 manifest.',
  input: AGENT_INPUTS.deploy,
  output: z.object({
    environment: z.string(),
    manifestPath: z.string(),
    files: z.number().int(),
    bytes: z.number().int(),
    /** sha256 of the manifest: one value that names this exact release. */
    digest: z.string(),
  }),
  async run(input, context) {
    if (!ENVIRONMENT.test(input.environment)) {
      throw badInput(
        `environment "${input.environment}" is not a valid environment name; use lower-case letters, digits and "-", e.g. "staging"`,
      );
    }
    const source = resolveInside(context.workspace, input.dir, 'dir');
    if (!(await isDirectory(source))) {
      throw badInput(`dir "${input.dir}" is not a directory in the workspace; bind it to codegen's "dir"`);
    }
    const files = (await listFiles(source, source, SKIPPED_DIRS)).filter(
      (file) => !file.split('/').some((part) => part.startsWith('.')) && !file.startsWith('src/test/'),
    );
    if (files.length === 0) {
      throw badInput(`dir "${input.dir}" holds no deployable files; run the codegen phase first`);
    }

    const target = path.join(context.workspace, 'deploy', input.environment);
    await rm(target, { recursive: true, force: true });
    const entries: ManifestEntry[] = [];
    for (const file of files) {
      const content = await readFile(path.join(source, file));
      await mkdir(path.dirname(path.join(target, file)), { recursive: true });
      await copyFile(path.join(source, file), path.join(target, file));
      entries.push({
        path: file,
        sha256: createHash('sha256').update(content).digest('hex'),
        bytes: content.length,
      });
      context.heartbeat({ step: 'packed', file });
    }
    const bytes = entries.reduce((sum, entry) => sum + entry.bytes, 0);
    const manifest = {
      environment: input.environment,
      source: toPosix(path.relative(context.workspace, source)) || '.',
      files: entries,
      totalBytes: bytes,
    };
    const text = `${JSON.stringify(manifest, null, 2)}\n`;
    await writeFile(path.join(target, 'manifest.json'), text);
    return {
      environment: input.environment,
      manifestPath: toPosix(path.join('deploy', input.environment, 'manifest.json')),
      files: entries.length,
      bytes,
      digest: createHash('sha256').update(text).digest('hex'),
    };
  },
});
