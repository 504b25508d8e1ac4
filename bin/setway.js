#!/usr/bin/env node
// The `setway` command from the TypeScript sources, through tsx's loader (a dev dependency): what
// the tests run, with no build step. The installed package's `setway` is dist/cli.js (npm run build).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
