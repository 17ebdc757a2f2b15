/**
 * The TypeScript variant of the Express generator (`typescript: true`): the same pure handlers and
 * node:test tests as the JavaScript one, typed from the spec's schemas, compiled by `tsc` (strict)
 * into dist/. The sources are templates/node-express-ts/.
 */
import { appWiring, type Files, handlerTestValues, handlerValues } from './node';
import { nodeAuth } from './auth';
import type { Field, Resource, Resources } from './resources';
import {
  DEFAULT_NODE_STACK,
  EXPRESS_RANGES,
  type NodeStack,
  NODE_TYPES_RANGES,
  nodeEngines,
  TYPESCRIPT_RANGE,
} from './stack';
import { renderTemplate } from './templates';

/** The settings of a TypeScript project. */
export type NodeTsOptions = NodeStack;

const TS_TYPES: Record<Field['type'], string> = {
  string: 'string',
  integer: 'number',
  number: 'number',
  boolean: 'boolean',
};

const member = (f: Field, required = f.required) => `  ${f.name}${required ? '' : '?'}: ${TS_TYPES[f.type]};`;

function handlerTs(r: Resource, specPath: string): string {
  return renderTemplate('node-express-ts/handler.ts.tmpl', {
    ...handlerValues(r, specPath),
    name: r.name,
    entityFields: r.entity.map((f) => member(f, f.required || f.name === 'id')).join('\n'),
    inputFields: r.input.map((f) => member(f)).join('\n'),
  });
}

function handlerTestTs(r: Resource): string {
  return renderTemplate('node-express-ts/handler.test.ts.tmpl', { ...handlerTestValues(r), name: r.name });
}

/** Strict, ES modules as Node runs them; src/ and test/ compile side by side into dist/. */
const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    outDir: 'dist',
    rootDir: '.',
    types: ['node'],
    esModuleInterop: true,
    skipLibCheck: true,
    forceConsistentCasingInFileNames: true,
  },
  include: ['src', 'test'],
};

/** The files of an Express project in TypeScript for the resources, relative to the project dir. */
export function nodeExpressTsFiles(
  service: string,
  resources: Resources,
  specPath: string,
  options: NodeTsOptions = DEFAULT_NODE_STACK,
  auth = resources.auth ?? false,
): Files {
  const express = EXPRESS_RANGES[options.expressVersion];
  const login = auth ? nodeAuth(specPath, 'ts') : undefined;
  const app = renderTemplate('node-express-ts/app.ts.tmpl', {
    specPath,
    ...appWiring(resources, login),
    service,
  });
  const pkg = {
    name: service,
    version: '0.1.0',
    private: true,
    type: 'module',
    main: 'dist/src/app.js',
    scripts: {
      build: 'tsc',
      typecheck: 'tsc --noEmit',
      // A glob the shell expands: Node 22+ no longer takes a directory after --test.
      test: 'tsc && node --test dist/test/*.test.js',
      start: 'node dist/src/app.js',
    },
    dependencies: { express: express.express },
    devDependencies: {
      '@types/express': express.types,
      '@types/node': NODE_TYPES_RANGES[options.nodeVersion],
      typescript: TYPESCRIPT_RANGE,
    },
    engines: { node: nodeEngines(options) },
  };
  return [
    ['package.json', `${JSON.stringify(pkg, null, 2)}\n`],
    ['tsconfig.json', `${JSON.stringify(TSCONFIG, null, 2)}\n`],
    ['.gitignore', 'node_modules/\ndist/\n'],
    ['src/app.ts', app],
    ...resources.map((r): [string, string] => [`src/handlers/${r.path}.ts`, handlerTs(r, specPath)]),
    ...resources.map((r): [string, string] => [`test/${r.path}.test.ts`, handlerTestTs(r)]),
    ...(login?.files ?? []),
  ];
}
