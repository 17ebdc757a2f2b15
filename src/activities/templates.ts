/**
 * Template resolution on the worker, for `pipeline: <template>` phases: the worker's templates
 * directory (`BATON_TEMPLATES_DIR`, else the templates shipped with Baton) is the one a run started
 * from a server or another machine can count on.
 */
import { ApplicationFailure } from '@temporalio/common';
import { listTemplates, readDefinitionFile, templatesDir } from '../client/templates';
import { BATON_FAILURES } from '../shared/failure-types';

export interface ResolveTemplateInput {
  name: string;
}

export interface ResolveTemplateResult {
  /** The template's definition, as written (the workflow validates it). */
  definition: unknown;
  path: string;
}

export function createTemplateActivities(deps: { dir?: string } = {}) {
  return {
    async resolveTemplate({ name }: ResolveTemplateInput): Promise<ResolveTemplateResult> {
      const dir = deps.dir ?? templatesDir();
      let templates;
      try {
        templates = await listTemplates(dir);
      } catch (error) {
        throw ApplicationFailure.nonRetryable(
          `The worker cannot read its templates directory ${dir}: ${(error as Error).message}; set BATON_TEMPLATES_DIR on the worker`,
          BATON_FAILURES.InvalidDefinition,
        );
      }
      const found = templates.find((t) => t.name === name);
      if (!found) {
        throw ApplicationFailure.nonRetryable(
          `unknown template "${name}" on the worker (${dir}); templates: ${templates.map((t) => t.name).join(', ') || '(none)'}`,
          BATON_FAILURES.InvalidDefinition,
        );
      }
      try {
        return { definition: await readDefinitionFile(found.path), path: found.path };
      } catch (error) {
        throw ApplicationFailure.nonRetryable((error as Error).message, BATON_FAILURES.InvalidDefinition);
      }
    },
  };
}
