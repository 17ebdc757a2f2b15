import type { Connection } from '@temporalio/client';
import { registrationOf, SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { WorkerSetupError } from './errors';

/** ALREADY_EXISTS: a concurrent registration won the race, which is as good. */
const ALREADY_EXISTS = 6;

/**
 * The Baton attributes the namespace lacks. One that exists with another type can never work:
 * that throws, naming it.
 */
export async function missingSearchAttributes(connection: Connection, namespace: string) {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  for (const key of SEARCH_ATTRIBUTES) {
    const existing = customAttributes?.[key.name];
    if (existing != null && existing !== registrationOf(key).indexed) {
      throw new WorkerSetupError(
        `Search attribute "${key.name}" exists in namespace "${namespace}" with the wrong type (indexed value type ${existing}); it must be ${registrationOf(key).cli}.`,
        'Use a namespace without it, or have an operator remove it so Baton can add it with the right type.',
      );
    }
  }
  return SEARCH_ATTRIBUTES.filter((key) => customAttributes?.[key.name] == null);
}

/** Adds the Baton search attributes the namespace lacks. Idempotent; tolerates a concurrent add. */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const missing = await missingSearchAttributes(connection, namespace);
  if (missing.length === 0) return;
  const searchAttributes = Object.fromEntries(missing.map((key) => [key.name, registrationOf(key).indexed]));
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  } catch (err) {
    if ((err as { code?: number }).code !== ALREADY_EXISTS) throw err;
  }
}

/** What an operator runs to add them by hand, one command a line. */
export function searchAttributeCommands(address: string, namespace: string): string[] {
  return SEARCH_ATTRIBUTES.map(
    (key) =>
      `temporal operator search-attribute create --address ${address} --namespace ${namespace} --name ${key.name} --type ${registrationOf(key).cli}`,
  );
}
