/** The agents behind the research, issue-analysis and pr-review templates' new phases (issue 12). */
import type { Agent } from './agent';
import { diffReviewAgent, prVerdictAgent } from './diff-review';
import { issueImplementAgent, issuePlanAgent, issueSourceAgent } from './issue-source';
import { synthesizeAgent } from './synthesize';

export const templateAgents: Agent[] = [
  synthesizeAgent,
  issueSourceAgent,
  issuePlanAgent,
  issueImplementAgent,
  diffReviewAgent,
  prVerdictAgent,
];
