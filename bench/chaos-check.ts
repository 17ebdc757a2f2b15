/**
 * The soak's verdicts, read from what the server and the disk hold once the crashing stops: the
 * runs' final states, each ledger decision's fate in its run's history, the idempotency trailers of
 * every commit in every workspace, and a replay of every history.
 */
import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import type { Baton } from '../src/client/runs';
import { queryStatus } from '../src/client/status-query';
import type { RunStatus } from '../src/shared/status';
import type { Ledger } from './chaos-parts';

const exec = promisify(execFile);
type History = temporal.api.history.v1.IHistory;

/** The tags (`comment`) of the `approval` signals in a history, in order. */
export function signalTags(history: History): string[] {
  const tags: string[] = [];
  for (const event of history.events ?? []) {
    const attrs = event.workflowExecutionSignaledEventAttributes;
    if (attrs?.signalName !== 'approval') continue;
    const payload = attrs.input?.payloads?.[0];
    const value = payload ? defaultPayloadConverter.fromPayload<{ comment?: unknown }>(payload) : undefined;
    tags.push(typeof value?.comment === 'string' ? value.comment : '');
  }
  return tags;
}

/** The run's last status: its result when it returned one, else its status query. */
export async function finalStatus(baton: Baton, id: string): Promise<RunStatus | undefined> {
  try {
    return (await baton.client.workflow.getHandle(id).result()) as RunStatus;
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw error;
    return queryStatus(baton, id, 30_000).catch(() => undefined);
  }
}

export interface DecisionVerdict {
  /** Taken exactly once, and any further copies in history ignored with a reason. */
  once: number;
  /** In history only as ignored, each copy with a reason (a deliberate duplicate, a closed gate). */
  ignored: number;
  /** Never in history: refused (the run had ended, or the client said no) with the reason the ledger keeps. */
  refused: number;
  /** The rest: lost, applied twice, or in history without a trace in the run. */
  bad: { n: number; why: string }[];
  ignoredReasons: Map<string, number>;
}

/** Where each ledger decision went, by its tag, in the history and the final status of its run. */
export function checkLedger(
  ledger: Ledger,
  runs: Map<string, { history: History; status: RunStatus | undefined }>,
): DecisionVerdict {
  const verdict: DecisionVerdict = { once: 0, ignored: 0, refused: 0, bad: [], ignoredReasons: new Map() };
  const reasonKey = (reason: string) =>
    reason
      .replace(/"[^"]*"/g, '"…"')
      .replace(/#\d+/g, '#n')
      .slice(0, 90);
  for (const entry of ledger.entries.values()) {
    const run = runs.get(entry.workflowId);
    const bad = (why: string) =>
      verdict.bad.push({
        n: entry.n,
        why: `${entry.tag} (${entry.workflowId} ${entry.gate} ${entry.action} via ${entry.via}): ${why}`,
      });
    if (!run) {
      bad('its run is not on the server');
      continue;
    }
    const inHistory = signalTags(run.history).filter((tag) => tag === entry.tag).length;
    const status = run.status;
    if (!status) {
      bad('its run answered neither with a result nor a status');
      continue;
    }
    if (status.decisionsDropped > 0) {
      bad(`the run dropped ${status.decisionsDropped} old decisions, so this one cannot be checked`);
      continue;
    }
    const taken = status.decisions.filter((d) => d.comment === entry.tag).length;
    const ignored = status.ignoredSignals.filter(
      (s) => (s.payload as { comment?: unknown } | null)?.comment === entry.tag,
    );
    const outcomes = ledger.outcomes.get(entry.n) ?? [];
    if (inHistory === 0) {
      const last = outcomes[outcomes.length - 1];
      if (taken === 0 && last?.outcome === 'failed' && last.detail) verdict.refused++;
      else
        bad(`not in the history (ledger outcomes: ${outcomes.map((o) => o.outcome).join(', ') || 'none'})`);
      continue;
    }
    if (taken > 1) bad(`taken ${taken} times`);
    else if (ignored.some((s) => !s.reason)) bad('ignored without a reason');
    else if (taken + ignored.length !== inHistory)
      bad(`${inHistory} copies in history, but ${taken} taken and ${ignored.length} ignored`);
    else {
      if (taken === 1) verdict.once++;
      else verdict.ignored++;
      for (const s of ignored) {
        const key = reasonKey(s.reason);
        verdict.ignoredReasons.set(key, (verdict.ignoredReasons.get(key) ?? 0) + 1);
      }
    }
  }
  return verdict;
}

/** Decisions a run took that no ledger entry sent: they would mean a decision from nowhere. */
export function unledgered(ledger: Ledger, runs: Map<string, { status: RunStatus | undefined }>): string[] {
  const tags = new Set([...ledger.entries.values()].map((e) => e.tag));
  const found: string[] = [];
  for (const [id, run] of runs)
    for (const d of run.status?.decisions ?? [])
      if (!d.by.startsWith('baton:') && !tags.has(d.comment ?? ''))
        found.push(`${id} ${d.phase} ${d.action} by ${d.by}`);
  return found;
}

export interface KeyVerdict {
  workspaces: number;
  commits: number;
  duplicates: string[];
}

/** Every `Baton-Key` trailer of every commit on every ref, per run workspace under `root`. */
export async function checkIdempotencyKeys(root: string): Promise<KeyVerdict> {
  const verdict: KeyVerdict = { workspaces: 0, commits: 0, duplicates: [] };
  const workflowDirs = await readdir(root).catch(() => [] as string[]);
  for (const workflowId of workflowDirs) {
    for (const runId of await readdir(join(root, workflowId)).catch(() => [] as string[])) {
      const dir = join(root, workflowId, runId);
      if (!(await stat(join(dir, '.git')).catch(() => undefined))) continue;
      verdict.workspaces++;
      const { stdout } = await exec('git', ['log', '--all', '--format=%B%x00'], {
        cwd: dir,
        maxBuffer: 64 * 2 ** 20,
      });
      const seen = new Set<string>();
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('Baton-Key: ')) continue;
        const key = line.slice('Baton-Key: '.length).trim();
        verdict.commits++;
        if (seen.has(key)) verdict.duplicates.push(`${workflowId}/${runId}: ${key}`);
        seen.add(key);
      }
    }
  }
  return verdict;
}

/** Replays every history against the workflow bundle; the failures, by workflow id. */
export async function replayAll(
  codePath: string,
  histories: { workflowId: string; history: History }[],
): Promise<{ replayed: number; failures: string[] }> {
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath } }, histories)) {
    replayed++;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message.split('\n')[0]}`);
  }
  return { replayed, failures };
}
