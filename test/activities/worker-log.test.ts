import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure, type LogLevel, type LogMetadata } from '@temporalio/common';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createWorkerLogger, failureLine } from '../../src/workers/log';
import { definition, testBaton, uniqueId, waitFor } from '../helpers/env';
import { killHard, spawnWorker } from '../helpers/processes';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const child of children) await killHard(child);
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const failure = (message: string) =>
  ApplicationFailure.create({
    message,
    type: 'Agent.CommandFailed',
    nonRetryable: true,
    details: [{ attempt: 2, agent: 'sh', phase: 'build' }],
  });

describe('failureLine', () => {
  it('turns the SDK entry for a failed attempt into one redacted line', () => {
    const line = failureLine('Activity failed', {
      error: failure('"make" exited with code 2. stderr ends with:\nfetch http://u:sk-x@host/a\nError 2'),
      workflowId: 'demo-1',
      attempt: 2,
      activityType: 'runAgent',
    });
    expect(line).toBe(
      'phase "build" of demo-1 failed (attempt 2): Agent.CommandFailed: "make" exited with code 2. stderr ends with: (2 more lines in `baton status`)',
    );
  });

  it('names the activity when the failure carries no phase, and ignores other entries', () => {
    expect(
      failureLine('Activity failed', {
        error: new TypeError('boom'),
        workflowId: 'w',
        attempt: 1,
        activityType: 'checkAgents',
      }),
    ).toBe('activity "checkAgents" of w failed (attempt 1): TypeError: boom');
    expect(failureLine('Activity completed', { workflowId: 'w' })).toBeUndefined();
  });

  it('keeps the stack at DEBUG', () => {
    const seen: Array<[LogLevel, string, LogMetadata | undefined]> = [];
    const inner = {
      log: (level: LogLevel, message: string, meta?: LogMetadata) => void seen.push([level, message, meta]),
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    };
    const error = failure('nope');
    createWorkerLogger(inner).warn('Activity failed', { error, workflowId: 'w', attempt: 1 });
    createWorkerLogger(inner).info('Worker state changed', { state: 'RUNNING' });
    expect(seen).toEqual([
      ['WARN', 'phase "build" of w failed (attempt 1): Agent.CommandFailed: nope', undefined],
      ['DEBUG', 'Activity failed', { error, workflowId: 'w', attempt: 1 }],
      ['INFO', 'Worker state changed', { state: 'RUNNING' }],
    ]);
  });
});

describe('a worker process', () => {
  it('logs one line per failed phase attempt, and no stack trace', async () => {
    const taskQueue = uniqueId('worker-log');
    const workspaceRoot = await mkdtemp(join(tmpdir(), 'baton-worker-log-'));
    dirs.push(workspaceRoot);
    const child = await spawnWorker({
      address: inject('temporalAddress'),
      taskQueue,
      workspaceRoot,
      bundlePath: inject('workflowBundlePath'),
    });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const baton = await testBaton(taskQueue);
    try {
      const start = (workflowId: string, agent: string) =>
        baton.client.workflow.start('pipeline', {
          taskQueue,
          workflowId,
          args: [
            {
              definition: definition([
                { id: 'work', agent, retry: { maxAttempts: 3, initialInterval: '100ms' } },
              ]),
              params: {},
            },
          ],
        });
      const fatalId = uniqueId('fatal');
      const flakyId = uniqueId('flaky');
      const fatal = await start(fatalId, 'fatal');
      const flaky = await start(flakyId, 'flaky');
      await fatal.result().catch(() => undefined);
      await flaky.result();
      const expected = [
        `phase "work" of ${fatalId} failed (attempt 1): Agent.BadInput: the spec is contradictory`,
        `phase "work" of ${flakyId} failed (attempt 1): Test.Flaky: planned failure 1 of 2`,
        `phase "work" of ${flakyId} failed (attempt 2): Test.Flaky: planned failure 2 of 2`,
      ];
      await waitFor(
        async () => stderr,
        (text) => expected.every((line) => text.includes(line)),
      );
      expect(stderr.split('\n').filter((line) => line.includes('failed (attempt'))).toHaveLength(3);
      expect(stderr).toContain(
        `run ${fatalId} failed: Phase "work" failed after 1 attempt(s): the spec is contradictory`,
      );
      expect(stderr).not.toMatch(/^\s+at /m);
      expect(stderr).not.toContain('Activity failed');
      expect(stderr).not.toContain('Workflow failed');
    } finally {
      await baton.close();
    }
  }, 60_000);
});
