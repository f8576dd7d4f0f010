import { runAction } from '../index.js';
await runAction('promote', 'main');
