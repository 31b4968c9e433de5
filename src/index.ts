export { default, default as LeakcheckEnvironment } from './environment';
export { KINDS, type Kind } from './kinds';
export type { IgnoreRule, LeakcheckOptions, Mode } from './options';
export type { Leakcheck } from './api';
