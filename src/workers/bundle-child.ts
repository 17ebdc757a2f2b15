/**
 * Bundles the workflows into a file for src/workers/bundle-file.ts, in a process of its own:
 * `node --import tsx bundle-child.ts <workflows entry> <out file>`.
 */
import { writeFile } from 'node:fs/promises';
import { bundleWorkflowCode } from '@temporalio/worker';
import { quietLogger } from './bundle';

const [workflowsPath, out] = process.argv.slice(2);
if (!workflowsPath || !out) throw new Error('usage: bundle-child.ts <workflows entry> <out file>');
const bundle = await bundleWorkflowCode({ workflowsPath, logger: quietLogger });
await writeFile(out, bundle.code);
