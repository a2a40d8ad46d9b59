export * from '../../src/engine/testing.js';
