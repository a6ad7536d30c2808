export { type PrimaryFirstOptions, primaryFirst } from './primaryFirst.js';
