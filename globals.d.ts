// Types of `jest-environment-leakcheck/globals`.
export { leakcheck } from './build/api/globals';
export type { IgnoreRule, Kind, Leakcheck } from './build/api/globals';
