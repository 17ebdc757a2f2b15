import { writeFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import YAML from 'yaml';
import type { PipelineInput } from '../shared/definition';
import { escapeControlChars } from '../shared/limits';
import { WORKFLOW_TYPE } from '../shared/messages';
import { formatProblems, validateDefinition } from '../shared/validate';
import type { Baton } from './connect';
import { BatonError, batonCommand, InvalidInputError } from './errors';
import { describeRun } from './run-info';
import { templatesDir } from './templates';

/** Template names: kebab-case, as the shipped templates (the file is `<name>.yaml`). */
const TEMPLATE_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const NAME_CHARS = 100;

export interface SaveTemplateOptions {
  run: string;
  name: string;
  /** Where to write; default the templates directory `baton start` reads ($BATON_TEMPLATES_DIR). */
  dir?: string;
  /** Overwrite an existing file. */
  force?: boolean;
}

export interface SaveTemplateResult {
  path: string;
  name: string;
  /** The params whose default is now the value the run started with. */
  defaults: Record<string, unknown>;
}

export function checkTemplateName(name: string): void {
  if (name.length > NAME_CHARS || !TEMPLATE_NAME.test(name)) {
    throw new InvalidInputError(
      `Template name ${JSON.stringify(escapeControlChars(name.slice(0, 200)))} is not kebab-case: use lowercase letters and digits in words joined by "-", starting with a letter, at most ${NAME_CHARS} characters (e.g. "my-api-pipeline").`,
    );
  }
}

/** The run's start input, from the first event of its history (no worker needed, codecs honoured). */
export async function startInputOf(baton: Baton, run: string): Promise<PipelineInput> {
  const description = await describeRun(baton, run);
  if (description.type !== WORKFLOW_TYPE) {
    throw new BatonError(
      `Run "${escapeControlChars(run)}" is a ${escapeControlChars(description.type)} workflow, not a ${WORKFLOW_TYPE} run: it has no definition to save.`,
    );
  }
  const page = await baton.client.workflowService.getWorkflowExecutionHistory({
    namespace: baton.namespace,
    execution: { workflowId: run, runId: description.runId },
    maximumPageSize: 1,
  });
  const payloads = page.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
  const input = payloads?.length
    ? await decodeFromPayloadsAtIndex<PipelineInput>(baton.client.options.loadedDataConverter, 0, payloads)
    : undefined;
  if (!input || typeof input !== 'object' || input.definition === undefined)
    throw new BatonError(
      `Run "${escapeControlChars(run)}" has no start input with a definition in its history.`,
    );
  return input;
}

/**
 * The template a run makes: its definition as it started (bindings intact), named `name`, with
 * the params it was started with as the params' defaults.
 */
export function templateOf(input: PipelineInput, name: string, run: string): Record<string, unknown> {
  const definition = structuredClone(input.definition) as Record<string, unknown>;
  const specs = (definition.params ?? {}) as Record<string, Record<string, unknown>>;
  const params = input.params ?? {};
  for (const [param, spec] of Object.entries(specs)) {
    if (param in params) specs[param] = { ...spec, default: params[param] };
  }
  const description = typeof definition.description === 'string' ? definition.description : '';
  const from = `Saved from run ${run}${input.template ? ` (template ${input.template})` : ''}.`;
  return {
    ...definition,
    name,
    description: description ? `${description.trim()} ${from}` : from,
  };
}

/**
 * `baton template save`: writes the run's definition as `<dir>/<name>.yaml`. Refuses a bad name,
 * an existing file (unless `force`) and a definition that would not validate on its own.
 */
export async function saveTemplate(baton: Baton, options: SaveTemplateOptions): Promise<SaveTemplateResult> {
  checkTemplateName(options.name);
  const input = await startInputOf(baton, options.run);
  const template = templateOf(input, options.name, options.run);
  const checked = validateDefinition(template, {});
  if (!checked.ok) {
    throw new BatonError(
      `The definition of run "${escapeControlChars(options.run)}" does not validate as a template:\n${formatProblems(checked.problems)}`,
    );
  }
  const dir = resolve(options.dir ?? templatesDir());
  const path = join(dir, `${options.name}.yaml`);
  await mkdir(dir, { recursive: true });
  const text = `# Saved by \`baton template save ${options.run} ${options.name}\`.\n${YAML.stringify(template, { lineWidth: 100 })}`;
  try {
    await writeFile(path, text, { flag: options.force ? 'w' : 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new BatonError(
        `Template file ${path} already exists; pass --force to overwrite it, or pick another name.`,
      );
    }
    throw new BatonError(`Cannot write template file ${path}: ${(error as Error).message}`, { cause: error });
  }
  const defaults = Object.fromEntries(
    Object.keys(checked.definition.params)
      .filter((p) => input.params && p in input.params)
      .map((p) => [p, (input.params as Record<string, unknown>)[p]]),
  );
  return { path, name: options.name, defaults };
}

/** The command that starts a saved template (printed after a save). */
export const startHint = (name: string, dir?: string): string =>
  dir ? `BATON_TEMPLATES_DIR=${dir} ${batonCommand(`start ${name}`)}` : batonCommand(`start ${name}`);
