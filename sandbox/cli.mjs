#!/usr/bin/env node
// npm run sandbox -- up | down [--clean] | status
import { up, down, status, describe } from './lib/commands.mjs';

const [cmd = 'status', ...flags] = process.argv.slice(2);
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

switch (cmd) {
  case 'up': {
    const r = await up();
    const started = r.results.flatMap((x) => x.started ?? []);
    const kind = r.build.ran ? `cold: Go build ${secs(r.build.ms)}, started ${started.length} daemons`
      : started.length ? `warm: binaries cached, started ${started.length} daemons` : 'all running: reused';
    console.log(`\nsandbox ${r.ok ? 'up' : 'PARTLY up'} in ${secs(r.totalMs)} (${kind})`);
    for (const x of r.results) console.log(`  ${x.name.padEnd(11)} ${secs(x.ms).padStart(7)}  ${x.ok ? (x.started.length ? `started ${x.started.join(', ')}` : 'reused') : `FAILED: ${x.error.split('\n')[0]}`}`);
    console.log('');
    for (const line of describe(r.env)) console.log(line);
    process.exitCode = r.ok ? 0 : 1;
    break;
  }
  case 'down':
    await down({ clean: flags.includes('--clean') });
    break;
  case 'status': {
    const s = await status();
    console.log(s.lines.join('\n'));
    process.exitCode = s.ok ? 0 : 1;
    break;
  }
  default:
    console.error('usage: npm run sandbox -- up | down [--clean] | status');
    process.exitCode = 2;
}
