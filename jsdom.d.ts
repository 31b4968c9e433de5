export { default, LeakcheckJsdomEnvironment, TestEnvironment } from './build/jest/jsdom';
