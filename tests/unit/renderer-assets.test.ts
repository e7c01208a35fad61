import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RENDERER_CSP, readRendererAsset } from '../../main/services/renderer-assets';

let root: string;
let secret: string;

beforeAll(async () => {
  const base = await mkdtemp(join(tmpdir(), 'wessex-assets-'));
  root = join(base, 'renderer');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<!doctype html><title>Wessex</title>');
  await writeFile(join(root, 'assets', 'app.js'), 'console.log(1)');
  secret = join(base, 'secret.txt');
  await writeFile(secret, 'outside the renderer');
});

describe('renderer assets', () => {
  it('serves index.html for / with the strict CSP', async () => {
    const asset = await readRendererAsset(root, '/');
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/text\/html/);
    expect(asset.headers['content-security-policy']).toBe(RENDERER_CSP);
    expect(RENDERER_CSP).toContain("script-src 'self'");
    expect(RENDERER_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
  });

  it('serves scripts with a JavaScript content type', async () => {
    const asset = await readRendererAsset(root, '/assets/app.js?v=1');
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
  });

  it.each([
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/assets/../../secret.txt',
    '/..%5csecret.txt',
    '/%E0%A4%A',
  ])('refuses %s (outside the renderer or malformed)', async (path) => {
    const asset = await readRendererAsset(root, path);
    expect(asset.status).toBe(404);
    expect(asset.body.toString()).not.toContain('outside the renderer');
  });
});
