/** Jest on Node 24 (npm scripts put node_modules/.bin first on PATH), ESM TypeScript through ts-jest; run under --experimental-vm-modules. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  testTimeout: 60_000,
  // Most suites wait on the sandbox (rollouts, registries), not on the CPU: three workers on two cores.
  maxWorkers: 3,
  globalSetup: '<rootDir>/sandbox/jest-global-setup.mjs',
};
