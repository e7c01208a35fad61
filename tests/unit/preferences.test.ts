import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPreferences, preferencesPath } from '../../main/services/preferences';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'wessex-prefs-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('user preferences', () => {
  it('starts from defaults and keeps the user’s choices across restarts', async () => {
    const first = await openPreferences(dir);
    expect(first.recovered).toBeUndefined();
    expect(await first.store.get()).toEqual({
      density: 'comfortable',
      theme: 'system',
      collapsedSections: [],
      showProvenance: true,
      encountersOrder: 'newest-first',
      resultsFilter: 'all',
      defaultViewByRole: {},
    });
    await first.store.update({
      density: 'compact',
      lastCaseloadListName: 'Tuesday rounds',
      lastCaseloadListId: 'caseload-ringwood-1',
      collapsedSections: ['history'],
      defaultViewByRole: { paramedic: 'full-summary' },
      encountersOrder: 'oldest-first',
      resultsFilter: 'abnormal',
    });

    const again = await openPreferences(dir);
    expect(await again.store.get()).toMatchObject({
      density: 'compact',
      lastCaseloadListName: 'Tuesday rounds',
      lastCaseloadListId: 'caseload-ringwood-1',
      collapsedSections: ['history'],
      defaultViewByRole: { paramedic: 'full-summary' },
      encountersOrder: 'oldest-first',
      resultsFilter: 'abnormal',
    });
    expect(again.store.path).toBe(preferencesPath(dir));
    expect(JSON.parse(await readFile(preferencesPath(dir), 'utf8'))).toMatchObject({ density: 'compact' });
    expect((await stat(preferencesPath(dir))).mode & 0o077).toBe(0);
  });

  it('refuses sensitive or unknown values with a clear message and writes nothing', async () => {
    const { store } = await openPreferences(dir);
    await store.update({ theme: 'dark' });
    const before = await readFile(preferencesPath(dir), 'utf8');
    await expect(store.update({ lastCaseloadListName: 'visits 999 000 0018' })).rejects.toThrow(
      'Preference lastCaseloadListName must not contain an NHS number',
    );
    await expect(store.update({ lastCaseloadListId: '9990000018' })).rejects.toThrow(
      'Preference lastCaseloadListId must not contain an NHS number',
    );
    await expect(store.update({ lastCaseloadListId: 'list/../../x' })).rejects.toThrow(/must be a FHIR id/);
    await expect(store.update({ refreshToken: 'abc' } as never)).rejects.toThrow(
      'Unknown preference refreshToken',
    );
    await expect(store.update({ density: 'tiny' as never })).rejects.toThrow(/Preference density/);
    expect(await readFile(preferencesPath(dir), 'utf8')).toBe(before);
    expect((await store.get()).theme).toBe('dark');
  });

  it('sets a corrupt file aside (kept byte for byte) and starts from defaults', async () => {
    const corrupt = '{"density": "compact", ';
    await writeFile(preferencesPath(dir), corrupt);
    const { store, recovered } = await openPreferences(dir);
    expect(recovered?.reason).toBe('not valid JSON');
    expect(await readFile(recovered?.movedTo ?? '', 'utf8')).toBe(corrupt);
    expect((await store.get()).density).toBe('comfortable');
    await store.update({ density: 'compact' });
    expect((await readdir(dir)).sort()).toEqual([
      'preferences.json',
      path.basename(recovered?.movedTo ?? ''),
    ]);
  });

  it('sets aside a file holding values it must not (e.g. something written by another tool)', async () => {
    await writeFile(preferencesPath(dir), JSON.stringify({ density: 'compact', accessToken: 'eyJ...' }));
    const { store, recovered } = await openPreferences(dir);
    expect(recovered?.reason).toMatch(/invalid value/);
    expect(await store.get()).not.toHaveProperty('accessToken');
  });

  it('reset returns to defaults', async () => {
    const { store } = await openPreferences(dir);
    await store.update({ showProvenance: false });
    expect((await store.reset()).showProvenance).toBe(true);
  });
});
