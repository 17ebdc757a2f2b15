import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { defineAgent, type Agent } from '../../src/activities/agents/agent';
import { testAgents } from '../helpers/agents';

/**
 * A task agent for tests: writes `files` (path → content) after `sleepMs`, and says when it ran
 * (wall-clock ms), so tests can prove what ran at the same time.
 */
export const writeFilesAgent = defineAgent({
  name: 'write-files',
  description: 'writes the given files after a pause',
  input: z.object({
    files: z.record(z.string(), z.string()).default({}),
    /** JSON files to patch: path → object merged over the file's top level. */
    json: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    sleepMs: z.number().int().min(0).default(0),
    /** Wait (heartbeating) until this file exists in the shared folder `BATON_TEST_RELEASE_DIR`. */
    holdUntil: z.string().optional(),
  }),
  output: z.object({ startedAt: z.number(), endedAt: z.number(), wrote: z.array(z.string()) }),
  async run({ files, json, sleepMs, holdUntil }, ctx) {
    const startedAt = Date.now();
    const deadline = startedAt + sleepMs;
    while (Date.now() < deadline) {
      ctx.heartbeat();
      await new Promise((r) => setTimeout(r, Math.min(50, deadline - Date.now())));
    }
    if (holdUntil) {
      for (;;) {
        const released = await readFile(holdUntil).then(
          () => true,
          () => false,
        );
        if (released) break;
        if (ctx.signal.aborted) throw ctx.signal.reason;
        ctx.heartbeat();
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(ctx.workspace, path)), { recursive: true });
      await writeFile(join(ctx.workspace, path), content);
    }
    for (const [path, patch] of Object.entries(json)) {
      const file = join(ctx.workspace, path);
      const current = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as Record<string, unknown>;
      const merged: Record<string, unknown> = { ...current };
      for (const [key, value] of Object.entries(patch)) {
        const before = current[key];
        merged[key] =
          before && typeof before === 'object' && value && typeof value === 'object'
            ? { ...before, ...value }
            : value;
      }
      await writeFile(file, `${JSON.stringify(merged, null, 2)}\n`);
    }
    return { startedAt, endedAt: Date.now(), wrote: [...Object.keys(files), ...Object.keys(json)] };
  },
});

/** A resolver that gives up: its "resolution" still holds conflict markers. */
export const sloppyResolver = defineAgent({
  name: 'sloppy-resolver',
  description: 'returns the conflict with its markers',
  input: z.object({ task: z.string(), conflicts: z.array(z.object({ path: z.string() }).passthrough()) }),
  output: z.object({ resolutions: z.record(z.string(), z.string()) }),
  run: async ({ conflicts }) => ({
    resolutions: Object.fromEntries(
      conflicts.map((c) => [c.path, '<<<<<<< ours\nmine\n=======\ntheirs\n>>>>>>> theirs\n']),
    ),
  }),
});

/** A verify agent that fails while `file` is in the tree it checks. */
export const absentAgent = defineAgent({
  name: 'check-absent',
  description: 'fails when the file exists',
  input: z.object({ file: z.string() }),
  output: z.object({ checked: z.string() }),
  async run({ file }, ctx) {
    const present = await readFile(join(ctx.workspace, file)).then(
      () => true,
      () => false,
    );
    if (present) throw ApplicationFailure.nonRetryable(`${file} must not be there`, 'Agent.BuildFailed');
    return { checked: file };
  },
});

export const parallelAgents = (): Agent[] => [...testAgents(), writeFilesAgent, sloppyResolver, absentAgent];
