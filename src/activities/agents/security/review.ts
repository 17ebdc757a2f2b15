/**
 * The `security-review` agent: an LLM's review of the scope's source for security defects, when
 * the worker has an LLM for it; offline it records that it was skipped, and why.
 */
import { z } from 'zod';
import { TEMPLATE_AGENT_INPUTS, SecurityFindingSchema } from '../../../shared/template-agent-inputs';
import { defineAgent } from '../agent';
import { askLlm, hasLlm } from '../toolbox/llm';
import { readText, scopeFiles } from './scope';

const SOURCE = /\.(?:js|mjs|cjs|jsx|ts|tsx|mts|cts|py|java|go|rb|php|cs|json|ya?ml|xml|sh)$/;
/** How much source the LLM is shown, in characters, over all files. */
const MAX_CHARS = 60_000;

const AnswerSchema = z.object({
  findings: z
    .array(
      z.object({
        file: z.string(),
        line: z.number().int().positive().optional(),
        severity: SecurityFindingSchema.shape.severity,
        message: z.string().min(1).max(500),
      }),
    )
    .max(50),
});

export const securityReviewAgent = defineAgent({
  name: 'security-review',
  description:
    "An LLM's security review of the scope's source (injection, authentication, authorisation, crypto, data exposure); skipped, and recorded as such, without an LLM.",
  input: TEMPLATE_AGENT_INPUTS['security-review'],
  output: z.object({
    skipped: z.boolean(),
    reason: z.string().optional(),
    reviewed: z.number().int(),
    findings: z.array(SecurityFindingSchema),
  }),
  llm: 'optional',
  async run(input, context) {
    const files = (await scopeFiles(context.workspace, input.scope)).filter((file) => SOURCE.test(file));
    if (!hasLlm(context, 'security-review')) {
      const reason = 'no LLM is configured for security-review on this worker, so the LLM review was skipped';
      context.log(`security-review: ${reason}`, { agent: 'security-review', llm: false });
      return { skipped: true, reason, reviewed: 0, findings: [] };
    }
    let budget = MAX_CHARS;
    const shown: string[] = [];
    const parts: string[] = [];
    for (const file of files) {
      const text = budget > 0 ? await readText(context.workspace, file) : undefined;
      if (text === undefined) continue;
      const numbered = text
        .slice(0, budget)
        .split('\n')
        .map((line, i) => `${String(i + 1).padStart(4)}| ${line}`)
        .join('\n');
      budget -= numbered.length;
      shown.push(file);
      parts.push(`--- ${file} ---\n${numbered}`);
    }
    if (shown.length === 0) {
      return {
        skipped: true,
        reason: `scope "${input.scope}" has no source files to review`,
        reviewed: 0,
        findings: [],
      };
    }
    const answer = await askLlm(context, {
      agent: 'security-review',
      schema: AnswerSchema,
      system:
        'You are an application security reviewer. Report real vulnerabilities only: injection, broken ' +
        'authentication or authorisation, secrets, unsafe deserialisation, weak crypto, data exposure. ' +
        'critical: exploitable remotely for code execution or full compromise; high: exploitable; ' +
        'medium: needs conditions; low: hardening.',
      prompt: [
        `Review these ${shown.length} file(s) for security defects. Lines are numbered; cite file and line.`,
        parts.join('\n\n'),
        'Answer with an empty findings list when you find none.',
      ].join('\n\n'),
    });
    const known = new Set(shown);
    return {
      skipped: false,
      reviewed: shown.length,
      findings: answer.findings
        .filter((f) => known.has(f.file))
        .map((f) => ({ ...f, category: 'llm' as const, rule: 'llm-review' })),
    };
  },
});
