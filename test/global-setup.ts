import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../src/dev/net';
import { ensureServer, type DevServer } from '../src/dev/server';
import { bundleWorkflows } from '../src/workers/bundle';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
  }
}

let server: DevServer | undefined;

/** One dev server and one workflow bundle for the whole suite. */
export default async function setup(project: TestProject) {
  const dir = await mkdtemp(join(tmpdir(), 'baton-test-'));
  if (!process.env.TEMPORAL_ADDRESS) {
    const port = await freePort();
    server = await ensureServer({
      port,
      dbFile: join(dir, 'temporal.db'),
      headless: true,
      log: (l) => console.log(`[dev-server] ${l}`),
    });
  } else {
    server = await ensureServer({ log: (l) => console.log(`[dev-server] ${l}`) });
  }
  const bundle = await bundleWorkflows();
  await mkdir(dir, { recursive: true });
  const bundlePath = join(dir, 'workflow-bundle.js');
  await writeFile(bundlePath, bundle.code);
  project.provide('temporalAddress', server.address);
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
