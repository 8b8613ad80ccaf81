// Worker threads don't inherit `node --import tsx`: register the TypeScript loader here, then load the worker.
import { register } from 'tsx/esm/api';

register();
await import('./fakesWorker.ts');
