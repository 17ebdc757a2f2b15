import { main } from './cli/program';

await main();
