/**
 * The LLM half of the `codegen` agent. The deterministic generator still writes the project's
 * skeleton (package.json or pom.xml, wiring, tests); the LLM writes the implementation files the
 * tests exercise, so `build` checks the LLM's code against tests it did not write.
 */
import path from 'node:path';
import { z } from 'zod';
import { agentFailure } from '../../failures';
import type { AgentContext } from '../agent';
import { askLlm } from '../toolbox/llm';
import type { Files } from './node';
import type { Target } from './target';

/** Which generated files the LLM writes, per target, and what each must do. */
const LAYOUT: Record<Target, { pattern: RegExp; role: (file: string) => string; language: string }> = {
  'node-express': {
    pattern: /^src\/handlers\/[a-z][a-z0-9-]*\.js$/,
    language: 'JavaScript (ES modules, Node 20, no dependencies)',
    role: (file) =>
      `${file}: the pure CRUD handlers of /${path.posix.basename(file, '.js')}. Export createStore(), ` +
      'list(store), create(store, body), get(store, id), update(store, id, body) and remove(store, id); ' +
      'each returns { status, body } (remove returns { status: 204 } with no body). Validate bodies against ' +
      "the resource's Input schema in the spec (unknown fields, missing required fields and wrong types " +
      'are 400 with { message }); unknown ids are 404 with { message }. Ids are strings "1", "2", ...',
  },
  'java-springboot': {
    pattern:
      /^src\/main\/java\/(?:[a-z][a-z0-9]*\/)+(?:model\/\w+|repository\/\w+Repository|controller\/\w+Controller)\.java$/,
    language: 'Java 17',
    role: (file) => {
      const name = path.posix.basename(file, '.java');
      if (file.includes('/model/'))
        return `${file}: the POJO ${name} with a private field, getter and setter per schema property (Long for integer, Double for number, Boolean for boolean, String otherwise).`;
      if (file.includes('/repository/'))
        return `${file}: ${name}, an in-memory, thread-safe store using only the JDK (no Spring imports): static validate(input) returning a problem string or null, findAll(), findById(id) returning Optional, create(input), update(id, input) returning Optional, delete(id) returning boolean.`;
      return `${file}: the Spring @RestController ${name} exposing the CRUD endpoints over the repository.`;
    },
  },
  'node-module': {
    pattern: /^src\/[a-z][a-z0-9-]*\.js$/,
    language: 'JavaScript (ES modules, Node 20, no dependencies)',
    role: (file) =>
      `${file}: the module; export every function the design names, with the design's signatures, so that its examples hold.`,
  },
};

const MAX_CONTEXT_CHARS = 60_000;
const MAX_FILE_CHARS = 100_000;

/** The files of a generated project that the LLM writes for this target. */
function llmPaths(target: Target, files: Files): string[] {
  return files.map(([file]) => file).filter((file) => LAYOUT[target].pattern.test(file));
}

/** The answer asked of the model: contents for some or all of the allowed files, nothing else. */
function codeAnswerSchema(allowed: readonly string[]) {
  const list = allowed.join(', ');
  return z.object({
    files: z
      .array(
        z.object({
          path: z.enum(allowed as [string, ...string[]], {
            error: (issue) =>
              `path ${JSON.stringify(issue.input)} is outside the allowed layout; write only these files: ${list}`,
          }),
          content: z.string().min(1).max(MAX_FILE_CHARS),
        }),
      )
      .min(1)
      .max(allowed.length)
      .refine((files) => new Set(files.map((f) => f.path)).size === files.length, {
        error: 'each path may appear once',
      }),
  });
}

function bounded(files: Files): string {
  let budget = MAX_CONTEXT_CHARS;
  const parts: string[] = [];
  for (const [file, content] of files) {
    const text =
      content.length > budget ? `${content.slice(0, Math.max(0, budget))}\n… (truncated)` : content;
    budget -= text.length;
    parts.push(`--- ${file} ---\n${text}`);
    if (budget <= 0) break;
  }
  return parts.join('\n\n');
}

export interface CodeRequest {
  target: Target;
  /** The spec or design the project implements, as read from the workspace. */
  spec: { path: string; text: string };
  /** The deterministic project; the LLM replaces the files `llmPaths` names. */
  files: Files;
  /** The project dir relative to the workspace, for error messages. */
  dir: string;
}

/**
 * Asks the LLM for the implementation files and returns them, each checked to lie in the
 * allowed layout and inside the project directory. A bad answer is `Agent.BadOutput`.
 */
export async function generateWithLlm(request: CodeRequest, context: AgentContext): Promise<Files> {
  const layout = LAYOUT[request.target];
  const allowed = llmPaths(request.target, request.files);
  if (allowed.length === 0) return [];
  const skeleton = request.files.filter(([file]) => !allowed.includes(file));
  const answer = await askLlm(context, {
    agent: 'codegen',
    schema: codeAnswerSchema(allowed),
    system:
      `You are a senior engineer writing ${layout.language}. You write complete, working source files ` +
      'that pass the tests you are shown. No placeholders, no TODOs, no explanations outside the code.',
    prompt: [
      `Implement the ${request.target} project in ${request.dir}/ described by ${request.spec.path}:`,
      request.spec.text.slice(0, MAX_CONTEXT_CHARS),
      'Write these files (paths relative to the project directory):',
      ...allowed.map((file) => `- ${layout.role(file)}`),
      'The rest of the project is already written and must keep working with your files unchanged:',
      bounded(skeleton),
    ].join('\n\n'),
  });
  return answer.files.map(({ path: file, content }): [string, string] => {
    const normalized = path.posix.normalize(file);
    // The schema already limits paths to the layout; this guards the directory itself.
    if (!allowed.includes(normalized) || normalized.startsWith('../') || path.posix.isAbsolute(normalized)) {
      throw agentFailure(
        'BadOutput',
        `codegen's LLM answered with file "${file}", outside ${request.dir}/ or its allowed layout (${allowed.join(', ')})`,
      );
    }
    return [normalized, content.endsWith('\n') ? content : `${content}\n`];
  });
}
