// `reporters: ['default', 'jest-environment-leakcheck/reporter']`
module.exports = require('./build/reporter').default;
