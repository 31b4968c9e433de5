// The package's exports ('jest-environment-leakcheck'). The published types are bundled
// from these (scripts/build-types.js): only what is exported here is public.
import type { LeakcheckReporterOptions as ReporterOptions } from './report/reporter-options';

export { default, default as LeakcheckEnvironment, TestEnvironment } from './jest/environment';
export { withLeakcheck, type EnvironmentConstructor, type EnvironmentModule, type LeakcheckHandler, type WithLeakcheck } from './jest/compose';
export { KINDS, type Kind } from './track/kinds';
export type { Contain, IgnoreRule, LeakcheckOptions, Mode } from './config/options';
export type { Leakcheck } from './api/api';
export type { LeakRecord, Scope, SourceLocation } from './report/report';
export type { LeakSummary } from './report/reporter';
export type { KindCounts, LeakReportDocument } from './report/json';
// The environments' constructor arguments, for a subclass's constructor. Published as the
// jest-environment-node the user has declares them (see types/jest-shims.d.ts).
export type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';

/**
 * Options of `jest-environment-leakcheck/reporter`. A type literal, not the interface: Jest's
 * `reporters` config takes options as a Record, which an interface is not assignable to.
 */
export type LeakcheckReporterOptions = { [K in keyof ReporterOptions]: ReporterOptions[K] };
