export { pipeline } from './pipeline';
export { resourceLock } from './lock';
