import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { serveMcpStdio } from '../../mcp/stdio';

/** `baton mcp`: Baton's MCP server over stdio, for Claude Code, Cursor, Codex (docs/mcp.md). */
export function addMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description('serve Baton to an MCP client (Claude Code, Cursor, Codex) over stdio, as the local user')
    .action(async () => {
      await serveMcpStdio(await loadConfig());
    });
}
