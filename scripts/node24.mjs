// `npm run test:node24`: runs the vitest suite under Node 24 (users run 22 and 24; CI's own Node is
// older). Plain Node, no dependencies. The npm registry serves Node builds as packages
// (`node-<platform>-<arch>`, holding bin/node), so the first run fetches one with `npm pack` into
// $BATON_CACHE_DIR/node24 (default ~/.cache/baton/node24); later runs reuse it.
// Arguments go to `vitest run` (a file list reruns only those files). That Node comes first on PATH,
// so processes the tests start (`node`, tsx, the CLI) run on it too.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAJOR = '24';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(process.env.BATON_CACHE_DIR ?? join(homedir(), '.cache', 'baton'), `node${MAJOR}`);
const exe = process.platform === 'win32' ? 'node.exe' : join('bin', 'node');
const node = join(cache, exe);
const pkg = `node-${process.platform}-${process.arch}@${MAJOR}`;

/** The version `file` reports, or undefined when it does not run. */
function versionOf(file) {
  if (!existsSync(file)) return undefined;
  const result = spawnSync(file, ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function fail(message) {
  console.error(`test:node24: ${message}`);
  process.exit(1);
}

/** Fetches `pkg` with `npm pack` and unpacks it into `cache`, replacing what was there. */
function fetchNode() {
  const work = mkdtempSync(join(tmpdir(), 'baton-node24-'));
  try {
    console.log(`test:node24: fetching ${pkg} from the npm registry into ${cache}`);
    const packed = spawnSync('npm', ['pack', pkg, '--pack-destination', work, '--silent'], {
      cwd: work,
      stdio: ['ignore', 'ignore', 'inherit'],
      shell: process.platform === 'win32',
    });
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (packed.status !== 0 || !tarball) {
      fail(
        `\`npm pack ${pkg}\` failed (status ${packed.status}). Check the registry is reachable, or put a Node ${MAJOR} in ${cache}.`,
      );
    }
    const unpacked = join(work, 'unpacked');
    mkdirSync(unpacked);
    // The package's files are under package/: bin/node, include/, share/.
    const tar = spawnSync('tar', ['-xzf', join(work, tarball), '-C', unpacked, '--strip-components=1'], {
      stdio: 'inherit',
    });
    if (tar.status !== 0) fail(`could not unpack ${tarball} with tar (status ${tar.status}).`);
    rmSync(cache, { recursive: true, force: true });
    mkdirSync(dirname(cache), { recursive: true });
    renameSync(unpacked, cache);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

let version = versionOf(node);
if (!version?.startsWith(`v${MAJOR}.`)) {
  fetchNode();
  version = versionOf(node);
  if (!version?.startsWith(`v${MAJOR}.`))
    fail(`${node} does not run as Node ${MAJOR} (it says ${version ?? 'nothing'}).`);
}

console.log(`test:node24: vitest run under Node ${version} (${node})`);
const started = Date.now();
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const result = spawnSync(node, [vitest, 'run', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}` },
});
const seconds = Math.round((Date.now() - started) / 1000);
console.log(`test:node24: Node ${version}: ${result.status === 0 ? 'passed' : 'failed'} in ${seconds} s`);
process.exit(result.status ?? 1);
