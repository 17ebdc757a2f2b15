/**
 * Bundles the workflows into a file for src/workers/bundle-file.ts, in a process of its own:
 * `node --import tsx bundle-child.ts <workflows entry> <out file>`.
 */
import { writeFile } from 'node:fs/promises';
import { bundleWorkflows } from './bundle';

const [workflowsPath, out] = process.argv.slice(2);
if (!workflowsPath || !out) throw new Error('usage: bundle-child.ts <workflows entry> <out file>');
const bundle = await bundleWorkflows(workflowsPath);
await writeFile(out, bundle.code);
