import { runAction } from '../index.js';
await runAction('build-image', 'post');
