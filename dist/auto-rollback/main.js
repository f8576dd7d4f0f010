import { runAction } from '../index.js';
await runAction('auto-rollback', 'main');
