export { default, LeakcheckJsdomEnvironment, TestEnvironment } from './build/jsdom';
