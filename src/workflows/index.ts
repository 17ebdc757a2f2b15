export { pipeline } from './pipeline';
export { task } from './task';
export { resourceLock } from './lock';
export { dispatch } from './dispatch';
