/**
 * `npm run temporal:postgres [-- --dir DIR] [--port N] [--namespace NS] [--no-ui]`: Temporal on
 * PostgreSQL on this machine, until Ctrl-C (docs/postgres.md). Without --dir, everything lives in
 * a temp dir that is removed on exit; with it, runs and history survive restarts.
 */
import { parseArgs } from 'node:util';
import { startPostgresTemporal } from '../src/dev/postgres';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    port: { type: 'string' },
    namespace: { type: 'string' },
    'no-ui': { type: 'boolean', default: false },
  },
});
const port = values.port === undefined ? undefined : Number(values.port);
if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
  console.error(`--port ${values.port} is not a port number: give 1-65535, or leave it out for a free one.`);
  process.exit(2);
}
const startedAt = Date.now();
const temporal = await startPostgresTemporal({
  ...(values.dir ? { dir: values.dir } : {}),
  ...(port ? { port } : {}),
  ...(values.namespace ? { namespace: values.namespace } : {}),
  ui: !values['no-ui'],
  log: (line) => console.log(line),
}).catch((err: unknown) => {
  console.error(
    err instanceof Error ? `${err.message}\n${(err as { hint?: string }).hint ?? ''}` : String(err),
  );
  process.exit(1);
});
console.log(`
Temporal on PostgreSQL is up (${Math.round((Date.now() - startedAt) / 1000)} s):
  address    ${temporal.address}   namespace ${temporal.namespace}
  PostgreSQL ${temporal.postgresAddress}   files ${temporal.dir}
  Web UI     ${temporal.uiUrl ?? 'not running (see above)'}

Point Baton at it:
  TEMPORAL_ADDRESS=${temporal.address} npm run worker
  TEMPORAL_ADDRESS=${temporal.address} npm run baton -- run <template>

Ctrl-C stops it.`);
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('Stopping…');
    void temporal.stop().then(() => process.exit(0));
  });
