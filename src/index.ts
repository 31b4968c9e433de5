export { default, default as LeakcheckEnvironment, TestEnvironment } from './jest/environment';
export { withLeakcheck, type EnvironmentConstructor, type EnvironmentModule, type LeakcheckHandler, type WithLeakcheck } from './jest/compose';
export { KINDS, type Kind } from './track/kinds';
export type { Contain, IgnoreRule, LeakcheckOptions, Mode } from './config/options';
export type { Leakcheck } from './api/api';
export type { LeakRecord, Scope, SourceLocation } from './report/report';
export type { LeakSummary } from './report/reporter';
export type { LeakcheckReporterOptions } from './report/reporter-options';
export type { KindCounts, LeakReportDocument } from './report/json';
