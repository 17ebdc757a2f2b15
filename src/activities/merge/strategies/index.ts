/** Every conflict class's strategies, by the name the rules give; adding one is one entry. */
import type { ConflictClass, ConflictRules } from '../../../shared/parallel';
import { FILE_STRATEGIES } from './file';
import { NAMING_STRATEGIES } from './naming';
import { API_STRATEGIES, DEPENDENCY_STRATEGIES } from './structural';
import type { Handler } from './strategy';

export { fallback } from './file';
export { prefixed } from './naming';
export type { Decision, Handler, StrategyContext } from './strategy';
export { human, sideEdit } from './strategy';

const STRATEGIES: { [K in ConflictClass]: Record<ConflictRules[K]['strategy'], Handler> } = {
  file: FILE_STRATEGIES,
  dependency: DEPENDENCY_STRATEGIES,
  api: API_STRATEGIES,
  naming: NAMING_STRATEGIES,
};

/** The handler the rules choose for a class. */
export function strategyFor(klass: ConflictClass, rules: ConflictRules): Handler {
  const table = STRATEGIES[klass] as Record<string, Handler>;
  return table[rules[klass].strategy] as Handler;
}
