/**
 * Baton's MCP server: the tools an agent (Claude Code, Cursor, Codex) uses to start runs, read
 * them and decide their gates as the session's principal, and artifacts as resources. One server
 * is built per session (stdio) or per request (Streamable HTTP, stateless); see docs/mcp.md.
 */
import { McpServer } from '@modelcontextprotocol/server';
import type { BatonApi } from '../client/api';
import type { DecideAsSettings } from '../server/decide-as';
import type { Principal } from '../server/principal';
import { registerArtifacts } from './resources';
import { registerGateTools } from './tools-gates';
import { registerRunTools, type DispatchStarter } from './tools-runs';

export type { DispatchStarter } from './tools-runs';

export interface McpOptions {
  api: BatonApi;
  /** Who the session acts as: decisions are sent as `principal.user`. */
  principal: Principal;
  /** Roles and signing, as `decideAs` takes them. */
  decide: DecideAsSettings;
  /** Starts a `dispatch` run; without it there is no `dispatch` tool. */
  dispatch?: DispatchStarter;
  /** The version `initialize` reports. */
  version?: string;
}

export function createMcpServer(options: McpOptions): McpServer {
  const server = new McpServer(
    { name: 'baton', title: 'Baton', version: options.version ?? '0.1.0' },
    {
      instructions:
        'Baton runs AI-agent development pipelines with human gates. start_workflow starts a run and names the ' +
        'gate it will stop at; get_pending_approvals lists open gates with what they show; ask your human, then ' +
        'decide with handle_approval. Prefer wait: true on start_workflow over polling get_workflow_status.',
    },
  );
  registerRunTools(server, options.api, options.dispatch);
  registerGateTools(server, options);
  registerArtifacts(server, options.api);
  return server;
}
