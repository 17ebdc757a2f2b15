/**
 * The soak's deciding hand: looks at each open run, decides its gates after a think time through
 * the `baton` CLI or the Temporal CLI (ledger first), sends some again on purpose, and resolves the
 * sends whose outcome was lost in a crash from the run's status and history.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Baton } from '../src/client/runs';
import { queryStatus } from '../src/client/status-query';
import { GATE_KINDS, type OpenGate } from '../src/shared/gate-kinds';
import { FINAL_RUN_STATES, type RunState, type RunStatus } from '../src/shared/status';
import { signalTags } from './chaos-check';
import { BATON_BIN, sleep, type Ledger, type LedgerEntry, type Random } from './chaos-parts';

const exec = promisify(execFile);

/** One run of the soak, as the decider follows it. */
export interface Tracked {
  id: string;
  template: string;
  started: boolean;
  final?: RunState;
  /** Each gate given a decision (by id): the ledger entry that decided it. */
  decided: Map<string, number>;
  /** Gates whose decision is being thought over or sent. */
  deciding: Set<string>;
  /** Decisions sent per phase: after three, the soak approves, so retries end. */
  perPhase: Map<string, number>;
}

/** A small semaphore: at most `n` of the wrapped calls at once. */
export function limit(n: number) {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

export interface DeciderDeps {
  baton: Baton;
  ledger: Ledger;
  random: Random;
  /** The environment of the `baton` CLI processes (server, task queue, BATON_HOME). */
  env: NodeJS.ProcessEnv;
  temporalCli: string;
  server: { address: string; namespace: string };
  thinkSeconds: number;
  /** Which input a `modify` changes, per gated phase that has one the soak can vary. */
  modifiable: Record<string, () => Record<string, unknown>>;
  /** `baton` CLI processes at once (each is a Node process). */
  cliSlots: number;
}

export function createDecider(deps: DeciderDeps) {
  const { baton, ledger, random, env, temporalCli } = deps;
  const counts = { baton: 0, temporal: 0, duplicates: 0, resends: 0, again: 0 };
  /** Ledger entries whose send failed and whose fate is not known yet. */
  const unresolved = new Set<number>();
  /** Decisions being thought over or sent. */
  const pending = new Set<Promise<void>>();
  const cli = limit(deps.cliSlots);

  const send = async (entry: LedgerEntry) => {
    counts[entry.via]++;
    try {
      if (entry.via === 'baton') {
        const sets = Object.entries(entry.changes ?? {}).flatMap(([k, v]) => [
          '--set',
          `${k}=${JSON.stringify(v)}`,
        ]);
        await cli(() =>
          exec(
            process.execPath,
            [
              BATON_BIN,
              entry.action,
              entry.workflowId,
              entry.phase,
              '--by',
              'chaos',
              '--comment',
              entry.tag,
              ...(entry.digest ? ['--digest', entry.digest] : []),
              ...sets,
              '--json',
            ],
            { env, timeout: 120_000 },
          ),
        );
        ledger.record(entry.n, 'confirmed');
      } else {
        const payload = {
          phase: entry.phase,
          gate: entry.gate,
          action: entry.action,
          by: 'chaos',
          comment: entry.tag,
          ...(entry.changes ? { changes: entry.changes } : {}),
        };
        await exec(
          temporalCli,
          [
            'workflow',
            'signal',
            '--address',
            deps.server.address,
            '--namespace',
            deps.server.namespace,
            '--workflow-id',
            entry.workflowId,
            '--name',
            'approval',
            '--input',
            JSON.stringify(payload),
          ],
          { timeout: 30_000 },
        );
        ledger.record(entry.n, 'sent');
      }
      unresolved.delete(entry.n);
    } catch (error) {
      const stderr = String((error as { stderr?: string }).stderr ?? (error as Error).message).trim();
      ledger.record(
        entry.n,
        'failed',
        stderr.split('\n').filter(Boolean).slice(-3).join(' | ').slice(0, 400),
      );
      unresolved.add(entry.n);
    }
  };

  const actionFor = (run: Tracked, gate: OpenGate): { action: string; changes?: Record<string, unknown> } => {
    const allowed = GATE_KINDS[gate.kind].actions as readonly string[];
    if (gate.kind !== 'approval') return { action: allowed.includes('approve') ? 'approve' : allowed[0]! };
    if ((run.perPhase.get(gate.phase) ?? 0) >= 3) return { action: 'approve' };
    const modify = deps.modifiable[gate.phase];
    const action = random.weighted({ approve: 78, retry: 8, skip: 4, reject: 4, modify: modify ? 6 : 0 });
    return action === 'modify' ? { action, changes: modify!() } : { action };
  };

  const decideGate = async (run: Tracked, gate: OpenGate) => {
    run.deciding.add(gate.id);
    run.perPhase.set(gate.phase, (run.perPhase.get(gate.phase) ?? 0) + 1);
    await sleep(random.between(0, 2 * deps.thinkSeconds) * 1000);
    const { action, changes } = actionFor(run, gate);
    const via = random.next() < 0.5 ? 'baton' : 'temporal';
    const entry = ledger.write({
      workflowId: run.id,
      phase: gate.phase,
      gate: gate.id,
      action,
      via,
      ...(gate.digest ? { digest: gate.digest } : {}),
      ...(changes ? { changes } : {}),
    });
    run.decided.set(gate.id, entry.n);
    await send(entry);
    run.deciding.delete(gate.id);
    // Now and then the same decision again, as a script re-run or a double click would send it: the
    // run must ignore it (its gate has closed, or it is decided already), with the reason.
    if (random.next() < 0.1) {
      await sleep(random.between(500, 5000));
      counts.duplicates++;
      const copy = ledger.write({
        workflowId: run.id,
        phase: gate.phase,
        gate: gate.id,
        action,
        via: 'temporal',
        duplicateOf: entry.n,
        ...(changes ? { changes } : {}),
      });
      await send(copy);
    }
  };

  /** Entries whose send failed: taken or ignored after all, still pending in history, or sent again. */
  const reconcile = async () => {
    for (const n of [...unresolved]) {
      const entry = ledger.entries.get(n)!;
      const status = await queryStatus(baton, entry.workflowId, 5000).catch(() => undefined);
      if (!status) continue;
      const tagged = (c: unknown) => c === entry.tag;
      if (
        status.decisions.some((d) => tagged(d.comment)) ||
        status.ignoredSignals.some((s) => tagged((s.payload as { comment?: unknown })?.comment))
      ) {
        unresolved.delete(n);
        continue;
      }
      const history = await baton.client.workflow
        .getHandle(entry.workflowId)
        .fetchHistory()
        .catch(() => undefined);
      if (!history) continue;
      if (signalTags(history).includes(entry.tag)) continue; // delivered; the run takes it when it next runs
      if (status.gates.some((g) => g.id === entry.gate) && !FINAL_RUN_STATES.includes(status.state)) {
        // Not delivered and the gate still waits: the same decision again, bound to that gate.
        counts.resends++;
        await send(ledger.resend(entry, 'temporal'));
      } else {
        unresolved.delete(n);
        ledger.record(
          n,
          'failed',
          `not delivered, and gate ${entry.gate} is no longer open (run ${status.state}); the client's error: ${ledger.outcomes.get(n)?.at(-1)?.detail ?? '?'}`,
        );
      }
    }
  };

  /** One look at a run: it has ended, or each open gate without a decision gets one. */
  const visit = async (run: Tracked) => {
    const status: RunStatus | undefined = await queryStatus(baton, run.id, 5000).catch(() => undefined);
    if (!status) return;
    if (FINAL_RUN_STATES.includes(status.state)) {
      run.final = status.state;
      return;
    }
    for (const gate of status.gates) {
      if (run.deciding.has(gate.id)) continue;
      const n = run.decided.get(gate.id);
      if (n !== undefined) {
        // Decided already, unless the run ignored that decision and the gate still waits.
        const tag = ledger.entries.get(n)!.tag;
        const ignored = status.ignoredSignals.some(
          (s) => (s.payload as { comment?: unknown })?.comment === tag,
        );
        if (!ignored || unresolved.has(n) || status.decisions.some((d) => d.comment === tag)) continue;
        counts.again++;
      }
      const p = decideGate(run, gate).finally(() => pending.delete(p));
      pending.add(p);
    }
  };

  return { counts, unresolved, pending, visit, reconcile };
}
