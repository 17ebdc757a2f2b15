/**
 * Records the replay test's histories: `npm run record-histories -- v4` (files
 * `<template>.<tag>.json` in test/fixtures/histories/; older files are kept).
 */
import { recordHistories } from '../src/dev/record-histories';

await recordHistories(process.argv[2] ?? '');
