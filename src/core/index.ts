// The pure core in one import: plan -> guard, and the helpers renderers and the adapter share.
export * from './cidr.js';
export * from './desired.js';
export * from './effective.js';
export * from './guard.js';
export * from './naming.js';
export * from './ownership.js';
export * from './plan.js';
export * from './settled.js';
export * from './types.js';
