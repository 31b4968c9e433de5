// The node flavour (`testEnvironment: 'leakcheck'`): jest-environment-node with the leak
// check added by withLeakcheck (compose.ts). A class of its own, so that it has a name and
// can be extended: `class MyEnv extends LeakcheckEnvironment`.
import NodeEnvironment from 'jest-environment-node';
import { withLeakcheck } from './compose';

export default class LeakcheckEnvironment extends withLeakcheck(NodeEnvironment) {}

export { LeakcheckEnvironment, LeakcheckEnvironment as TestEnvironment };
