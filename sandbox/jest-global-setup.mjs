// Jest globalSetup: reuse the running sandbox, or start it (`up`). AI_DEPLOY_SANDBOX=off skips it.
import { up, status } from './lib/commands.mjs';

export default async function globalSetup() {
  if (process.env.AI_DEPLOY_SANDBOX === 'off') return;
  const s = await status();
  if (s.ok) return;
  const log = (m) => process.stderr.write(`[sandbox] ${m}\n`);
  log('starting the local sandbox (npm run sandbox -- up)');
  const r = await up({ log });
  if (!r.ok) {
    const failed = r.results.filter((x) => !x.ok).map((x) => `${x.name}: ${x.error}`).join('\n');
    throw new Error(`sandbox did not come up:\n${failed}`);
  }
  log(`sandbox up in ${(r.totalMs / 1000).toFixed(1)} s`);
}
