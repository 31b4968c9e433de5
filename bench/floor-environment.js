// The bench's `floor` environment (issue 10): plain jest-environment-node plus one enabled,
// empty async hook with the same callbacks the detector's hook registers (init and
// promiseResolve). While a hook with promise callbacks is enabled, Node runs its promise
// hooks on every promise of the process; this measures that cost alone, so the detector's
// own cost can be read as the distance from this floor.
'use strict';
const { createHook } = require('node:async_hooks');
const { TestEnvironment } = require('jest-environment-node');

class FloorEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.floorHook = createHook({ init() {}, promiseResolve() {} });
  }

  // Enabled for the same span as the detector's hook: from setup() to teardown().
  async setup() {
    await super.setup();
    this.floorHook.enable();
  }

  async teardown() {
    this.floorHook.disable();
    await super.teardown();
  }
}

module.exports = FloorEnvironment;
