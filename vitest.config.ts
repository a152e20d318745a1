import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests run real `vite build`s and servers; two cores, so keep parallelism modest.
    maxWorkers: 2,
  },
})
