import { AGENT_INPUTS } from '../../../shared/agent-inputs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { badInput } from '../../failures';
import { defineAgent } from '../agent';

/**
 * The text utilities the deterministic design and codegen agents know. The design picks functions
 * whose keywords appear in the requirement; codegen implements them from `body` and tests them
 * with the design's examples.
 */
interface TextFunction {
  name: string;
  signature: string;
  summary: string;
  keywords: RegExp;
  examples: Array<{ args: unknown[]; expected: unknown }>;
  /** JavaScript source of the exported function. */
  body: string;
}

export const TEXT_FUNCTIONS: readonly TextFunction[] = [
  {
    name: 'slugify',
    signature: 'slugify(text: string): string',
    summary: 'Lower-cases text, drops accents and joins its words with "-".',
    keywords: /slug|url[- ]friendly/i,
    examples: [
      { args: ['Hello, World!'], expected: 'hello-world' },
      { args: ['  Crème brûlée  '], expected: 'creme-brulee' },
    ],
    body: String.raw`export function slugify(text) {
  return String(text)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}`,
  },
  {
    name: 'wordCount',
    signature: 'wordCount(text: string): number',
    summary: 'Counts the words (runs of non-space characters) in text.',
    keywords: /word[- ]?count|count(?:s|ing)?\s+(?:the\s+)?words|number of words/i,
    examples: [
      { args: ['one two  three'], expected: 3 },
      { args: ['   '], expected: 0 },
    ],
    body: String.raw`export function wordCount(text) {
  return String(text).split(/\s+/).filter(Boolean).length;
}`,
  },
  {
    name: 'truncate',
    signature: 'truncate(text: string, max: number): string',
    summary: 'Shortens text to at most max characters, ending with "…" when cut.',
    keywords: /truncat|shorten/i,
    examples: [
      { args: ['Hello world', 8], expected: 'Hello w…' },
      { args: ['short', 10], expected: 'short' },
    ],
    body: String.raw`export function truncate(text, max) {
  const chars = Array.from(String(text));
  if (chars.length <= max) return chars.join('');
  return chars.slice(0, Math.max(0, max - 1)).join('') + '…';
}`,
  },
  {
    name: 'titleCase',
    signature: 'titleCase(text: string): string',
    summary: 'Upper-cases the first letter of every word and lower-cases the rest.',
    keywords: /title[- ]?case|capitali[sz]/i,
    examples: [{ args: ['hello BIG world'], expected: 'Hello Big World' }],
    body: String.raw`export function titleCase(text) {
  return String(text)
    .toLowerCase()
    .replace(/(^|\s)(\S)/g, (_, space, first) => space + first.toUpperCase());
}`,
  },
  {
    name: 'camelCase',
    signature: 'camelCase(text: string): string',
    summary: 'Joins the words of text in camelCase.',
    keywords: /camel/i,
    examples: [{ args: ['make-it_so now'], expected: 'makeItSoNow' }],
    body: String.raw`export function camelCase(text) {
  return String(text)
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word, i) => (i === 0 ? word[0].toLowerCase() : word[0].toUpperCase()) + word.slice(1).toLowerCase())
    .join('');
}`,
  },
  {
    name: 'reverse',
    signature: 'reverse(text: string): string',
    summary: 'Reverses text by code point.',
    keywords: /revers/i,
    examples: [{ args: ['abc'], expected: 'cba' }],
    body: String.raw`export function reverse(text) {
  return Array.from(String(text)).reverse().join('');
}`,
  },
  {
    name: 'isPalindrome',
    signature: 'isPalindrome(text: string): boolean',
    summary: 'Tells whether text reads the same backwards, ignoring case and punctuation.',
    keywords: /palindrom/i,
    examples: [
      { args: ['A man, a plan, a canal: Panama'], expected: true },
      { args: ['hello'], expected: false },
    ],
    body: String.raw`export function isPalindrome(text) {
  const letters = String(text).toLowerCase().replace(/[^a-z0-9]/g, '');
  return letters === Array.from(letters).reverse().join('');
}`,
  },
];

/** Used when the requirement names none of the known functions. */
const DEFAULT_FUNCTIONS = ['slugify', 'wordCount', 'truncate'];

export const DesignDocumentSchema = z.object({
  module: z.string(),
  requirement: z.string(),
  matched: z.boolean(),
  functions: z
    .array(
      z.object({
        name: z.string(),
        signature: z.string(),
        summary: z.string(),
        examples: z.array(z.object({ args: z.array(z.unknown()), expected: z.unknown() })),
      }),
    )
    .min(1),
});
export type DesignDocument = z.infer<typeof DesignDocumentSchema>;

const MODULE = /^[a-z][a-z0-9-]*$/;

/** Derives the design from the requirement; pure, so the same requirement always gives the same design. */
function designFor(requirement: string, module: string): DesignDocument {
  const picked = TEXT_FUNCTIONS.filter((fn) => fn.keywords.test(requirement));
  const matched = picked.length > 0;
  const chosen = matched ? picked : TEXT_FUNCTIONS.filter((fn) => DEFAULT_FUNCTIONS.includes(fn.name));
  return {
    module,
    requirement,
    matched,
    functions: chosen.map(({ name, signature, summary, examples }) => ({
      name,
      signature,
      summary,
      examples,
    })),
  };
}

function renderMarkdown(design: DesignDocument): string {
  const lines = [
    `# Design: ${design.module}`,
    '',
    '## Requirement',
    '',
    ...design.requirement.split('\n').map((line) => `> ${line}`.trimEnd()),
    '',
    '## Module',
    '',
    `An ES module \`src/${design.module}.js\` with pure functions and no dependencies,`,
    `tested with \`node:test\` in \`test/${design.module}.test.js\`.`,
    design.matched
      ? 'The functions below were chosen from the text utilities the requirement names.'
      : `The requirement names no known text utility, so the default set (${DEFAULT_FUNCTIONS.join(', ')}) is used.`,
    '',
    '## Functions',
    '',
    '| Function | Purpose |',
    '| --- | --- |',
    ...design.functions.map((fn) => `| \`${fn.signature}\` | ${fn.summary} |`),
    '',
    '## Examples (the acceptance tests)',
    '',
    ...design.functions.flatMap((fn) =>
      fn.examples.map(
        (ex) =>
          `- \`${fn.name}(${ex.args.map((a) => JSON.stringify(a)).join(', ')})\` → \`${JSON.stringify(ex.expected)}\``,
      ),
    ),
    '',
  ];
  return lines.join('\n');
}

/** Turns a requirement into a small module design: functions, signatures and acceptance examples. */
export const designAgent = defineAgent({
  name: 'design',
  description:
    'Derives a text-utilities module design (docs/DESIGN.md, docs/design.json) from a requirement.',
  input: AGENT_INPUTS.design,
  output: z.object({
    designPath: z.string(),
    /** The machine-readable design, read by codegen with target `node-module`. */
    specPath: z.string(),
    module: z.string(),
    functions: z.array(z.string()),
  }),
  async run(input, context) {
    const requirement = input.requirement.trim();
    if (!requirement) {
      throw badInput('requirement is empty; describe the module to build, e.g. "slugify and word count"');
    }
    if (!MODULE.test(input.module)) {
      throw badInput(
        `module "${input.module}" is not a valid module name; use lower-case letters, digits and "-"`,
      );
    }
    const design = designFor(requirement, input.module);
    context.heartbeat({ step: 'designed', functions: design.functions.length });
    const docs = path.join(context.workspace, 'docs');
    await mkdir(docs, { recursive: true });
    await writeFile(path.join(docs, 'design.json'), `${JSON.stringify(design, null, 2)}\n`);
    await writeFile(path.join(docs, 'DESIGN.md'), renderMarkdown(design));
    context.heartbeat({ step: 'written' });
    return {
      designPath: 'docs/DESIGN.md',
      specPath: 'docs/design.json',
      module: design.module,
      functions: design.functions.map((fn) => fn.name),
    };
  },
});
