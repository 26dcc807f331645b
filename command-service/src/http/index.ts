/** The HTTP conventions other edges of the system share: problem+json answers and header checks. */
export * from './problem.js';
export * from './request-checks.js';
export { sendProblem } from './pipeline.js';
export { correlation } from './correlation.js';
