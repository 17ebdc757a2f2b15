import { describe, expect, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import { analyzeOffline } from '../../src/dispatch/analyze';
import { classify } from '../../src/dispatch/classify';
import { DispatchDecisionSchema } from '../../src/dispatch/decision';
import { loadTemplateBook } from '../../src/dispatch/template-book';
import { pickTemplate } from '../../src/dispatch/templates';
import { dispatchPipeline } from '../../src/dispatch/plan';
import { validateDefinition } from '../../src/shared/validate';

const agents = builtinAgents().map((a) => a.name);
const { templates } = await loadTemplateBook(new URL('../../templates', import.meta.url).pathname);
// What the other branch of issue 12 ships: the mapping must find these when they exist.
const withNewTemplates = {
  ...templates,
  'security-audit': { name: 'security-audit', phases: [{ id: 'scan', agent: 'review', input: {} }] },
  project: {
    name: 'project',
    params: { feature: { type: 'string' } },
    phases: [{ id: 'plan-work', agent: 'requirements', input: { feature: '${params.feature}' } }],
  },
};

type Case = [request: string, type: string, strategy: string, template?: string];

/** Seed 002's five examples (plus its two request-shaped headings), then others. */
const CASES: Case[] = [
  [
    'Implement secure user authentication with comprehensive testing',
    'project-management',
    'template',
    'project',
  ],
  [
    'Build user profile management with React frontend and Rust backend',
    'project-management',
    'template',
    'project',
  ],
  [
    'Create automated blue-green deployment pipeline with rollback capabilities and comprehensive monitoring',
    'custom',
    'compose',
  ],
  ['Research AI coding assistant market landscape', 'research', 'template', 'research'],
  [
    'Conduct comprehensive security audit of authentication system',
    'security-audit',
    'template',
    'security-audit',
  ],
  ['Create REST API with Rust and PostgreSQL', 'development', 'template', 'node-express-api'],
  ['Build real-time collaborative editing system with conflict resolution', 'custom', 'compose'],
  ['Conduct a security audit of the authentication module', 'security-audit', 'template', 'security-audit'],
  ['Create an automated blue-green deployment pipeline with rollback', 'custom', 'compose'],
  [
    'Scan the repository for vulnerabilities and leaked secrets',
    'security-audit',
    'template',
    'security-audit',
  ],
  [
    'Check our dependencies for known CVE advisories and OWASP issues',
    'security-audit',
    'template',
    'security-audit',
  ],
  ['Compare the leading open source vector databases', 'research', 'template', 'research'],
  ['Investigate how competitors price their API products', 'research', 'template', 'research'],
  ['Study the state of the art in code review automation', 'research', 'template', 'research'],
  [
    'Create a REST API for a books service in Node with Express',
    'development',
    'template',
    'node-express-api',
  ],
  [
    'Write a Spring Boot service in Java with CRUD endpoints for orders',
    'development',
    'template',
    'java-springboot-api',
  ],
  [
    'Write a small text utility module with slugify and word count functions',
    'development',
    'template',
    'sdlc',
  ],
  [
    'Build a web page listing books, with a backend API and a database',
    'project-management',
    'template',
    'hybrid-feature',
  ],
  ['Develop the checkout feature for the shop application', 'project-management', 'template', 'project'],
  [
    'Research GraphQL server libraries, then build a REST API for books',
    'development',
    'hybrid',
    'research+node-express-api',
  ],
  [
    'Investigate OAuth providers and then implement the login feature',
    'project-management',
    'hybrid',
    'research+project',
  ],
  ['Set up nightly database backup rotation with alerting', 'custom', 'compose'],
  ['Migrate the legacy billing data to the new storage', 'custom', 'compose'],
  ['Plan the office party', 'custom', 'compose'],
  ['Orchestrate a zero-downtime canary rollout with automated rollback', 'custom', 'compose'],
  ['Sort out the failover for the primary region', 'custom', 'compose'],
];

describe('the offline classifier', () => {
  it.each(CASES)('%s → %s, %s', (request, type, strategy, template) => {
    const decision = analyzeOffline({ request, context: {} }, { templates: withNewTemplates, agents });
    expect(DispatchDecisionSchema.parse(decision)).toEqual(decision);
    expect([decision.workflowType, decision.strategy, decision.template]).toEqual([type, strategy, template]);
    expect(decision.estimate.basis).toBe('defaults');
    expect(decision.reasoning).toContain('scores:');
    // Whatever it chose validates against the worker's agents, with the params it chose.
    const checked = validateDefinition(decision.definition, decision.params, { agents });
    expect(checked.ok, JSON.stringify(checked)).toBe(true);
  });

  it('has at least 25 cases, among them requests that come out custom', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(25);
    expect(CASES.filter((c) => c[1] === 'custom').length).toBeGreaterThanOrEqual(5);
  });

  it('is deterministic, and counts the components for complexity', () => {
    const a = classify('Build a frontend, a backend API, a database schema, login with JWT and tests');
    expect(a).toEqual(
      classify('Build a frontend, a backend API, a database schema, login with JWT and tests'),
    );
    expect(a.components).toEqual(['frontend', 'backend', 'database', 'auth', 'testing']);
    expect(a.complexity).toBe('complex');
    expect(classify('Research vector databases').complexity).toBe('simple');
  });

  it('composes instead when the type’s template is not installed, and says so', () => {
    // The shipped security-audit template, left out: as on a worker whose templates dir lacks it.
    const { 'security-audit': shipped, ...without } = templates;
    expect(shipped).toBeDefined();
    const decision = analyzeOffline(
      { request: 'Conduct a security audit of the authentication module', context: {} },
      { templates: without, agents },
    );
    expect(decision.strategy).toBe('compose');
    expect(decision.reasoning).toContain('no template for security-audit is installed');
    expect(validateDefinition(decision.definition, decision.params, { agents }).ok).toBe(true);
  });

  it('--context sets the params the chosen template declares', () => {
    const decision = analyzeOffline(
      { request: 'Research express generators', context: { limit: '3', unrelated: 'x' } },
      { templates, agents },
    );
    expect(decision.params).toEqual({ query: 'Research express generators', limit: 3 });
  });

  it('breaks a tie between candidate templates by their success rate, else by table order', () => {
    const words = classify('Create a REST API for orders').words;
    expect(pickTemplate('development', words, templates).template).toBe('node-express-api');
    const rates = {
      'java-springboot-api': { runs: 2, completed: 2, rate: 1 },
      'node-express-api': { runs: 2, completed: 0, rate: 0 },
    };
    const pick = pickTemplate('development', words, templates, rates);
    expect(pick.template).toBe('java-springboot-api');
    expect(pick.why).toContain('best success rate');
    // Not a tie: the request's words decide, whatever the rates.
    expect(pickTemplate('development', classify('A REST API in node').words, templates, rates).template).toBe(
      'node-express-api',
    );
  });

  it('the blue-green composition goes design → codegen → build → review → deploys, with gates', () => {
    const decision = analyzeOffline(
      { request: 'Create an automated blue-green deployment pipeline with rollback', context: {} },
      { templates, agents },
    );
    const phases = decision.definition!.phases as Array<{ id: string; agent: string; approval?: unknown }>;
    expect(phases.map((p) => `${p.id}:${p.agent}`)).toEqual([
      'design:design',
      'implement:codegen',
      'test:build',
      'review:review',
      'deploy-green:deploy',
      'promote:deploy',
    ]);
    expect(phases.filter((p) => p.approval).map((p) => p.id)).toEqual(['review', 'deploy-green', 'promote']);
  });

  it('the dispatch pipeline validates both ways: the plan then a child run, or flattened for --repo', () => {
    const request = 'Investigate OAuth providers and then implement the login feature';
    const decision = analyzeOffline({ request, context: {} }, { templates: withNewTemplates, agents });
    const all = [...agents, 'dispatch-plan'];
    const child = dispatchPipeline(request, decision);
    expect((child.definition.phases as Array<{ id: string }>).map((p) => p.id)).toEqual(['plan', 'execute']);
    const nested = validateDefinition(child.definition, child.params, { agents: all });
    expect(nested.ok, JSON.stringify(nested)).toBe(true);
    const flat = dispatchPipeline(request, decision, { flatten: true });
    const ids = (flat.definition.phases as Array<{ id: string; needs?: string[] }>).map(
      (p) => `${p.id}<${(p.needs ?? []).join(',')}`,
    );
    expect(ids[0]).toBe('plan<');
    expect(ids[1]).toBe('research-research<plan');
    const checked = validateDefinition(flat.definition, flat.params, { agents: all });
    expect(checked.ok, JSON.stringify(checked)).toBe(true);
  });

  it('refuses a bad request with the field and the fix', () => {
    expect(() => analyzeOffline({ request: ' ', context: {} }, { templates, agents })).toThrow(
      /describe the work/,
    );
  });
});
