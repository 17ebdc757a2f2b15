import { describe, expect, it } from 'vitest';
import { readRequirements, type Reading } from '../../src/activities/agents/spec/requirements';
import { CORPUS, HELD_OUT } from './requirements-corpus';

/** A resource's field names, relation ids included, in the order the text names them. */
const fieldNames = (reading: Reading, name: string) =>
  reading.resources.find((r) => r.name === name)?.fields.map((f) => f.name) ?? [];

interface Tally {
  truePositives: number;
  found: number;
  expected: number;
}
const tally = (): Tally => ({ truePositives: 0, found: 0, expected: 0 });
const count = (t: Tally, found: readonly string[], expected: readonly string[]) => {
  t.found += found.length;
  t.expected += expected.length;
  t.truePositives += found.filter((f) => expected.includes(f)).length;
};
const precision = (t: Tally) => t.truePositives / t.found;
const recall = (t: Tally) => t.truePositives / t.expected;

describe('requirements reader', () => {
  it('reads the examples of the issue', () => {
    const library = readRequirements(
      'books (title, isbn, published date) and authors; a loan links a book to a member and has a due date',
    );
    expect(library.resources.map((r) => r.name)).toEqual(['books', 'authors', 'loans']);
    expect(fieldNames(library, 'books')).toEqual(['title', 'isbn', 'publishedDate']);
    expect(fieldNames(library, 'loans')).toEqual(['bookId', 'memberId', 'dueDate']);
    expect(library.referenced).toEqual([expect.objectContaining({ name: 'members', by: 'loans' })]);
    expect(library.resources[2]?.fields[2]).toMatchObject({
      name: 'dueDate',
      type: 'string',
      format: 'date',
      from: 'a due date',
    });

    const users = readRequirements('user management with roles and login');
    expect(users.resources.map((r) => r.name)).toEqual(['users', 'roles']);
    expect(users).toMatchObject({ auth: true, authFrom: 'login' });
  });

  it('infers types from the field words', () => {
    const reading = readRequirements(
      'orders (order date, shipped at, item count, quantity, age, number of boxes, price, total amount, rating, is gift, active, done, note)',
    );
    const types = Object.fromEntries(reading.resources[0]!.fields.map((f) => [f.name, [f.type, f.format]]));
    expect(types).toEqual({
      orderDate: ['string', 'date'],
      shippedAt: ['string', 'date-time'],
      itemCount: ['integer', undefined],
      quantity: ['integer', undefined],
      age: ['integer', undefined],
      numberOfBoxes: ['integer', undefined],
      price: ['number', undefined],
      totalAmount: ['number', undefined],
      rating: ['number', undefined],
      isGift: ['boolean', undefined],
      active: ['boolean', undefined],
      done: ['boolean', undefined],
      note: ['string', undefined],
    });
  });

  it('never makes a reserved name a field, and says why', () => {
    const reading = readRequirements('widgets (id, name, class, created at, optional description)');
    expect(fieldNames(reading, 'widgets')).toEqual(['name', 'description']);
    expect(reading.resources[0]?.fields.find((f) => f.name === 'description')?.required).toBe(false);
    expect(reading.ignored.map((i) => i.words)).toEqual(['id', 'class', 'created at']);
    expect(reading.ignored[0]?.why).toMatch(/added by Baton/);
    expect(reading.ignored[1]?.why).toMatch(/reserved word/);
  });

  it('derives a service name', () => {
    expect(readRequirements('A REST API for a library: books, authors, loans').service?.name).toBe(
      'library-service',
    );
    expect(readRequirements('Create a REST API for user management').service?.name).toBe('user-service');
    expect(readRequirements('books and authors').service?.name).toBe('book-service');
  });

  it('is deterministic', () => {
    for (const { text } of [...CORPUS, ...HELD_OUT])
      expect(readRequirements(text)).toEqual(readRequirements(text));
  });

  it.each([
    ['the development set', CORPUS],
    ['the held-out set', HELD_OUT],
    ['all texts', [...CORPUS, ...HELD_OUT]],
  ] as const)('has resource precision and recall of at least 0.9 over %s', (label, corpus) => {
    const resources = tally();
    const fields = tally();
    const auth = tally();
    const misses: string[] = [];
    for (const c of corpus) {
      const reading = readRequirements(c.text);
      const found = reading.resources.map((r) => r.name);
      const expected = Object.keys(c.resources);
      count(resources, found, expected);
      count(auth, reading.auth ? ['auth'] : [], c.auth ? ['auth'] : []);
      for (const [name, want] of Object.entries(c.resources)) {
        if (!want) continue;
        const got = fieldNames(reading, name);
        count(fields, got, want);
        if (got.join() !== want.join())
          misses.push(`${name}: got [${got.join(', ')}], want [${want.join(', ')}]`);
      }
      if (found.join() !== expected.join())
        misses.push(`resources: got [${found.join(', ')}], want [${expected.join(', ')}]`);
    }
    const figures = {
      texts: corpus.length,
      resourcePrecision: precision(resources),
      resourceRecall: recall(resources),
      fieldPrecision: precision(fields),
      fieldRecall: recall(fields),
      authPrecision: precision(auth),
      authRecall: recall(auth),
    };
    console.log(
      `requirements reader, ${label} (${corpus.length} texts): ` +
        Object.entries(figures)
          .slice(1)
          .map(([k, v]) => `${k} ${v.toFixed(3)}`)
          .join(', ') +
        (misses.length ? `\n  differences:\n  ${misses.join('\n  ')}` : ''),
    );
    expect(figures.resourcePrecision).toBeGreaterThanOrEqual(0.9);
    expect(figures.resourceRecall).toBeGreaterThanOrEqual(0.9);
    expect(figures.fieldPrecision).toBeGreaterThanOrEqual(0.85);
    expect(figures.fieldRecall).toBeGreaterThanOrEqual(0.85);
    expect(figures.authPrecision).toBe(1);
    expect(figures.authRecall).toBe(1);
  });

  it('lists what it could not use', () => {
    const reading = readRequirements('A fast and reliable API. Books have a title.');
    expect(reading.resources.map((r) => r.name)).toEqual(['books']);
    expect(reading.ignored.map((i) => i.words)).toEqual(['fast', 'reliable']);
    expect(reading.ignored[0]?.why).toBe('"fast" is singular, so not a resource; write "fasts" if it is one');
  });
});
