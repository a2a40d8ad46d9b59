export * from '../support/engine-fakes.js';
export { TestAdapter } from '../support/test-adapter.js';
