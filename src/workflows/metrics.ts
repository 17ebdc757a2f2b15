/**
 * The run's metrics (issue 11), through the SDK's workflow metric meter: the worker exports them
 * with its own, and the SDK drops what a workflow emits while it replays, so a run that replays
 * (after a cache eviction or on another worker) does not count its past again. They add no
 * command to history, so they need no patch.
 */
import { metricMeter } from '@temporalio/workflow';
import type { MetricCounter, MetricHistogram, MetricTags } from '@temporalio/common';
import { BATON_METRICS } from '../shared/metrics';
import type { ConflictRecord } from '../shared/parallel';
import type { DecisionRecord } from '../shared/status';

type Counters = 'phaseFailures' | 'phaseRetries' | 'decisions' | 'gatesOpened' | 'conflicts' | 'notificationFailures';
type Histograms = 'phaseDuration' | 'gateWait';

// The metric objects hold only a name: each value goes to the worker through the current
// workflow's sink, so they are made at each use.
function counter(key: Counters): MetricCounter {
  const { name, help } = BATON_METRICS[key];
  return metricMeter.createCounter(name, undefined, help);
}

function histogram(key: Histograms): MetricHistogram {
  const { name, unit, help } = BATON_METRICS[key];
  return metricMeter.createHistogram(name, 'float', unit, help);
}

const seconds = (from: string, to: string): number => Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);

export type PhaseOutcome = 'done' | 'failed' | 'rejected' | 'cancelled';

/** One run of a phase ended: its duration, its agent's retries, and a failure when it failed. */
export function phaseRunEnded(
  template: string,
  row: { id: string; agent: string; startedAt?: string; endedAt?: string },
  outcome: PhaseOutcome,
  attempts: number,
): void {
  const tags: MetricTags = { template, phase: row.id, agent: row.agent };
  if (row.startedAt && row.endedAt) {
    histogram('phaseDuration').record(seconds(row.startedAt, row.endedAt), { ...tags, outcome });
  }
  if (attempts > 1) counter('phaseRetries').add(attempts - 1, tags);
  if (outcome === 'failed') counter('phaseFailures').add(1, tags);
}

export function gateOpened(template: string, kind: string): void {
  counter('gatesOpened').add(1, { template, kind });
}

/** A decision was applied; with the gate's opening time, how long it waited. */
export function decisionApplied(
  template: string,
  kind: string,
  decision: DecisionRecord,
  openedAt?: string,
): void {
  counter('decisions').add(1, { template, action: decision.action, via: decision.via });
  if (openedAt) histogram('gateWait').record(seconds(openedAt, decision.at), { template, kind });
}

/** A task's merge settled its conflicts: each by class and whether the rules or a person did it. */
export function conflictsSettled(template: string, records: readonly ConflictRecord[]): void {
  for (const record of records) {
    if (record.outcome === 'pending') continue;
    counter('conflicts').add(1, {
      template,
      class: record.class,
      outcome: record.outcome === 'resolved' ? 'auto' : 'human',
    });
  }
}

export function notificationFailed(template: string, event: string): void {
  counter('notificationFailures').add(1, { template, event });
}
