// Child process for the file-lock test: takes the lock, says so, then blocks its event loop (as a long
// synchronous rekey of a large store does) until killed. argv: <lock file>
import { tryFileLock } from '../../main/services/cache/file-lock';

const lock = tryFileLock(process.argv[2]!);
process.stdout.write(lock ? 'HELD\n' : 'BUSY\n', () => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // blocked for good: nothing runs here now
});
