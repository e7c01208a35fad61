// Builds only the renderer with the app's own electron-vite renderer config (faster than the full app build
// when tests or benchmarks need a fresh out/renderer). `npx tsx main/dev/harness/build-renderer.ts`
import { resolve } from 'node:path';
import type { InlineConfig } from 'vite';

export async function buildRenderer(projectRoot = resolve(__dirname, '../../..')): Promise<string> {
  const [{ build }, configModule] = await Promise.all([
    import('vite'),
    import(resolve(projectRoot, 'electron.vite.config.ts')),
  ]);
  const config = (configModule.default ?? configModule) as { renderer: InlineConfig };
  await build({ ...config.renderer, configFile: false, logLevel: 'warn' });
  return resolve(projectRoot, 'out', 'renderer');
}

if (require.main === module) {
  buildRenderer().then(
    (dir) => console.log(`Renderer built in ${dir}`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exitCode = 1;
    },
  );
}
