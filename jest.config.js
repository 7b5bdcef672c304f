/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  // Types are checked once by `npm run typecheck` (tsc); ts-jest only transpiles each file, which
  // is much faster and is what ts-jest asks for with nodenext modules (TS151002).
  transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }] },
  // Tests start real servers, browsers and child processes.
  testTimeout: 60000,
  maxWorkers: 2,
};
