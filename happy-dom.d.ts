export { default, LeakcheckHappyDomEnvironment, TestEnvironment } from './build/jest/happy-dom';
