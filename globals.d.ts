// Types of `jest-environment-leakcheck/globals`.
export { leakcheck } from './build/globals';
export type { IgnoreRule, Kind, Leakcheck } from './build/globals';
