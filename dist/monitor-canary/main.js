import { runAction } from '../index.js';
await runAction('monitor-canary', 'main');
