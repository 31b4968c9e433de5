export { default } from './build/report/reporter';
