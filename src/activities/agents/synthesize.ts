/**
 * The `synthesize` agent: research's sources turned into research/report.md, every statement with
 * numbered citations to where it came from (a file and line, or a repository's URL). With an LLM
 * it writes the summary and findings from the numbered sources; offline it quotes them.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { TEMPLATE_AGENT_INPUTS } from '../../shared/template-agent-inputs';
import { type AgentContext, defineAgent } from './agent';
import { leavesRoot } from './toolbox/inside';
import { askLlm, hasLlm } from './toolbox/llm';

const REPORT_PATH = 'research/report.md';
const TEMPLATES_PREFIX = 'baton:templates/';
/** Cited lines per file: enough to show where the terms are, not the whole file. */
const LINES_PER_FILE = 3;
const MAX_CITATIONS = 60;

const CitationSchema = z.object({
  n: z.number().int().positive(),
  /** How the report names it: `src/app.js:12`, or `owner/name`. */
  ref: z.string(),
  url: z.string().optional(),
  file: z.string().optional(),
  line: z.number().int().positive().optional(),
  excerpt: z.string(),
});
type Citation = z.infer<typeof CitationSchema>;
const FindingSchema = z.object({ text: z.string().min(1).max(1000), citations: z.array(z.number().int()) });
type Finding = z.infer<typeof FindingSchema>;

type Input = z.output<(typeof TEMPLATE_AGENT_INPUTS)['synthesize']>;

const termsOf = (query: string) =>
  [...new Set(query.toLowerCase().split(/[^\p{L}\p{N}_-]+/u))].filter((t) => t.length >= 2);

function templatesDir(): string {
  return process.env.BATON_TEMPLATES_DIR ?? fileURLToPath(new URL('../../../templates', import.meta.url));
}

/** The lines of a gathered file that mention the query's terms, as citations. */
async function fileCitations(source: Input['sources'][number], terms: readonly string[], workspace: string) {
  const fromTemplates = source.name.startsWith(TEMPLATES_PREFIX);
  const root = fromTemplates ? templatesDir() : workspace;
  const file = fromTemplates ? source.name.slice(TEMPLATES_PREFIX.length) : source.name;
  const absolute = path.join(root, file);
  if (await leavesRoot(root, absolute)) return [];
  const text = await readFile(absolute, 'utf8').catch(() => undefined);
  if (text === undefined) return [{ ref: source.name, file: source.name, excerpt: source.description }];
  const hits: Array<Omit<Citation, 'n'>> = [];
  text.split('\n').forEach((line, index) => {
    if (hits.length < LINES_PER_FILE && terms.some((t) => line.toLowerCase().includes(t)) && line.trim()) {
      hits.push({
        ref: `${source.name}:${index + 1}`,
        file: source.name,
        line: index + 1,
        excerpt: line.trim().slice(0, 200),
      });
    }
  });
  return hits.length ? hits : [{ ref: source.name, file: source.name, excerpt: source.description }];
}

async function gather(input: Input, workspace: string): Promise<Citation[]> {
  const terms = termsOf(input.query);
  const found: Array<Omit<Citation, 'n'>> = [];
  for (const source of input.sources) {
    if (/^https?:\/\//.test(source.url)) {
      const stars = source.stars ? ` (${source.stars} stars)` : '';
      found.push({
        ref: source.name,
        url: source.url,
        excerpt: `${source.description || 'no description'}${stars}`,
      });
    } else found.push(...(await fileCitations(source, terms, workspace)));
  }
  return found.slice(0, MAX_CITATIONS).map((c, i) => ({ n: i + 1, ...c }));
}

/** Offline: one finding per source, quoting what it says, citing its lines. */
function offlineFindings(citations: readonly Citation[]): { summary: string; findings: Finding[] } {
  const bySource = new Map<string, Citation[]>();
  for (const c of citations) bySource.set(c.file ?? c.ref, [...(bySource.get(c.file ?? c.ref) ?? []), c]);
  const findings = [...bySource.entries()].map(([name, cited]) => ({
    text: `${name}: ${cited.map((c) => `"${c.excerpt}"`).join('; ')}`,
    citations: cited.map((c) => c.n),
  }));
  const files = citations.filter((c) => c.file).length;
  return {
    summary: `${bySource.size} source(s) bear on the query: ${files} cited line(s) in files and ${citations.length - files} repository(ies).`,
    findings,
  };
}

const LlmAnswerSchema = z.object({
  summary: z.string().min(1).max(4000),
  findings: z.array(FindingSchema).max(30),
});

async function llmFindings(input: Input, citations: readonly Citation[], context: AgentContext) {
  const answer = await askLlm(context, {
    agent: 'synthesize',
    schema: LlmAnswerSchema,
    system:
      'You write research reports. Use only the numbered sources given; cite every finding with the ' +
      'numbers of the sources that support it. Never invent a source.',
    prompt: [
      `Query: ${input.query}`,
      'Sources:',
      ...citations.map((c) => `[${c.n}] ${c.ref}${c.url ? ` <${c.url}>` : ''}: ${c.excerpt}`),
      'Write a short summary and the findings, each with its citations (source numbers).',
    ].join('\n'),
  });
  // A citation that names no gathered source is dropped, and so is a finding left with none.
  const valid = (n: number) => n >= 1 && n <= citations.length;
  const findings = answer.findings
    .map((f) => ({ ...f, citations: f.citations.filter(valid) }))
    .filter((f) => f.citations.length > 0);
  if (findings.length < answer.findings.length) {
    context.log('synthesize: dropped LLM findings without a valid citation', {
      dropped: answer.findings.length - findings.length,
    });
  }
  return { summary: answer.summary, findings };
}

function render(
  query: string,
  summary: string,
  findings: readonly Finding[],
  citations: readonly Citation[],
): string {
  const cite = (ns: readonly number[]) => ns.map((n) => `[${n}]`).join('');
  return [
    `# Research report: ${query}`,
    '',
    '## Summary',
    '',
    summary,
    '',
    '## Findings',
    '',
    ...(findings.length
      ? findings.map((f, i) => `${i + 1}. ${f.text} ${cite(f.citations)}`)
      : ['Nothing was found.']),
    '',
    '## Sources',
    '',
    ...citations.map((c) => `[${c.n}] ${c.url ? `[${c.ref}](${c.url})` : `\`${c.ref}\``}: ${c.excerpt}`),
    '',
  ].join('\n');
}

export const synthesizeAgent = defineAgent({
  name: 'synthesize',
  description:
    "Writes research/report.md from research's sources: a summary and findings with numbered citations (file:line, repository URLs); the LLM writes it when configured.",
  input: TEMPLATE_AGENT_INPUTS.synthesize,
  output: z.object({
    query: z.string(),
    summary: z.string(),
    findings: z.array(FindingSchema),
    citations: z.array(CitationSchema),
    llm: z.boolean(),
    reportPath: z.string(),
  }),
  llm: 'optional',
  async run(input, context) {
    const citations = await gather(input, context.workspace);
    const llm = hasLlm(context, 'synthesize') && citations.length > 0;
    const { summary, findings } = llm
      ? await llmFindings(input, citations, context)
      : offlineFindings(citations);
    const report = path.join(context.workspace, REPORT_PATH);
    await mkdir(path.dirname(report), { recursive: true });
    await writeFile(report, render(input.query, summary, findings, citations));
    return { query: input.query, summary, findings, citations, llm, reportPath: REPORT_PATH };
  },
});
