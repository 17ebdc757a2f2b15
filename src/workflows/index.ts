export { pipeline } from './pipeline';
export { task } from './task';
