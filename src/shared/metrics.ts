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
    help: "Gates open now across the namespace's running runs (from visibility)",
  },
  tokens: {
    name: 'baton_llm_tokens',
    kind: 'counter',
    labels: ['provider', 'model', 'direction'],
    help: 'LLM tokens (direction: input, output)',
  },
  cost: {
    name: 'baton_llm_cost_usd',
    kind: 'counter',
    labels: ['provider', 'model'],
    help: 'LLM cost in US dollars (from the configured prices)',
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
} as const;

export type BatonMetric = (typeof BATON_METRICS)[keyof typeof BATON_METRICS];
