/**
 * What each offline specialist writes: plain CommonJS on Node built-ins, so the merged project
 * builds and tests without an install. The API and the page meet only through the URL contract
 * (`/api/<resource>`, `/<resource>`), which is what lets them be written side by side.
 */
import { type Layer, type Project, singular, titleOf } from './layout';

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim().slice(0, 100);

export function apiSource(project: Project, feature: string): string {
  const r = project.resource;
  const one = singular(r);
  return `'use strict';
// The ${r} API: list, get and create, kept in memory.
// Feature: ${oneLine(feature)}
const items = [
  { id: 1, name: ${JSON.stringify(`First ${one.replace(/-/g, ' ')}`)} },
  { id: 2, name: ${JSON.stringify(`Second ${one.replace(/-/g, ' ')}`)} },
];

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** The request's JSON body; undefined when it is not JSON. */
function readJson(req) {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      text += chunk;
      if (text.length > 1e6) reject(new Error('request body too large'));
    });
    req.on('end', () => {
      try {
        resolve(text ? JSON.parse(text) : {});
      } catch {
        resolve(undefined);
      }
    });
    req.on('error', reject);
  });
}

function get(req, res, [id]) {
  const item = items.find((candidate) => candidate.id === Number(id));
  if (item) send(res, 200, item);
  else send(res, 404, { error: \`${one} \${id} not found\` });
}

async function create(req, res) {
  const body = await readJson(req);
  if (!body || typeof body.name !== 'string' || !body.name.trim()) {
    return send(res, 400, { error: 'name is required: send {"name": "..."}' });
  }
  const item = { id: items.reduce((max, i) => Math.max(max, i.id), 0) + 1, name: body.name.trim() };
  items.push(item);
  return send(res, 201, item);
}

const routes = [
  { method: 'GET', pattern: /^\\/api\\/${r}$/, handle: (req, res) => send(res, 200, items) },
  { method: 'GET', pattern: /^\\/api\\/${r}\\/(\\d+)$/, handle: get },
  { method: 'POST', pattern: /^\\/api\\/${r}$/, handle: create },
];

module.exports = { routes, items };
`;
}

export function pageSource(project: Project, feature: string): string {
  const r = project.resource;
  const title = titleOf(r);
  return `'use strict';
// The ${r} page: lists ${r} from GET /api/${r}, in the browser.
// Feature: ${oneLine(feature)}
const html = \`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${title}</title></head>
<body>
  <h1>${title}</h1>
  <ul id="${r}"><li>Loading…</li></ul>
  <script>
    fetch('/api/${r}')
      .then((response) => response.json())
      .then((items) => {
        const list = document.getElementById('${r}');
        list.replaceChildren(...items.map((item) => {
          const li = document.createElement('li');
          li.textContent = item.name;
          return li;
        }));
      });
  </script>
</body>
</html>
\`;

function page(req, res) {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(html);
}

const routes = [{ method: 'GET', pattern: /^\\/${r}$/, handle: page }];

module.exports = { routes, html };
`;
}

const API_TESTS = (r: string) => `
test('GET /api/${r} lists ${r}', async () => {
  const res = await fetch(\`\${base}/api/${r}\`);
  assert.equal(res.status, 200);
  const items = await res.json();
  assert.ok(Array.isArray(items) && items.length > 0);
});

test('POST /api/${r} creates one, GET /api/${r}/:id reads it back', async () => {
  const created = await fetch(\`\${base}/api/${r}\`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Added in a test' }),
  });
  assert.equal(created.status, 201);
  const item = await created.json();
  const read = await fetch(\`\${base}/api/${r}/\${item.id}\`);
  assert.equal(read.status, 200);
  assert.deepEqual(await read.json(), item);
});

test('POST /api/${r} without a name is refused', async () => {
  const res = await fetch(\`\${base}/api/${r}\`, { method: 'POST', body: '{}' });
  assert.equal(res.status, 400);
});

test('GET /api/${r}/:id of a missing one is 404', async () => {
  const res = await fetch(\`\${base}/api/${r}/999999\`);
  assert.equal(res.status, 404);
});
`;

const PAGE_TESTS = (r: string) => `
test('GET /${r} serves the page that lists ${r} from the API', async () => {
  const res = await fetch(\`\${base}/${r}\`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /text\\/html/);
  const html = await res.text();
  assert.match(html, /id="${r}"/);
  assert.match(html, /fetch\\('\\/api\\/${r}'\\)/);
});
`;

/** Tests through the HTTP server, of the layers the plan has (the API and the page are tested by URL). */
export function testSource(project: Project, layers: readonly Layer[]): string {
  const r = project.resource;
  return `'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { createServer } = require('../src/server${project.ext}');

let server;
let base;

before(async () => {
  server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = \`http://127.0.0.1:\${server.address().port}\`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test('an unknown route is a JSON 404', async () => {
  const res = await fetch(\`\${base}/no-such-route\`);
  assert.equal(res.status, 404);
  assert.match((await res.json()).error, /no route/);
});
${layers.includes('backend') ? API_TESTS(r) : ''}${layers.includes('frontend') ? PAGE_TESTS(r) : ''}`;
}

export function docsSource(project: Project, feature: string, layers: readonly Layer[]): string {
  const r = project.resource;
  const lines = [`# ${titleOf(r)}`, '', `> ${oneLine(feature)}`, ''];
  if (layers.includes('backend')) {
    lines.push(
      '## API',
      '',
      '| Method | Path | Does |',
      '| --- | --- | --- |',
      `| GET | \`/api/${r}\` | Lists ${r} as JSON. |`,
      `| GET | \`/api/${r}/:id\` | One ${singular(r)}; 404 when there is none. |`,
      `| POST | \`/api/${r}\` | Creates one from \`{"name": "..."}\`; 400 without a name. |`,
      '',
    );
  }
  if (layers.includes('frontend')) {
    lines.push('## Page', '', `\`/${r}\` lists the ${r} it reads from \`/api/${r}\`.`, '');
  }
  lines.push(
    '## Run it',
    '',
    '```sh',
    `cd ${project.dir}`,
    'npm start      # http://localhost:3000 (PORT sets another port)',
    'npm test       # node --test',
    '```',
    '',
  );
  return lines.join('\n');
}
