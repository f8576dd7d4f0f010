/** Jest on Node 24, ESM TypeScript through ts-jest (see ../shared/notes/toolchain.md). */
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
