/** The security-audit template's agents, in phase order. */
import { dependencyAuditAgent } from './dependencies';
import { securityLintAgent } from './lint';
import { securityReportAgent } from './report';
import { securityReviewAgent } from './review';
import { secretScanAgent } from './secrets';

export const securityAgents = [
  secretScanAgent,
  dependencyAuditAgent,
  securityLintAgent,
  securityReviewAgent,
  securityReportAgent,
];
