// The happy-dom flavour (`testEnvironment: 'leakcheck/happy-dom'`): @happy-dom/jest-environment
// (an optional peer) with the same leak check as the node flavour. happy-dom's window timers
// are Node's own (setTimeout, setInterval) and its requestAnimationFrame a Node setImmediate,
// so the async hook sees them all; animation frames are marked as such for reports (see
// instrument.ts). @happy-dom/jest-environment is an ES module from version 19 on: it is
// loaded with require(), which Node supports for ES modules from 20.19 and 22.12 on.
import type HappyDOMEnvironment from '@happy-dom/jest-environment';
import { withLeakcheck, type EnvironmentModule } from './compose';

const PACKAGE = '@happy-dom/jest-environment';

/** @happy-dom/jest-environment, or an error saying what to install or upgrade. */
function loadHappyDom(): EnvironmentModule<typeof HappyDOMEnvironment> {
  try {
    return require(PACKAGE) as EnvironmentModule<typeof HappyDOMEnvironment>;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'MODULE_NOT_FOUND') {
      throw new Error(`jest-environment-leakcheck: testEnvironment 'leakcheck/happy-dom' needs ${PACKAGE}: npm install --save-dev ${PACKAGE}`);
    }
    if (code === 'ERR_REQUIRE_ESM') {
      throw new Error(
        `jest-environment-leakcheck: testEnvironment 'leakcheck/happy-dom' cannot load ${PACKAGE}: it is an ES module (version 19 and later), ` +
          `which Node ${process.version} cannot require(). Use Node 20.19 or 22.12 and later, or ${PACKAGE}@18.`,
      );
    }
    throw error;
  }
}

export default class LeakcheckHappyDomEnvironment extends withLeakcheck(loadHappyDom()) {}

export { LeakcheckHappyDomEnvironment, LeakcheckHappyDomEnvironment as TestEnvironment };
