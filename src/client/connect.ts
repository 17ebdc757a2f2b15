import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { payloadCodecsFromEnv } from '../codec';
import {
  connectionSecurity,
  describeSecurity,
  temporalSettings,
  type TemporalSettings,
} from '../shared/temporal-settings';
import { BatonError, NamespaceNotFoundError, ServerUnreachableError } from './errors';

export interface ConnectOptions {
  address?: string;
  namespace?: string;
  taskQueue?: string;
  /** Whole settings (address, TLS, API key); else read from the environment (see temporalSettings). */
  settings?: TemporalSettings;
  /**
   * How long a status query waits for a worker to answer before the client reports that none did
   * (default: BATON_QUERY_TIMEOUT_MS, else 10 s). Without a worker the server would hold it 30 s.
   */
  queryTimeoutMs?: number;
  /** The data converter's codecs; else from BATON_CODEC_KEYS (none when it is unset). */
  payloadCodecs?: PayloadCodec[];
}

/** A connected Baton client: the TS API behind the `baton` CLI. */
export interface Baton {
  client: Client;
  connection: Connection;
  taskQueue: string;
  address: string;
  namespace: string;
  queryTimeoutMs: number;
  close(): Promise<void>;
}

const DEFAULT_QUERY_TIMEOUT_MS = 10_000;

function queryTimeoutFromEnv(): number {
  const text = process.env.BATON_QUERY_TIMEOUT_MS;
  if (text === undefined || text === '') return DEFAULT_QUERY_TIMEOUT_MS;
  const ms = Number(text);
  if (!Number.isFinite(ms) || ms <= 0)
    throw new BatonError(`BATON_QUERY_TIMEOUT_MS="${text}" is not a positive number of milliseconds.`);
  return ms;
}

/** The client's settings: `settings`, else the environment, with the given fields first. */
export function clientSettings(options: ConnectOptions = {}): TemporalSettings {
  const given = Object.fromEntries(
    (['address', 'namespace', 'taskQueue'] as const)
      .filter((key) => options[key] !== undefined)
      .map((key) => [key, options[key]]),
  );
  return options.settings ? { ...options.settings, ...given } : temporalSettings(process.env, given);
}

/**
 * Connects to the Temporal server: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, BATON_TASK_QUEUE and the
 * TLS variables by default (TEMPORAL_TLS_CERT/KEY/CA, TEMPORAL_API_KEY for Temporal Cloud).
 */
export async function connect(options: ConnectOptions = {}): Promise<Baton> {
  const settings = clientSettings(options);
  const { address, namespace } = settings;
  const queryTimeoutMs = options.queryTimeoutMs ?? queryTimeoutFromEnv();
  const payloadCodecs = options.payloadCodecs ?? payloadCodecsFromEnv(process.env);
  const security = connectionSecurity(settings, (path) => readFileSync(path));
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: '5s', ...security });
  } catch (cause) {
    throw new ServerUnreachableError(address, { cause, security: describeSecurity(settings) });
  }
  await checkNamespace(connection, address, namespace);
  return {
    client: new Client({ connection, namespace, dataConverter: { payloadCodecs } }),
    connection,
    address,
    namespace,
    queryTimeoutMs,
    taskQueue: settings.taskQueue,
    close: () => connection.close(),
  };
}

/**
 * Fails at connect, with the fix, when the namespace does not exist: otherwise every call would
 * fail later with a NOT_FOUND that reads like a missing run. Other answers (no permission to
 * describe namespaces, say) are left to the calls themselves.
 */
async function checkNamespace(connection: Connection, address: string, namespace: string): Promise<void> {
  const missing = await connection
    .withDeadline(Date.now() + 5_000, () => connection.workflowService.describeNamespace({ namespace }))
    .then(
      () => false,
      (error: unknown) => (error as { code?: number }).code === 5, // NOT_FOUND
    );
  if (missing) {
    await connection.close();
    throw new NamespaceNotFoundError(namespace, address);
  }
}
