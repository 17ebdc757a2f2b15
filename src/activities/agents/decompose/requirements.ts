/**
 * The `requirements` agent: the first, human-gated step of the hybrid flow. It restates the
 * feature as the decomposer reads it (resource, specialists called for, what each will deliver),
 * so the person at the gate approves, or corrects the words, before any design or code.
 */
import { AGENT_INPUTS } from '../../../shared/agent-inputs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_SPECIALISTS, type Specialist } from '../../../config';
import { badInput } from '../../failures';
import { defineAgent } from '../agent';
import { type Project } from '../specialist/layout';
import { calledFor, resourceOf } from './feature';
import { planOffline } from './offline';

const REQUIREMENTS_PATH = 'docs/REQUIREMENTS.md';

export function createRequirementsAgent(
  specialists: Record<string, Specialist> = { ...DEFAULT_SPECIALISTS },
) {
  return defineAgent({
    name: 'requirements',
    description:
      'Restates a feature as requirements (resource, specialists called for, acceptance criteria) in docs/REQUIREMENTS.md, for a gate.',
    input: AGENT_INPUTS.requirements,
    output: z.object({
      /** The feature as approved: bind the next phases to this, so a modify at the gate reaches them. */
      feature: z.string(),
      resource: z.string(),
      specialists: z.array(z.string()),
      criteria: z.array(z.string()),
      path: z.string(),
    }),
    async run(input, context) {
      const feature = input.feature.trim();
      if (!feature) throw badInput('feature is empty; describe what to build in plain words');
      const entries = Object.entries(specialists);
      const called = calledFor(feature, entries);
      const project: Project = { dir: 'app', ext: '.js', resource: input.resource ?? resourceOf(feature) };
      const planned = planOffline(
        project,
        entries.filter(([name]) => called.includes(name)),
      );
      const criteria = planned.flatMap((t) => t.outputs.map((o) => `${t.specialist}: delivers ${o}`));
      const lines = [
        '# Requirements',
        '',
        `> ${feature.replace(/\s+/g, ' ')}`,
        '',
        `Resource: \`${project.resource}\``,
        '',
        `Specialists called for: ${called.join(', ') || 'none named; the decomposer picks the backend'}`,
        '',
        '## Acceptance criteria',
        '',
        ...(criteria.length
          ? criteria.map((c) => `- ${c}`)
          : ['- (none derived; modify the feature at the gate)']),
        '',
      ];
      await mkdir(path.join(context.workspace, path.dirname(REQUIREMENTS_PATH)), { recursive: true });
      await writeFile(path.join(context.workspace, REQUIREMENTS_PATH), lines.join('\n'));
      return { feature, resource: project.resource, specialists: called, criteria, path: REQUIREMENTS_PATH };
    },
  });
}

export const requirementsAgent = createRequirementsAgent();
