#!/usr/bin/env -S node --import tsx --no-warnings
// Runs the TypeScript sources directly (no build step); same behaviour as bin/run.js.
import { execute } from '@oclif/core';
await execute({ development: true, dir: import.meta.url });
