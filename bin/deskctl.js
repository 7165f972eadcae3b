#!/usr/bin/env node
import { run } from '../dist/src/cli.js';

const code = await run(process.argv);
process.exitCode = code;
