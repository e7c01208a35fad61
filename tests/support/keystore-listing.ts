// Lists a test keystore service's entries from a child process. keytar's findCredentials reads the items a search
// found one by one and crashes natively (a NULL secret) when one is deleted meanwhile, as the viewer does in the
// background at sign-out and after a launch; in the test process that crash ended the whole test worker.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = new URL('../..', import.meta.url);
const LIST = `require('keytar').findCredentials(process.argv[1]).then((found) => process.stdout.write(JSON.stringify(found)))`;
const ATTEMPTS = 5;

export interface KeystoreEntry {
  account: string;
  password: string;
}

/** Every entry of `service`, as keytar lists them; a listing that crashed is read again. */
export async function keystoreEntries(service: string): Promise<KeystoreEntry[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { stdout } = await run(process.execPath, ['-e', LIST, service], { cwd: REPO });
      return JSON.parse(stdout) as KeystoreEntry[];
    } catch (error) {
      if (attempt === ATTEMPTS) throw error;
    }
  }
}
