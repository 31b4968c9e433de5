// The example project: this one line is all a user adds.
module.exports = {
  testEnvironment: 'leakcheck',
  testMatch: ['<rootDir>/test/**/*.test.js'],
};
