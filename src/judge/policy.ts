// Policy: which leftover resources of a test file are reported. Built from the config,
// the file's docblock and the test-side API (per-test allowances, runtime ignore rules);
// the session asks it about each resource before judging it.
import * as path from 'node:path';
import type { Config } from '@jest/types';
import { compileRule, describeRule, type Matcher, type Subject } from './ignore';
import type { Kind } from '../track/kinds';
import type { IgnoreRule, ResolvedOptions } from '../config/options';
import type { Scope } from '../report/report';
import type { Owner } from '../track/owner';
import { cleanFrames, type StackHolder } from '../track/stack';
import { checkModeVariable, checkOptions, checkPragmas, MODE_VARIABLE, onceInRun, type FilePragmas, type Pragmas } from '../config/validate';

/**
 * What the policy sees of a leftover resource (a handle, a promise of a chain, a pending
 * fake timer): its kind, its creation stack and the stacks of what led to it — the frames
 * its report can show, so the frames a rule can match.
 */
export interface Candidate {
  readonly kind: Kind;
  readonly stack: StackHolder;
  readonly origins?: readonly StackHolder[];
}

interface RuleEntry {
  readonly rule: IgnoreRule;
  readonly matches: Matcher;
  /** Where the rule comes from, for the "never matched" hint. */
  readonly source: string;
  /** From testEnvironmentOptions (the same in every file), not from leakcheck.ignore(). */
  readonly fromConfig: boolean;
  matched: boolean;
}

export class Policy {
  private readonly rules: RuleEntry[] = [];
  /** Kinds each test (attempt) allowed through `leakcheck.allow()`; 'all' for every kind. */
  private readonly allowances = new WeakMap<Owner, Set<Kind> | 'all'>();

  constructor(
    /** The options in force for this file (docblock applied). */
    readonly options: ResolvedOptions,
    /** Anchors relative `file` globs. */
    private readonly rootDir: string = process.cwd(),
  ) {
    options.ignore.forEach((rule, i) => this.addRule(rule, `testEnvironmentOptions.leakcheck.ignore[${i}]`, true));
  }

  /** Adds a (validated) ignore rule for the rest of the file. */
  addRule(rule: IgnoreRule, source: string, fromConfig = false): void {
    this.rules.push({ rule, matches: compileRule(rule, this.rootDir), source, fromConfig, matched: false });
  }

  /** With `verbose`: the config's rules that matched nothing in this file, described with their source. */
  unusedConfigRules(): string[] {
    if (!this.options.verbose) return [];
    return this.rules.filter((entry) => entry.fromConfig && !entry.matched).map((entry) => `${describeRule(entry.rule)} (${entry.source})`);
  }

  /** A test (attempt) accepts its leaks of these kinds, or of every kind when none are given. */
  allow(owner: Owner, kinds: readonly Kind[]): void {
    const current = this.allowances.get(owner);
    if (current === 'all') return;
    if (kinds.length === 0) this.allowances.set(owner, 'all');
    else this.allowances.set(owner, new Set([...(current ?? []), ...kinds]));
  }

  /** Whether the test (attempt) accepted any of its leaks through `leakcheck.allow()`. */
  allowsAny(owner: Owner): boolean {
    return this.allowances.has(owner);
  }

  /**
   * Whether a leftover resource of `owner` is to be reported: false when its test allowed
   * its kind, or when an ignore rule matches it.
   */
  reports(candidate: Candidate, owner: Owner): boolean {
    const allowed = this.allowances.get(owner);
    if (allowed === 'all' || allowed?.has(candidate.kind)) return false;
    if (this.rules.length === 0) return true;
    // Every cleaned frame: the frames a report shows are the frames a rule can match
    // (parsed once per stack, see stack.ts).
    const frames = [candidate.stack, ...(candidate.origins ?? [])].flatMap((stack) => cleanFrames(stack));
    const subject: Subject = { kind: candidate.kind, frames };
    const entry = this.rules.find((e) => e.matches(subject));
    if (entry === undefined) return true;
    entry.matched = true;
    return false;
  }

  /**
   * The filter stage, for handles, promise chains and fake timers alike: whether a leak
   * made of these members is reported. Ignoring or allowing any member silences all of it
   * (a promise chain is one leak).
   */
  keeps(members: readonly Candidate[], owner: Owner): boolean {
    return members.every((member) => this.reports(member, owner));
  }

  /**
   * The "never matched" hints for the end of the file; empty unless `verbose`. The config's
   * rules are left out with `configRules: false`: the summary reporter tells those once for
   * the run (see unusedConfigRules).
   */
  unusedRuleHints({ configRules = true }: { configRules?: boolean } = {}): string[] {
    if (!this.options.verbose) return [];
    return this.rules
      .filter((entry) => !entry.matched && (configRules || !entry.fromConfig))
      .map(
        (entry) =>
          `leakcheck: ignore rule ${describeRule(entry.rule)} (${entry.source}) matched no leftover resource in this file. ` +
          'Remove it if nothing needs it any more, or add it only to the files that do (leakcheck.ignore(rule)).',
      );
  }

  /** The closing line of a failure report: how to accept these leaks. */
  footer(scope: Scope, kinds: Iterable<Kind>): string {
    const names = [...new Set(kinds)].map((k) => `'${k}'`).join(', ');
    return scope === 'test'
      ? `To accept them: call leakcheck.allow(${names}) in this test, or add a rule to testEnvironmentOptions.leakcheck.ignore.`
      : `To accept them: call leakcheck.ignoreCurrent() once they exist, add a rule to testEnvironmentOptions.leakcheck.ignore, or put @leakcheck-allow ${names.replace(/'/g, '')} in the file's docblock.`;
  }
}

/** The options in force once the file's pragmas are applied. */
function applyPragmas(options: ResolvedOptions, pragmas: FilePragmas): ResolvedOptions {
  let { kinds, mode } = options;
  if (pragmas.mode !== undefined) mode = pragmas.mode;
  if (pragmas.allow === 'all') mode = 'off';
  else if (pragmas.allow !== undefined) {
    const allowed = pragmas.allow;
    kinds = new Set([...kinds].filter((kind) => !allowed.has(kind)));
    // Every kind allowed: nothing left to track.
    if (kinds.size === 0) mode = 'off';
  }
  return { ...options, kinds, mode };
}

export interface FileContext {
  readonly docblockPragmas: Pragmas;
  readonly testPath: string;
}

/**
 * The policy for one test file: `testEnvironmentOptions.leakcheck` (which Jest has already
 * merged with the file's `@jest-environment-options`) and the file's `@leakcheck-…`
 * pragmas. Throws one jest-validate style error naming every bad option.
 */
export function resolvePolicy(projectConfig: Config.ProjectConfig, context: FileContext): Policy {
  const raw = (projectConfig.testEnvironmentOptions as { leakcheck?: unknown } | undefined)?.leakcheck;
  const optionProblems: string[] = [];
  const options = checkOptions(raw, 'leakcheck', optionProblems);
  const pragmaProblems: string[] = [];
  const pragmas = checkPragmas(context.docblockPragmas, pragmaProblems);
  const variableProblems: string[] = [];
  const variableMode = checkModeVariable(process.env, variableProblems);
  if (optionProblems.length + pragmaProblems.length + variableProblems.length > 0) {
    const file = path.relative(projectConfig.rootDir, context.testPath) || context.testPath;
    const sources: string[] = [];
    if (optionProblems.length > 0) {
      sources.push(
        fromDocblock(context.docblockPragmas)
          ? `the "leakcheck" object of the @jest-environment-options docblock of ${file}`
          : 'testEnvironmentOptions.leakcheck of the Jest config',
      );
    }
    if (pragmaProblems.length > 0) sources.push(`the @leakcheck pragmas of ${file}`);
    if (variableProblems.length > 0) sources.push(`the ${MODE_VARIABLE} environment variable`);
    throw onceInRun(`jest-environment-leakcheck found invalid options in ${sources.join(' and in ')}`, [...optionProblems, ...pragmaProblems, ...variableProblems]);
  }
  // LEAKCHECK_MODE is CI's switch: it wins over the config's mode and @leakcheck-mode (as
  // a pragma mode would); @leakcheck-allow still leaves its kinds (or the file) unchecked.
  return new Policy(applyPragmas(options, { ...pragmas, mode: variableMode ?? pragmas.mode }), projectConfig.rootDir);
}

/** Whether the file's `@jest-environment-options` set `leakcheck` (Jest merges it shallowly). */
function fromDocblock(pragmas: Pragmas): boolean {
  const json = pragmas['jest-environment-options'];
  if (typeof json !== 'string') return false;
  try {
    const parsed = JSON.parse(json) as unknown;
    return typeof parsed === 'object' && parsed !== null && 'leakcheck' in parsed;
  } catch {
    return false;
  }
}
