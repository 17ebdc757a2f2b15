/**
 * What the client reads from this machine's Baton setup: the agents a worker here would offer
 * (from baton.config, through the catalog in src/config) and the artifact store (src/store).
 */
import { agentCatalog, loadConfig } from '../config';
import { createArtifactStore } from '../store/artifacts';
import type { AgentInputSchemas } from '../shared/input-schema';
import { ArtifactError, BatonError } from './errors';

/** The agents a worker started here with the same configuration would offer, with their input schemas. */
export async function localAgents(): Promise<{ names: string[]; schemas: AgentInputSchemas }> {
  try {
    return agentCatalog(await loadConfig());
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
