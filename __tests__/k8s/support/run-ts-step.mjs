// Runs one action step from the TypeScript sources in this process, like the runner runs dist/<action>/<step>.js:
//   node --experimental-transform-types --import ./register-ts.mjs run-ts-step.mjs <action> <main|post>
const [action, step] = process.argv.slice(2);
const root = new URL('../../../', import.meta.url);
const { runStep } = await import(new URL('shared/action/runner.ts', root).href);
const module = await import(new URL(`actions/${action}/${step}.ts`, root).href);
await runStep(module.run);
