/**
 * What the client reads from this machine's Baton setup: the agents a worker here would offer
 * (from baton.config) and the artifact store. The only file in src/client that imports
 * src/activities, and lint exempts it by name until config loading and the artifact store move to
 * modules both sides may import (src/config/, src/store/).
 */
import { createArtifactStore } from '../store/artifacts';
import type { AgentInputSchemas } from '../shared/input-schema';
import { ArtifactError, BatonError } from './errors';

/** The agents a worker started here with the same configuration would offer, with their input schemas. */
export async function localAgents(): Promise<{ names: string[]; schemas: AgentInputSchemas }> {
  const [{ configuredAgents }, { loadConfig }, { agentInputSchema }] = await Promise.all([
    import('../activities'),
    import('../config'),
    import('../activities/agents/agent'),
  ]);
  try {
    const agents = configuredAgents(await loadConfig());
    return {
      names: agents.map((a) => a.name),
      schemas: Object.fromEntries(agents.map((a) => [a.name, agentInputSchema(a)])),
    };
  } catch (error) {
    throw new BatonError((error as Error).message, { cause: error });
  }
}

/** An artifact's bytes from the store (BATON_ARTIFACTS_DIR, default ~/.baton/artifacts). */
export async function readArtifact(uri: string): Promise<Uint8Array> {
  try {
    return await createArtifactStore().get(uri);
  } catch (error) {
    throw new ArtifactError((error as Error).message, { cause: error });
  }
}
