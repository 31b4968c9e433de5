// The jsdom flavour (`testEnvironment: 'leakcheck/jsdom'`): jest-environment-jsdom with the
// same leak check as the node flavour. jsdom's window timers are built on Node timers, so
// the async hook sees them like any other; their intervals are marked as such for reports
// (see instrument.ts).
import JSDOMEnvironment from 'jest-environment-jsdom';
import { withLeakcheck } from './compose';

export default class LeakcheckJsdomEnvironment extends withLeakcheck(JSDOMEnvironment) {}

export { LeakcheckJsdomEnvironment, LeakcheckJsdomEnvironment as TestEnvironment };
