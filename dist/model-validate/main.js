import { runAction } from '../index.js';
await runAction('model-validate', 'main');
