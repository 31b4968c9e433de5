// `reporters: ['default', 'jest-environment-leakcheck/reporter']`
module.exports = require('./build/report/reporter').default;
