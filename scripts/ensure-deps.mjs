// Runs before `npm test` and `npm start`, possibly before anything is installed: plain Node, no dependencies.
// Installs node_modules when missing or stale, then builds the Temporal CLI so tests don't start with a long build.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const onWindows = process.platform === 'win32';
const run = (cmd, args) =>
  spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: onWindows }).status ?? 1;
const mtime = (file) => (existsSync(file) ? statSync(file).mtimeMs : 0);

const lockfile = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || mtime(installed) < mtime(lockfile)) {
  // The lockfile holds every platform's optional binaries, so `npm ci` installs exactly it.
  const status = run('npm', ['ci', '--no-audit', '--no-fund']);
  if (status !== 0) process.exit(status);
}

// Not fatal: without the CLI the dev server falls back to the SDK's download, or TEMPORAL_ADDRESS.
run('npx', ['tsx', 'scripts/dev-server.ts', 'install']);

// The console's browser tests drive Debian's chromium (playwright-core cannot download a browser here).
const chromium = '/usr/bin/chromium';
if (process.env.npm_lifecycle_event !== 'prestart' && process.platform === 'linux' && !existsSync(chromium)) {
  if (process.getuid?.() === 0) {
    if (run('apt-get', ['update']) === 0) run('apt-get', ['install', '-y', 'chromium']);
  } else {
    console.warn(`${chromium} is missing and this is not root: install it (sudo apt-get install chromium) for npm run test:console.`);
  }
}
