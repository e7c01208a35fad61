// The OS keystore behind a small interface: keytar (Windows Credential Manager, macOS Keychain, libsecret)
// today; Electron safeStorage or a test double can stand behind the same interface.
import type * as Keytar from 'keytar';

export interface SecretStore {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  /** Resolves true when something was deleted. */
  delete(account: string): Promise<boolean>;
}

export class KeystoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(
      'The operating system keystore is not available, so offline records and sign-in cannot be kept safely. ' +
        'Sign in to the desktop session (or start the keyring) and try again.',
      { cause },
    );
  }
}

/** One keytar "service" per product; accounts name the secret (e.g. "cache-key", "refresh-token:<iss>#<id>"). */
export const KEYSTORE_SERVICE = 'uk.nhs.wessexcarerecords';

export function createKeytarSecretStore(service: string = KEYSTORE_SERVICE): SecretStore {
  // Loaded lazily so code paths that never touch the keystore do not need the native module.
  // Under tsx's CommonJS loader (the CLI) the CommonJS module arrives as `default` only.
  const keytar = async (): Promise<typeof Keytar> => {
    const loaded = (await import('keytar')) as typeof Keytar & {
      default?: typeof Keytar;
    };
    return loaded.default ?? loaded;
  };
  const guard = async <T>(fn: (k: typeof Keytar) => Promise<T>): Promise<T> => {
    try {
      return await fn(await keytar());
    } catch (error) {
      throw new KeystoreUnavailableError(error);
    }
  };
  return {
    get: (account) => guard((k) => k.getPassword(service, account)),
    set: (account, secret) => guard((k) => k.setPassword(service, account, secret)),
    delete: (account) => guard((k) => k.deletePassword(service, account)),
  };
}
