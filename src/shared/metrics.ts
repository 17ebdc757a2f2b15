/**
 * Baton's own metrics (issue 11): one table of names, kinds, units and labels, read by the
 * workflow side (the SDK's workflow metric meter, which emits nothing during replay), the activity
 * side, the worker's gauge, the docs and the Grafana dashboard. The Prometheus exporter of the
 * SDK's runtime serves them next to the SDK's own `temporal_*` metrics.
 */
export const BATON_METRICS = {
  phaseDuration: {
    name: 'baton_phase_duration',
    kind: 'histogram',
    unit: 's',
    labels: ['template', 'phase', 'agent', 'outcome'],
    help: 'Time from a phase run starting to its end (outcome: done, failed, rejected, cancelled)',
  },
  phaseFailures: {
    name: 'baton_phase_failures',
    kind: 'counter',
    labels: ['template', 'phase', 'agent'],
    help: 'Phase runs whose agent failed after its retries',
  },
  phaseRetries: {
    name: 'baton_phase_retries',
    kind: 'counter',
    labels: ['template', 'phase', 'agent'],
    help: "Agent attempts beyond each phase run's first (retries by policy)",
  },
  gateWait: {
    name: 'baton_gate_wait',
    kind: 'histogram',
    unit: 's',
    labels: ['template', 'kind'],
    help: 'Time a gate waited from opening to its decision',
  },
  decisions: {
    name: 'baton_decisions',
    kind: 'counter',
    labels: ['template', 'action', 'via'],
    help: 'Decisions applied to gates (via: signal, update, auto, timeout, policy)',
  },
  gatesOpened: {
    name: 'baton_gates_opened',
    kind: 'counter',
    labels: ['template', 'kind'],
    help: 'Gates opened',
  },
  openGates: {
    name: 'baton_open_gates',
    kind: 'gauge',
    labels: [],
    help: "Gates open now in the running runs on the worker's task queue (from visibility, every 15 s; each worker of the queue reports the same count)",
  },
  tokens: {
    name: 'baton_llm_tokens',
    kind: 'counter',
    labels: ['provider', 'model', 'direction'],
    help: 'LLM tokens (direction: input, output)',
  },
  // A histogram, not a counter: the SDK's counters are integers, and a call costs fractions of a
  // cent. Its _sum is the total in dollars, its _count the priced calls.
  cost: {
    name: 'baton_llm_cost_usd',
    kind: 'histogram',
    unit: 'USD',
    labels: ['provider', 'model'],
    help: 'LLM cost in US dollars per call (from the configured prices; _sum is the total)',
  },
  conflicts: {
    name: 'baton_conflicts',
    kind: 'counter',
    labels: ['template', 'class', 'outcome'],
    help: 'Merge conflicts of parallel phases (class as classified; outcome: auto, human)',
  },
  notificationFailures: {
    name: 'baton_notification_failures',
    kind: 'counter',
    labels: ['template', 'event'],
    help: 'Notifications that could not be delivered after all their retries',
  },
  workerRss: {
    name: 'baton_worker_rss_bytes',
    kind: 'gauge',
    unit: 'bytes',
    labels: [],
    help: "The worker process's resident memory (the SDK exports none), every 15 s",
  },
} as const;

export type BatonMetric = (typeof BATON_METRICS)[keyof typeof BATON_METRICS];
