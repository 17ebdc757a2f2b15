import { createServer } from 'node:net';
import { stringify } from 'yaml';
import { freePort, HOST } from './net';

/** The Temporal server's config for PostgreSQL: ports, persistence, dynamic config. */

export interface ServerPorts {
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  /** Membership (ringpop) ports, one per service. */
  membership: [number, number, number, number];
}

const listenable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });

/**
 * A free port below 32768: the SQL schema stores membership ports in a SMALLINT column, so an
 * ephemeral port (32768+) makes the server die with "value … is out of range for type smallint".
 */
async function freeSmallPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!taken.has(port) && (await listenable(port))) return port;
  }
  throw new Error('no free port between 20000 and 32000 on 127.0.0.1');
}

export async function pickPorts(frontend?: number): Promise<ServerPorts> {
  const taken = new Set<number>();
  const small = async () => {
    const p = await freeSmallPort(taken);
    taken.add(p);
    return p;
  };
  return {
    frontend: frontend ?? (await freePort()),
    frontendHttp: await freePort(),
    history: await freePort(),
    matching: await freePort(),
    worker: await freePort(),
    membership: [await small(), await small(), await small(), await small()],
  };
}

/**
 * What the server reads every 10 s from its dynamic config file: the dev server's choices, so
 * Baton behaves the same on both (eager activities: docs in server-tuning.ts; search attributes
 * visible as soon as they are added, as `temporal server start-dev` sets).
 */
export const DYNAMIC_CONFIG = {
  'system.enableActivityEagerExecution': [{ value: true }],
  'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true }],
  'frontend.persistenceMaxQPS': [{ value: 10_000 }],
  'history.persistenceMaxQPS': [{ value: 45_000 }],
  'limit.maxIDLength': [{ value: 255 }],
  // Long polls in flight per namespace (waiting for a run's result, `baton run --wait`): the server's
  // 1,200 made result waits fail with "Failed to get Workflow execution history" once more runs than
  // that were open at 600 runs a minute (bench/throughput.ts).
  'frontend.namespaceCount': [{ value: 10_000 }],
  // A namespace registered at start is usable by every service within a second, not ten.
  'system.namespaceCacheRefreshInterval': [{ value: '1s' }],
};

export function dynamicConfigYaml(): string {
  return stringify(DYNAMIC_CONFIG);
}

/** The server config: postgres12 plugin at `pgAddress`, every service on 127.0.0.1, 4 history shards. */
export function serverConfigYaml(ports: ServerPorts, pgAddress: string, dynamicConfigFile: string): string {
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: pgAddress,
      connectProtocol: 'tcp',
      user: 'temporal',
      password: '',
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (grpcPort: number, membershipPort: number, extra = {}) => ({
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra },
  });
  const [m1, m2, m3, m4] = ports.membership;
  return stringify({
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: 4,
      datastores: { default: store('temporal', 20), visibility: store('temporal_visibility', 4) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: HOST } },
    services: {
      frontend: rpc(ports.frontend, m1, { httpPort: ports.frontendHttp }),
      history: rpc(ports.history, m2),
      matching: rpc(ports.matching, m3),
      worker: rpc(ports.worker, m4),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `${HOST}:${ports.frontend}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  });
}
