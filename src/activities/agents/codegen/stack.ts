/**
 * The technology settings of a generated project (codegen's `nodeVersion`, `expressVersion`,
 * `javaVersion`, `springBootVersion`, `buildTool`) and the dependency ranges each one selects.
 */
import type { z } from 'zod';
import type { AGENT_INPUTS } from '../../../shared/agent-inputs';

type CodegenInput = z.output<(typeof AGENT_INPUTS)['codegen']>;
export type NodeStack = Pick<CodegenInput, 'nodeVersion' | 'expressVersion'>;
export type JavaStack = Pick<CodegenInput, 'javaVersion' | 'springBootVersion' | 'buildTool'>;

/** The settings a generator falls back to: those of the agent input's defaults. */
export const DEFAULT_NODE_STACK: NodeStack = { nodeVersion: '20', expressVersion: '4' };
export const DEFAULT_JAVA_STACK: JavaStack = {
  javaVersion: '17',
  springBootVersion: '3.5.7',
  buildTool: 'maven',
};

/** Express and its type definitions, by Express major. */
export const EXPRESS_RANGES = {
  '4': { express: '^4.21.2', types: '^4.17.21' },
  '5': { express: '^5.1.0', types: '^5.0.0' },
} as const satisfies Record<NodeStack['expressVersion'], { express: string; types: string }>;

/** Node's type definitions, by Node major: the project type-checks against the runtime it names. */
export const NODE_TYPES_RANGES = {
  '20': '^20.19.0',
  '22': '^22.15.0',
  '24': '^24.0.0',
} as const satisfies Record<NodeStack['nodeVersion'], string>;

/** The compiler of a TypeScript project: the line Baton itself builds with. */
export const TYPESCRIPT_RANGE = '~5.9.3';

export const nodeEngines = (stack: NodeStack): string => `>=${stack.nodeVersion}`;
