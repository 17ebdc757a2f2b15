import { Connection } from '@temporalio/client';
import { describe, expect, inject, it } from 'vitest';
import { registrationOf, SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { missingSearchAttributes, searchAttributeCommands } from '../../src/workers/search-attributes';

describe('the search attributes', () => {
  it('are the public contract, in one list', () => {
    expect(SEARCH_ATTRIBUTES.map((key) => `${key.name}=${registrationOf(key).cli}`)).toEqual([
      'BatonTemplate=Keyword',
      'BatonPendingGates=KeywordList',
      'BatonProgress=Int',
      'BatonDispatch=Keyword',
    ]);
  });

  it('are all registered, with their types, on the dev server the suite started', async () => {
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      expect(await missingSearchAttributes(connection, 'default')).toEqual([]);
      const { customAttributes } = await connection.operatorService.listSearchAttributes({
        namespace: 'default',
      });
      for (const key of SEARCH_ATTRIBUTES)
        expect(customAttributes?.[key.name], key.name).toBe(registrationOf(key).indexed);
    } finally {
      await connection.close();
    }
  });

  it('are what the operator commands in the worker’s warning would add', () => {
    expect(searchAttributeCommands('host:7233', 'prod')).toEqual(
      SEARCH_ATTRIBUTES.map(
        (key) =>
          `temporal operator search-attribute create --address host:7233 --namespace prod --name ${key.name} --type ${registrationOf(key).cli}`,
      ),
    );
  });
});
