import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { describe, expect, it, inject } from 'vitest';

const DIR = fileURLToPath(new URL('./fixtures/histories/', import.meta.url));
const files = (await readdir(DIR)).filter((f) => f.endsWith('.json')).sort();

describe('committed histories replay without non-determinism', () => {
  it('has a history for each template', async () => {
    const templates = (await readdir(fileURLToPath(new URL('../templates/', import.meta.url)))).map((f) =>
      f.replace(/\.ya?ml$/, ''),
    );
    // Files are <template>.<version>.json; older versions stay, to prove old runs still replay.
    const covered = new Set(files.map((f) => f.split('.')[0]));
    expect(templates.filter((t) => !covered.has(t))).toEqual([]);
  });

  it.each(files)('%s', async (file) => {
    const history = historyFromJSON(JSON.parse(await readFile(join(DIR, file), 'utf8')));
    // <name>.<tag>.json ran as record-<name>-<tag>: child workflow ids are made from it.
    const [, name, tag] = /^(.+)\.([^.]+)\.json$/.exec(file) as RegExpExecArray;
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: inject('workflowBundlePath') } },
      history,
      `record-${name}-${tag}`,
    );
  });
});
