export { pipeline } from './pipeline';
