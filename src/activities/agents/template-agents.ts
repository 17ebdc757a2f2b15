/** The agents behind the research, issue-analysis and pr-review templates' new phases (issue 12). */
import type { Agent } from './agent';

export const templateAgents: Agent[] = [];
