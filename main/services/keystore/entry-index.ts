// The names of the keystore entries a viewer made that must not outlive it (each sign-in's refresh token), so
// that those a crashed viewer left can be deleted BY NAME at the next start. Listing the keystore instead
// (keytar findCredentials) reads every secret of the service, and a keyring changed meanwhile by another process
// crashed such a listing natively (libsecret: secret_value_get_text assertion).
//
// Each viewer process keeps its own small file in the data folder (`keystore-entries/<run id>.json`): entry
// NAMES only, never a secret (a name is the issuer and a random id). No file is written by two processes, so
// two viewers at once need no lock between them; whether a file's viewer still runs is the lock the operating
// system keeps on its running marker (RunningViewers, file-lock.ts), held from the viewer's start, before it
// can sign anyone in, until it ends however it ends. Chosen over one keystore entry holding every viewer's
// names: that would be read, changed and written back by each viewer (lost updates without a lock across
// processes) and adds keystore traffic, the very thing that crashed, for something that is not a secret.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SecretStore } from './secret-store';

/** What the index needs to know of the running viewers (RunningViewers). */
export interface RunLiveness {
  /** This process's run. */
  readonly runId: string;
  isRunning(runId: string): boolean;
}

const RUN_FILE = /^([0-9a-f-]{36})\.json$/;

export class KeystoreEntryIndex {
  private readonly own = new Set<string>();
  private clearing: Promise<void> = Promise.resolve();

  constructor(
    private readonly folder: string,
    private readonly runs: RunLiveness,
  ) {}

  /**
   * Before a secret is stored under `account`: waits for a clean-up under way (so it never deletes what is
   * stored now), then notes the name, before the store, so a crash straight after it still leaves it findable.
   */
  async adding(account: string): Promise<void> {
    await this.clearing;
    if (this.own.has(account)) return;
    this.own.add(account);
    this.write();
  }

  /** After the entry `account` was deleted from the keystore. */
  removed(account: string): void {
    if (this.own.delete(account)) this.write();
  }

  /**
   * Deletes, by name, the entries that viewers no longer running left (and then their files), and the fixed
   * `alsoNames` (entries earlier versions kept under names known in advance). Every entry goes at once; one
   * that cannot be deleted now stays in its file for the next start. Never rejects. Anything stored through
   * `adding` waits until this has finished.
   */
  forgetLeft(store: SecretStore, alsoNames: readonly string[] = []): Promise<void> {
    const done = this.clear(store, alsoNames).catch(() => undefined);
    this.clearing = this.clearing.then(() => done);
    return done;
  }

  private async clear(store: SecretStore, alsoNames: readonly string[]): Promise<void> {
    const left = this.leftRuns();
    const deleted = (account: string) =>
      store.delete(account).then(
        () => true,
        () => false,
      );
    await Promise.all([
      ...alsoNames.map(deleted),
      ...left.map(async ({ file, names }) => {
        const results = await Promise.all(names.map(deleted));
        if (results.every(Boolean)) rmSync(file, { force: true });
        else
          writeList(
            file,
            names.filter((_, i) => !results[i]),
          );
      }),
    ]);
  }

  /** The files of runs that have ended, with the names in them (a file that cannot be read names nothing). */
  private leftRuns(): { file: string; names: string[] }[] {
    let files: string[];
    try {
      files = readdirSync(this.folder);
    } catch {
      return [];
    }
    return files.flatMap((name) => {
      const runId = RUN_FILE.exec(name)?.[1];
      if (!runId || runId === this.runs.runId || this.runs.isRunning(runId)) return [];
      const file = path.join(this.folder, name);
      return [{ file, names: readList(file) }];
    });
  }

  private write(): void {
    const file = path.join(this.folder, `${this.runs.runId}.json`);
    if (!this.own.size) {
      rmSync(file, { force: true });
      return;
    }
    mkdirSync(this.folder, { recursive: true, mode: 0o700 });
    writeList(file, [...this.own]);
  }
}

function readList(file: string): string[] {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return Array.isArray(parsed) ? parsed.filter((name): name is string => typeof name === 'string') : [];
  } catch {
    return [];
  }
}

/** Replaces the file whole (a crash mid-write leaves the old list, never half of one). */
function writeList(file: string, names: readonly string[]): void {
  const partial = `${file}.partial`;
  writeFileSync(partial, JSON.stringify(names), { mode: 0o600 });
  renameSync(partial, file);
}
