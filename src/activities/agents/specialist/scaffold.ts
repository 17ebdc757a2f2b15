/**
 * The scaffold a decomposed feature starts from (package.json, the router, the HTTP server), and
 * the edits the specialists make to it. The scaffold is written before the tasks branch off, so
 * each task edits a file its siblings edit too instead of adding it: git merges the edits, where
 * two adds of one path would be a naming conflict.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { badInput } from '../../failures';
import { type Project, ROUTER_MARKERS, scaffoldFiles } from './layout';

type Json = Record<string, unknown>;

async function readText(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
}

/** Writes the file when its content differs; true when it wrote. Retries leave the same bytes. */
export async function writeIfChanged(workspace: string, file: string, content: string): Promise<boolean> {
  const absolute = path.join(workspace, file);
  if ((await readText(absolute)) === content) return false;
  await mkdir(path.dirname(absolute), { recursive: true });
  await writeFile(absolute, content);
  return true;
}

/** The package.json of the project, parsed, or undefined when there is none. */
export async function readPackage(workspace: string, dir: string): Promise<Json | undefined> {
  const file = path.posix.join(dir, 'package.json');
  const text = await readText(path.join(workspace, file));
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Json;
  } catch {
    // reported below
  }
  throw badInput(`${file} is not a JSON object; fix it so the feature's dependencies can be added`);
}

function packageName(dir: string): string {
  const base = path.posix
    .basename(dir === '.' ? 'app' : dir)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-');
  return /^[a-z]/.test(base) ? base : `app-${base}`;
}

const ROUTER = `'use strict';
// The app's routes: { method, pattern, handle(req, res, params) }. Each part of a feature adds
// its line under its own section, so work done side by side merges without a conflict.
const routes = [];

${ROUTER_MARKERS.backend}

${ROUTER_MARKERS.frontend}

module.exports = { routes };
`;

const server = (ext: string) => `'use strict';
const http = require('node:http');
const { routes } = require('./router${ext}');

/** The route for a request, and the pattern's captured groups. */
function match(method, pathname) {
  for (const route of routes) {
    const found = route.method === method && route.pattern.exec(pathname);
    if (found) return { route, params: found.slice(1) };
  }
  return undefined;
}

function sendError(res, status, message) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: message }));
}

function createServer() {
  return http.createServer((req, res) => {
    const url = new URL(req.url || '/', 'http://localhost');
    const found = match(req.method, url.pathname);
    if (!found) return sendError(res, 404, \`no route for \${req.method} \${url.pathname}\`);
    Promise.resolve(found.route.handle(req, res, found.params)).catch((error) => {
      sendError(res, 500, String(error && error.message));
    });
  });
}

if (require.main === module) {
  const port = Number(process.env.PORT) || 3000;
  createServer().listen(port, () => process.stdout.write(\`listening on http://localhost:\${port}\\n\`));
}

module.exports = { createServer };
`;

/** The scaffold's files that are missing, written; returns the paths it wrote. */
export async function ensureScaffold(workspace: string, project: Project): Promise<string[]> {
  const files = scaffoldFiles(project);
  const written: string[] = [];
  if ((await readPackage(workspace, project.dir)) === undefined) {
    const pkg = {
      name: packageName(project.dir),
      version: '0.1.0',
      private: true,
      main: `src/server${project.ext}`,
      scripts: { start: `node src/server${project.ext}`, test: 'node --test' },
      dependencies: {},
      // Between the two dependency sections, so an edit of each is its own hunk for git.
      engines: { node: '>=18' },
      devDependencies: {},
    };
    await writeIfChanged(workspace, files.packageJson, `${JSON.stringify(pkg, null, 2)}\n`);
    written.push(files.packageJson);
  }
  for (const [file, content] of [
    [files.router, ROUTER],
    [files.server, server(project.ext)],
  ] as const) {
    if ((await readText(path.join(workspace, file))) === undefined) {
      await writeIfChanged(workspace, file, content);
      written.push(file);
    }
  }
  const router = (await readText(path.join(workspace, files.router))) ?? '';
  const missing = Object.values(ROUTER_MARKERS).filter((marker) => !router.includes(marker));
  if (missing.length) {
    throw badInput(
      `${files.router} exists but lacks the section markers ${missing.map((m) => `"${m}"`).join(', ')}; ` +
        'add them (one line each, a blank line between) or pick another dir for the feature',
    );
  }
  return written;
}

/** The indentation package.json uses (two spaces when it cannot tell). */
function indentOf(text: string): string {
  return /^\{\r?\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
}

/** Sets one dependency in package.json, keeping its key order and indentation; true when it changed. */
export async function addDependency(
  workspace: string,
  dir: string,
  dependency: { section: string; name: string; version: string },
): Promise<boolean> {
  const file = path.posix.join(dir, 'package.json');
  const text = await readText(path.join(workspace, file));
  const pkg = await readPackage(workspace, dir);
  if (text === undefined || pkg === undefined) {
    throw badInput(`${file} is missing; run the decompose phase first, which writes the project's scaffold`);
  }
  const section = (pkg[dependency.section] ?? {}) as Record<string, string>;
  if (section[dependency.name] === dependency.version) return false;
  pkg[dependency.section] = { ...section, [dependency.name]: dependency.version };
  return writeIfChanged(workspace, file, `${JSON.stringify(pkg, null, indentOf(text))}\n`);
}

/** Adds `line` right under `marker` in the file (once: a retry finds it there); true when it changed. */
export async function addUnderMarker(
  workspace: string,
  file: string,
  marker: string,
  line: string,
): Promise<boolean> {
  const text = await readText(path.join(workspace, file));
  if (text === undefined || !text.includes(marker)) {
    throw badInput(`${file} is missing or lacks "${marker}"; run the decompose phase first, which writes it`);
  }
  if (text.split('\n').includes(line)) return false;
  return writeIfChanged(workspace, file, text.replace(marker, `${marker}\n${line}`));
}

const RESOURCE = /^[a-z][a-z0-9-]*$/;

/** The project a task works in: its dir (checked to stay in the workspace) and its JS extension. */
export async function projectFor(workspace: string, dir: string, resource: string): Promise<Project> {
  if (!RESOURCE.test(resource)) {
    throw badInput(
      `resource "${resource}" is not a resource name; use lower-case letters, digits and "-", e.g. "books"`,
    );
  }
  const clean = path.posix.normalize(dir.split(path.sep).join('/')).replace(/\/+$/, '') || '.';
  if (path.posix.isAbsolute(clean) || clean === '..' || clean.startsWith('../')) {
    throw badInput(`dir "${dir}" leaves the workspace; use a path relative to it, such as "app"`);
  }
  const pkg = await readPackage(workspace, clean);
  return { dir: clean, ext: pkg?.type === 'module' ? '.cjs' : '.js', resource };
}
