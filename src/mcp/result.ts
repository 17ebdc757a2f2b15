/**
 * Tool results: structured content with its JSON as text (for clients that read only text), and
 * failures as error results that carry the hint. The SDK turns a thrown error into an error result
 * with the message only; a Baton error's hint says what to do, so it is kept here.
 */
import type { CallToolResult } from '@modelcontextprotocol/server';
import { explain } from '../client/cli/explain';
import type { RunStatus } from '../shared/status';
import type { RunBrief } from './schemas';

/** Plain JSON: dates as ISO strings, no undefined, no class instances. */
export const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export function structured<T extends object>(value: T): CallToolResult {
  const content = plain(value) as Record<string, unknown>;
  return { content: [{ type: 'text', text: JSON.stringify(content, null, 2) }], structuredContent: content };
}

export function failure(error: unknown): CallToolResult {
  const { message, hint } = explain(error);
  return { content: [{ type: 'text', text: hint ? `${message}\nhint: ${hint}` : message }], isError: true };
}

/** A tool handler whose failures are error results with the hint. */
export function tool<A extends unknown[]>(
  run: (...args: A) => Promise<object>,
): (...args: A) => Promise<CallToolResult> {
  return async (...args) => {
    try {
      return structured(await run(...args));
    } catch (error) {
      return failure(error);
    }
  };
}

/** A run as an agent reads it: state, phases, open gates and decisions, without phase outputs. */
export function brief(workflowId: string, status: RunStatus): RunBrief {
  return {
    workflowId,
    ...(status.template ? { template: status.template } : {}),
    state: status.state,
    progress: status.progress,
    phases: status.phases.map((p) => ({
      id: p.id,
      state: p.state,
      agent: p.agent,
      attempts: p.attempts,
      artifacts: (p.artifacts ?? []).map((a) => ({
        name: a.name,
        uri: artifactResourceUri(a.sha256),
        mediaType: a.mediaType,
      })),
    })),
    openGates: status.gates.map((g) => ({
      gate: g.id,
      phase: g.phase,
      title: g.title,
      kind: g.kind,
      openedAt: g.openedAt,
    })),
    decisions: status.decisions.map((d) => ({
      ...(d.gate ? { gate: d.gate } : {}),
      phase: d.phase,
      action: d.action,
      by: d.by,
      at: d.at,
    })),
    ...(status.reason ? { reason: status.reason } : {}),
  };
}

/** An artifact as an MCP resource (src/mcp/resources.ts serves it). */
export const artifactResourceUri = (sha256: string): string => `baton://artifacts/${sha256}`;
