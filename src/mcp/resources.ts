/**
 * Artifacts as MCP resources: `baton://artifacts/{sha256}` is one artifact's content, and
 * `baton://runs/{id}/artifacts` lists a run's artifacts (each with its resource URI). The
 * `get_artifact` tool reads one for clients that do not read resources.
 */
import { type McpServer, ResourceTemplate, type Variables } from '@modelcontextprotocol/server';
import type { BatonApi } from '../client/api';
import { BatonError } from '../client/errors';
import { explained } from './explained';
import { artifactResourceUri, plain, tool } from './result';
import { ArtifactInput, ArtifactOutput } from './schemas';

const STORE_URI = (sha256: string) => `baton-artifact://sha256/${sha256}`;
const SHA256 = /^[0-9a-f]{64}$/;

function variable(variables: Variables, name: string): string {
  const value = variables[name];
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

/** UTF-8 text, or undefined when the bytes are not. */
function textOf(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

async function readArtifact(api: BatonApi, sha256: string) {
  if (!SHA256.test(sha256))
    throw new BatonError(
      `Artifact digest ${JSON.stringify(sha256.slice(0, 80))} is not 64 lowercase hex digits.`,
      {
        hint: 'Take the digest from an artifact URI that get_workflow_status lists (baton://artifacts/<sha256>).',
      },
    );
  const { bytes } = await api.artifact({ uri: STORE_URI(sha256) });
  return { sha256, bytes, text: textOf(bytes) };
}

export function registerArtifacts(server: McpServer, api: BatonApi): void {
  server.registerResource(
    'artifact',
    new ResourceTemplate('baton://artifacts/{sha256}', { list: undefined }),
    { title: 'Artifact', description: 'A file a phase produced, by its sha256' },
    async (uri, variables) => {
      const { bytes, text } = await readArtifact(api, variable(variables, 'sha256'));
      return {
        contents: [
          text !== undefined
            ? { uri: uri.href, mimeType: 'text/plain', text }
            : {
                uri: uri.href,
                mimeType: 'application/octet-stream',
                blob: Buffer.from(bytes).toString('base64'),
              },
        ],
      };
    },
  );

  server.registerResource(
    'run-artifacts',
    new ResourceTemplate('baton://runs/{id}/artifacts', { list: undefined }),
    {
      title: "A run's artifacts",
      description: 'Every artifact of a run, by phase, with its resource URI',
      mimeType: 'application/json',
    },
    async (uri, variables) => {
      const listing = await api.artifacts({ id: decodeURIComponent(variable(variables, 'id')) });
      const artifacts = listing.map(({ phase, commit, artifact }) => ({
        phase,
        ...(commit ? { commit } : {}),
        name: artifact.name,
        mediaType: artifact.mediaType,
        bytes: artifact.bytes,
        sha256: artifact.sha256,
        uri: artifactResourceUri(artifact.sha256),
      }));
      return {
        contents: [
          {
            uri: uri.href,
            mimeType: 'application/json',
            text: JSON.stringify(plain({ artifacts }), null, 2),
          },
        ],
      };
    },
  );

  server.registerTool(
    'get_artifact',
    {
      title: 'Read an artifact',
      description:
        'The content of a file a phase produced, by its sha256 (also the resource baton://artifacts/<sha256>).',
      inputSchema: explained(ArtifactInput),
      outputSchema: ArtifactOutput,
      annotations: { readOnlyHint: true },
    },
    tool(async ({ sha256 }) => {
      const { bytes, text } = await readArtifact(api, sha256);
      return {
        uri: artifactResourceUri(sha256),
        sha256,
        bytes: bytes.byteLength,
        ...(text !== undefined ? { text } : { base64: Buffer.from(bytes).toString('base64') }),
      };
    }),
  );
}
