import { runAction } from '../index.js';
await runAction('canary-deploy', 'main');
