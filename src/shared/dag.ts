/** Pure graph helpers over phases, used by validation and by the workflow. */
export interface Node {
  id: string;
  needs: readonly string[];
}

/** The first dependency cycle found, as a closed path (`a → b → a`), or undefined. */
export function findCycle(nodes: readonly Node[]): string[] | undefined {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];

  const visit = (id: string): string[] | undefined => {
    const seen = state.get(id);
    if (seen === 'done') return undefined;
    if (seen === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const need of byId.get(id)?.needs ?? []) {
      if (!byId.has(need)) continue;
      const cycle = visit(need);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };

  for (const node of nodes) {
    const cycle = visit(node.id);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Every phase that `id` depends on, directly or through others. */
export function ancestors(nodes: readonly Node[], id: string): Set<string> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const found = new Set<string>();
  const pending = [...(byId.get(id)?.needs ?? [])];
  while (pending.length > 0) {
    const next = pending.pop() as string;
    if (found.has(next)) continue;
    found.add(next);
    pending.push(...(byId.get(next)?.needs ?? []));
  }
  return found;
}
