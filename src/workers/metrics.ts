/**
 * The worker's Prometheus endpoint (`BATON_METRICS_ADDRESS`) and the gauges only a worker can keep.
 * The SDK's runtime serves the exposition: its own `temporal_*` metrics and every Baton metric
 * recorded on a meter of that runtime (workflow, activity or runtime meter), so there is no HTTP
 * server or Prometheus client of ours.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { Logger, MetricMeter } from '@temporalio/common';
import type { TelemetryOptions } from '@temporalio/worker';
import { BATON_METRICS } from '../shared/metrics';
import { BatonPendingGates } from '../shared/search-attributes';
import { connectionSecurity, type TemporalSettings } from '../shared/temporal-settings';
import { WorkerSetupError } from './errors';

export const METRICS_ADDRESS_VARIABLE = 'BATON_METRICS_ADDRESS';

/** How often the worker recounts open gates and its memory. */
export const GAUGE_INTERVAL_MS = 15_000;

export interface MetricsEndpoint {
  /** `ip:port`, as the SDK's exporter binds it. */
  bindAddress: string;
  /** `http://ip:port/metrics`, what Prometheus scrapes. */
  url: string;
}

const FIX = `Set ${METRICS_ADDRESS_VARIABLE} to HOST:PORT with an IP address of this machine (or localhost), e.g. 127.0.0.1:9464 or 0.0.0.0:9464, or unset it to serve no metrics.`;

function badAddress(value: string, problem: string): WorkerSetupError {
  return new WorkerSetupError(`${METRICS_ADDRESS_VARIABLE}="${value}" ${problem}.`, FIX);
}

/**
 * The endpoint `BATON_METRICS_ADDRESS` asks for, or undefined when it is unset. `HOST:PORT`, where
 * HOST is an IP literal (`[::1]` for IPv6) or `localhost`; a bare port means 127.0.0.1, so metrics
 * stay on this machine unless asked otherwise.
 */
export function metricsEndpoint(
  env: Record<string, string | undefined> = process.env,
): MetricsEndpoint | undefined {
  const value = env[METRICS_ADDRESS_VARIABLE]?.trim();
  if (!value) return undefined;
  const match = /^(?:(\[[^\]]*\]|[^:[\]]*):)?([^:]*)$/.exec(value);
  if (!match) throw badAddress(value, 'is not HOST:PORT');
  const [, rawHost, rawPort = ''] = match;
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port < 1 || port > 65535) {
    throw badAddress(value, `has port "${rawPort}", which is not a TCP port from 1 to 65535`);
  }
  const host = rawHost === undefined || rawHost === '' || rawHost === 'localhost' ? '127.0.0.1' : rawHost;
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  const family = isIP(bare);
  if (family === 0 || (family === 6) !== host.startsWith('[')) {
    throw badAddress(
      value,
      `has host "${host}", which is not an IP address (the exporter binds an address, not a name; IPv6 goes in brackets)`,
    );
  }
  const bindAddress = `${host}:${port}`;
  const shown = bare === '0.0.0.0' ? '127.0.0.1' : bare === '::' ? '[::1]' : host;
  return { bindAddress, url: `http://${shown}:${port}/metrics` };
}

/** Bucket boundaries sized for agent work (seconds to hours) and per-call LLM cost (dollars). */
const BUCKETS: Record<string, number[]> = {
  [BATON_METRICS.phaseDuration.name]: [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200],
  [BATON_METRICS.gateWait.name]: [10, 60, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600, 7 * 24 * 3600],
  [BATON_METRICS.cost.name]: [0.0001, 0.001, 0.01, 0.1, 1, 10],
};

/**
 * The runtime's telemetry for the endpoint: Prometheus conventions (counters end in `_total`,
 * durations in seconds) and buckets with a boundary at every alert threshold (30 s, 1 h).
 */
export function metricsTelemetry(endpoint: MetricsEndpoint): TelemetryOptions {
  return {
    metrics: {
      prometheus: {
        bindAddress: endpoint.bindAddress,
        countersTotalSuffix: true,
        useSecondsForDurations: true,
        histogramBucketOverrides: BUCKETS,
      },
    },
  };
}

/** What the SDK's exporter failing to start means for the user, naming the variable. */
export function metricsStartError(endpoint: MetricsEndpoint, cause: unknown): WorkerSetupError {
  const message = (cause as Error).message ?? String(cause);
  const why = /in use/i.test(message)
    ? 'is in use by another process'
    : /assign requested address/i.test(message)
      ? 'is not an address of this machine'
      : `cannot be served (${message})`;
  return new WorkerSetupError(
    `${METRICS_ADDRESS_VARIABLE}="${endpoint.bindAddress}" ${why}.`,
    /in use/i.test(message)
      ? `Pick a free port in ${METRICS_ADDRESS_VARIABLE} (each worker on a machine needs its own), or stop the process listening there.`
      : FIX,
    { cause },
  );
}

export interface WorkerGauges {
  stop(): Promise<void>;
}

/** Runs on the worker's task queue that wait at a gate now; their gates are in BatonPendingGates. */
const openGatesQuery = (taskQueue: string) =>
  `TaskQueue = "${taskQueue.replaceAll('"', '\\"')}" AND ExecutionStatus = "Running" AND BatonPendingGates IS NOT NULL`;

/**
 * Keeps `baton_open_gates` (from visibility) and `baton_worker_rss_bytes` current, now and every
 * `intervalMs`. A workflow cannot own the open-gates gauge: a crash or an eviction would lose its
 * value. A count that fails is logged once until one succeeds again; it never stops the worker.
 */
export function startWorkerGauges(options: {
  settings: TemporalSettings;
  meter: MetricMeter;
  logger: Logger;
  intervalMs?: number;
}): WorkerGauges {
  const { settings, meter, logger } = options;
  const openGates = meter.createGauge(
    BATON_METRICS.openGates.name,
    'int',
    undefined,
    BATON_METRICS.openGates.help,
  );
  const rss = meter.createGauge(BATON_METRICS.workerRss.name, 'int', 'bytes', BATON_METRICS.workerRss.help);
  const connection = Connection.lazy({
    address: settings.address,
    ...connectionSecurity(settings, (path) => readFileSync(path)),
  });
  const client = new Client({ connection, namespace: settings.namespace });
  const query = openGatesQuery(settings.taskQueue);
  let failing = false;

  const countOpenGates = async () => {
    let gates = 0;
    for await (const run of client.workflow.list({ query })) {
      gates += run.typedSearchAttributes.get(BatonPendingGates)?.length ?? 0;
    }
    return gates;
  };
  const tick = async () => {
    rss.set(process.memoryUsage.rss());
    try {
      openGates.set(await countOpenGates());
      if (failing) logger.info(`${BATON_METRICS.openGates.name}: counting open gates again`);
      failing = false;
    } catch (error) {
      if (!failing) {
        logger.warn(
          `${BATON_METRICS.openGates.name}: cannot count open gates in namespace "${settings.namespace}" (${(error as Error).message}); keeps trying every ${Math.round((options.intervalMs ?? GAUGE_INTERVAL_MS) / 1000)}s`,
        );
      }
      failing = true;
    }
  };

  // A count slower than the interval skips the next tick rather than queueing behind it.
  let running: Promise<void> | undefined = tick().finally(() => (running = undefined));
  const timer = setInterval(() => {
    running ??= tick().finally(() => (running = undefined));
  }, options.intervalMs ?? GAUGE_INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await connection.close();
    },
  };
}
