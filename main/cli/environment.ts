// What a CLI command needs from its surroundings: a viewer. The shipped CLI opens the product viewer on the
// machine policy; the development CLI (main/dev) may open it on the built-in sandbox instead.
import type { Viewer, ViewerOptions } from '../services/composition/viewer';

export interface CliViewerChoice {
  viewer: Viewer;
  /** Said with each result: where the record came from. */
  origin: 'machine policy' | 'built-in sandbox';
}

export interface CliEnvironment {
  /** The viewer for one command; `flags` are the command's own options (e.g. the development --sandbox). */
  openViewer(
    options: ViewerOptions,
    flags: { sandbox?: unknown; latency?: unknown },
  ): Promise<CliViewerChoice>;
  /**
   * Signs the clinician in before a command reads records, so the regional sources see who is reading.
   * Default: the standalone sign-in in the system browser, back through the loopback redirect.
   */
  signIn?(viewer: Viewer, role: string): Promise<void>;
}
