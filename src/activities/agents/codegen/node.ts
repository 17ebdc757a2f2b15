/**
 * The Node generators of the `codegen` agent: an Express project whose handlers are pure functions
 * (tested with node:test, no install needed), from templates/node-express/; and a plain module
 * implementing a design.
 */
import { badInput } from '../../failures';
import { type DesignDocument, TEXT_FUNCTIONS } from '../spec/design';
import { singular } from '../spec/naming';
import { nodeAuth } from './auth';
import type { Field, Resource, Resources } from './resources';
import { DEFAULT_NODE_STACK, EXPRESS_RANGES, type NodeStack, nodeEngines } from './stack';
import { renderTemplate } from './templates';

/** Generated files, relative to the project dir, with their content. */
export type Files = Array<[string, string]>;

function sampleJs(field: Field): string {
  if (field.type === 'string') return `'sample ${field.name}'`;
  if (field.type === 'boolean') return 'true';
  return field.type === 'integer' ? '1' : '1.5';
}

/** What a resource's handler template is filled with, in JavaScript and TypeScript alike. */
export function handlerValues(r: Resource, specPath: string): Record<string, string> {
  const rules = r.input.map((f) => {
    const type = f.type === 'integer' ? "'number', integer: true" : `'${f.type}'`;
    return `  ${f.name}: { type: ${type}, required: ${f.required} },`;
  });
  const has = (name: string) => r.entity.some((f) => f.name === name);
  const stamp = (created: string) =>
    (has('createdAt') ? `, createdAt: ${created}` : '') + (has('updatedAt') ? ', updatedAt: now' : '');
  return {
    specPath,
    path: r.path,
    rules: rules.join('\n'),
    singular: singular(r.path),
    createStamp: stamp('now'),
    updateStamp: stamp('current.createdAt'),
  };
}

/** What a resource's handler test template is filled with, in JavaScript and TypeScript alike. */
export function handlerTestValues(r: Resource): Record<string, string> {
  const text = r.input.find((f) => f.type === 'string');
  const required = r.input.find((f) => f.required);
  return {
    path: r.path,
    sample: r.input.map((f) => `  ${f.name}: ${sampleJs(f)},`).join('\n'),
    changedField: text ? `, ${text.name}: 'changed'` : '',
    changeCheck: text ? `\n  assert.equal(updated.body.${text.name}, 'changed');` : '',
    requiredCheck: required
      ? `\n  assert.equal(handlers.create(store, { ...sample, ${required.name}: undefined }).status, 400);`
      : '',
  };
}

const handlerJs = (r: Resource, specPath: string) =>
  renderTemplate('node-express/handler.js.tmpl', handlerValues(r, specPath));
const handlerTestJs = (r: Resource) =>
  renderTemplate('node-express/handler.test.js.tmpl', handlerTestValues(r));

/**
 * What app.js or app.ts imports and mounts: each resource's handlers, and the login route when
 * there is one. Both languages import the emitted `.js`.
 */
export function appWiring(
  resources: readonly Resource[],
  login?: { imports: string[]; mounts: string[] },
): { imports: string; mounts: string } {
  return {
    imports: [
      ...resources.map((r) => `import * as ${r.camel} from './handlers/${r.path}.js';`),
      ...(login?.imports ?? []),
    ].join('\n'),
    mounts: [
      ...resources.map((r) => `  mount(app, '/${r.path}', ${r.camel});`),
      ...(login?.mounts ?? []),
    ].join('\n'),
  };
}

export function nodeExpressFiles(
  service: string,
  resources: Resources,
  specPath: string,
  stack: NodeStack = DEFAULT_NODE_STACK,
  auth = resources.auth ?? false,
): Files {
  const login = auth ? nodeAuth(specPath) : undefined;
  const app = renderTemplate('node-express/app.js.tmpl', {
    specPath,
    ...appWiring(resources, login),
    service,
  });
  const pkg = {
    name: service,
    version: '0.1.0',
    private: true,
    type: 'module',
    main: 'src/app.js',
    scripts: { start: 'node src/app.js', test: 'node --test' },
    dependencies: { express: EXPRESS_RANGES[stack.expressVersion].express },
    engines: { node: nodeEngines(stack) },
  };
  return [
    ['package.json', `${JSON.stringify(pkg, null, 2)}\n`],
    ['src/app.js', app],
    ...resources.map((r): [string, string] => [`src/handlers/${r.path}.js`, handlerJs(r, specPath)]),
    ...resources.map((r): [string, string] => [`test/${r.path}.test.js`, handlerTestJs(r)]),
    ...(login?.files ?? []),
  ];
}

export function nodeModuleFiles(design: DesignDocument, specPath: string): Files {
  const bodies = design.functions.map((fn) => {
    const known = TEXT_FUNCTIONS.find((candidate) => candidate.name === fn.name);
    if (!known) {
      throw badInput(
        `${specPath} names function "${fn.name}", which the built-in codegen cannot implement; ` +
          `known: ${TEXT_FUNCTIONS.map((f) => f.name).join(', ')}`,
      );
    }
    return `/**\n * ${fn.signature}\n * ${fn.summary}\n */\n${known.body}\n`;
  });
  const names = design.functions.map((fn) => fn.name);
  const tests = design.functions.map((fn) => {
    const checks = fn.examples.map((ex) => {
      const args = ex.args.map((arg) => JSON.stringify(arg)).join(', ');
      return `  assert.deepEqual(${fn.name}(${args}), ${JSON.stringify(ex.expected)});`;
    });
    return `test('${fn.signature}', () => {\n${checks.join('\n')}\n});\n`;
  });
  const pkg = {
    name: design.module,
    version: '0.1.0',
    type: 'module',
    main: `src/${design.module}.js`,
    exports: `./src/${design.module}.js`,
    scripts: { test: 'node --test' },
  };
  return [
    ['package.json', `${JSON.stringify(pkg, null, 2)}\n`],
    [`src/${design.module}.js`, `// Generated by baton codegen from ${specPath}.\n\n${bodies.join('\n')}`],
    [
      `test/${design.module}.test.js`,
      `import { test } from 'node:test';\nimport assert from 'node:assert/strict';\n` +
        `import {\n${names.map((name) => `  ${name},\n`).join('')}} from '../src/${design.module}.js';\n\n` +
        tests.join('\n'),
    ],
  ];
}
