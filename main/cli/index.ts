// The shipped headless CLI (`node out/main/cli.js`): product commands over the same services the app runs.
import { createProgram, productEnvironment, runProgram } from './program';

void runProgram(createProgram(productEnvironment), process.argv);
