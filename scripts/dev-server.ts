/**
 * Entry point: `tsx scripts/dev-server.ts install` builds the Temporal CLI into the cache;
 * `tsx scripts/dev-server.ts start [--port N] [--ui-port N] [--db FILE] [--headless]` runs a
 * server until Ctrl-C. The code lives in src/dev/.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { runDevServerScript } from '../src/dev/main';

function invokedDirectly(): boolean {
  try {
    return !!process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (invokedDirectly()) runDevServerScript();
