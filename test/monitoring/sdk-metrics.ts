/**
 * The SDK's own metrics the dashboard and alerts use, as the runtime's Prometheus exporter names
 * them (counters with `_total`, durations in seconds). scrape.test.ts checks each on a real worker.
 */
export const SDK_METRICS = [
  'temporal_workflow_task_execution_latency',
  'temporal_workflow_task_schedule_to_start_latency',
  'temporal_workflow_task_replay_latency',
  'temporal_workflow_completed_total',
  'temporal_workflow_failed_total',
  'temporal_activity_execution_latency',
  'temporal_activity_execution_failed_total',
  'temporal_activity_schedule_to_start_latency',
  'temporal_sticky_cache_size',
  'temporal_sticky_cache_total_forced_eviction_total',
  'temporal_worker_task_slots_available',
  'temporal_num_pollers',
  'temporal_request_latency',
] as const;
