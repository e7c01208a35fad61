// The MSI project hook, run on a WiX project rendered by electron-builder's own MsiTarget from our
// electron-builder.yml (the step before candle/light, which need Windows and cannot run here).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { flipFuses, FuseState, FuseV1Options, FuseVersion } from '@electron/fuses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import msiProjectCreated, {
  addLaunchSchemeRegistration,
  addMachinePolicyFolder,
  COMPONENT_GUID,
  COMPONENT_ID,
  LAUNCH_SCHEME,
  parseXmlStrictly,
  POLICY_FOLDER_COMPONENT_GUID,
  POLICY_FOLDER_COMPONENT_ID,
  POLICY_FOLDER_ID,
} from '../../build/msi-project-hook.mjs';
import { checkFuses, EXPECTED_FUSES } from '../../build/verify-fuses.mjs';
import { LAUNCH_SCHEME as APP_LAUNCH_SCHEME } from '../../main/services/launch-scheme';
import { MACHINE_POLICY_FOLDER } from '../../main/services/policy/windows-folders';

const require = createRequire(import.meta.url);
const root = path.resolve(__dirname, '../..');

interface BuilderConfig {
  appId: string;
  productName: string;
  msi: Record<string, unknown>;
  win: Record<string, unknown>;
  msiProjectCreated: string;
}

async function loadBuilderConfig(): Promise<BuilderConfig> {
  const { getConfig } = require('app-builder-lib/out/util/config/config.js') as {
    getConfig(projectDir: string, configPath: string | null, fromOptions: null): Promise<BuilderConfig>;
  };
  return getConfig(root, null, null);
}

/** Renders project.wxs with electron-builder's MsiTarget for a fake unpacked Windows app. */
async function renderWixProject(appOutDir: string, config: BuilderConfig): Promise<string> {
  // Load the package entry first: its modules import each other in a cycle that only resolves from the top.
  require('app-builder-lib');
  const MsiTarget = (
    require('app-builder-lib/out/targets/MsiTarget.js') as { default: new (...a: unknown[]) => unknown }
  ).default;
  const { getEffectiveOptions } =
    require('app-builder-lib/out/options/CommonWindowsInstallerConfiguration.js') as {
      getEffectiveOptions(options: unknown, packager: unknown): unknown;
    };
  // MsiTarget merges the msi options into the platform options object it is given: hand it copies.
  const packager = {
    config: { msi: structuredClone(config.msi) },
    platformSpecificBuildOptions: structuredClone(config.win),
    appInfo: {
      id: config.appId,
      productName: config.productName,
      productFilename: config.productName,
      sanitizedProductName: config.productName,
      sanitizedName: 'wessex-care-record',
      companyName: 'Wessex Care Records',
      description: 'Wessex Care Record',
      getVersionInWeirdWindowsForm: () => '0.1.0.0',
    },
    getIconPath: async () => null,
    compression: 'normal',
    fileAssociations: [],
    expandMacro: (text: string) => text,
  };
  const target = new MsiTarget(packager, appOutDir) as {
    options: unknown;
    upgradeCode: string;
    writeManifest(dir: string, arch: number, common: unknown): Promise<string>;
  };
  const x64 = 1;
  return target.writeManifest(appOutDir, x64, getEffectiveOptions(target.options, packager));
}

type El = Element;
const children = (node: El, name: string): El[] =>
  Array.from(node.childNodes).filter(
    (child): child is El => child.nodeType === 1 && (child as El).localName === name,
  );

let dir: string;
let projectFile: string;
let rendered: string;
let config: BuilderConfig;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'wessex-msi-'));
  const appOutDir = path.join(dir, 'win-unpacked');
  const unpackedNative = path.join(
    appOutDir,
    'resources',
    'app.asar.unpacked',
    'node_modules',
    'keytar',
    'build',
  );
  await mkdir(unpackedNative, { recursive: true });
  for (const file of [
    'Wessex Care Record.exe',
    'ffmpeg.dll',
    'resources/app.asar',
    'resources/app.asar.unpacked/node_modules/keytar/build/keytar.node',
  ]) {
    await writeFile(path.join(appOutDir, file), 'x');
  }
  config = await loadBuilderConfig();
  rendered = await renderWixProject(appOutDir, config);
  projectFile = path.join(dir, 'project.wxs');
  await writeFile(projectFile, rendered);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the rendered WiX project (before the hook)', () => {
  it('is per-machine, carries our fixed upgrade code and has no URL scheme registration yet', () => {
    const doc = parseXmlStrictly(rendered);
    const product = doc.getElementsByTagName('Product')[0];
    expect(product?.getAttribute('UpgradeCode')).toBe('4699F304-2C56-4212-96B2-B063B6BDCB61');
    expect(rendered).toContain('<Property Id="ALLUSERS" Secure="yes" Value="1"/>');
    expect(rendered).toContain('Id="startMenuShortcut"');
    expect(rendered).not.toContain('desktopShortcut');
    expect(rendered).not.toContain('runAfterFinish');
    expect(rendered).not.toContain(`Software\\Classes\\${LAUNCH_SCHEME}`);
    expect(rendered).not.toContain('RegistryKey');
    expect(rendered).not.toContain('CommonAppDataFolder');
  });
});

describe('msiProjectCreated hook', () => {
  it('is the hook electron-builder resolves from electron-builder.yml', async () => {
    const { resolveFunction } = require('app-builder-lib/out/util/resolve.js') as {
      resolveFunction(type: string, executor: string, name: string, root: string): Promise<unknown>;
    };
    expect(config.msiProjectCreated).toBe('./build/msi-project-hook.mjs');
    const previous = process.cwd();
    process.chdir(root);
    try {
      const hook = await resolveFunction('msi', config.msiProjectCreated, 'msiProjectCreated', root);
      expect(typeof hook).toBe('function');
      expect((hook as { name: string }).name).toBe('msiProjectCreated');
    } finally {
      process.chdir(previous);
    }
  });

  it('registers the launch scheme under HKLM\\Software\\Classes in the product’s component group', async () => {
    await msiProjectCreated(projectFile);
    const xml = await readFile(projectFile, 'utf8');
    const doc = parseXmlStrictly(xml);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);

    const group = Array.from(doc.getElementsByTagName('ComponentGroup')).find(
      (node) => node.getAttribute('Id') === 'ProductComponents',
    );
    expect(group?.getAttribute('Directory')).toBe('APPLICATIONFOLDER');
    const component = children(group as El, 'Component').find(
      (node) => node.getAttribute('Id') === COMPONENT_ID,
    );
    expect(component?.getAttribute('Guid')).toBe(COMPONENT_GUID);
    expect(component?.namespaceURI).toBe('http://wixtoolset.org/schemas/v4/wxs');

    const [schemeKey] = children(component as El, 'RegistryKey');
    expect(schemeKey?.getAttribute('Root')).toBe('HKLM');
    expect(schemeKey?.getAttribute('Key')).toBe('Software\\Classes\\uk.nhs.wessexcarerecords');
    const values = children(schemeKey as El, 'RegistryValue').map((node) => ({
      name: node.getAttribute('Name'),
      value: node.getAttribute('Value'),
      keyPath: node.getAttribute('KeyPath'),
    }));
    expect(values).toEqual([
      { name: '', value: 'URL:Wessex Care Record launch', keyPath: 'yes' },
      { name: 'URL Protocol', value: '', keyPath: '' },
    ]);
    const subKeys = Object.fromEntries(
      children(schemeKey as El, 'RegistryKey').map((key) => [
        key.getAttribute('Key'),
        children(key, 'RegistryValue')[0]?.getAttribute('Value'),
      ]),
    );
    expect(subKeys).toEqual({
      DefaultIcon: '"[APPLICATIONFOLDER]Wessex Care Record.exe",0',
      'shell\\open\\command': '"[APPLICATIONFOLDER]Wessex Care Record.exe" "%1"',
    });
    // The files electron-builder declared are all still there.
    expect(xml).toContain('Id="mainExecutable"');
    expect(xml.match(/<File /g)).toHaveLength(rendered.match(/<File /g)?.length ?? -1);
  });

  it('creates %ProgramData%\\WessexCareRecords writable by Administrators and SYSTEM only, users reading', async () => {
    const xml = await readFile(projectFile, 'utf8');
    const doc = parseXmlStrictly(xml);
    const wix = 'http://wixtoolset.org/schemas/v4/wxs';
    const directory = (id: string) =>
      Array.from(doc.getElementsByTagName('Directory')).find((node) => node.getAttribute('Id') === id);

    const folder = directory(POLICY_FOLDER_ID);
    expect(folder?.getAttribute('Name')).toBe('WessexCareRecords');
    expect(path.win32.basename(MACHINE_POLICY_FOLDER)).toBe('WessexCareRecords');
    expect((folder?.parentNode as El | null)?.getAttribute('Id')).toBe('CommonAppDataFolder');
    expect(((folder?.parentNode as El).parentNode as El).getAttribute('Id')).toBe('TARGETDIR');

    const group = Array.from(doc.getElementsByTagName('ComponentGroup')).find(
      (node) => node.getAttribute('Id') === 'ProductComponents',
    ) as El;
    const component = children(group, 'Component').find(
      (node) => node.getAttribute('Id') === POLICY_FOLDER_COMPONENT_ID,
    );
    expect(component?.getAttribute('Guid')).toBe(POLICY_FOLDER_COMPONENT_GUID);
    expect(component?.getAttribute('Directory')).toBe(POLICY_FOLDER_ID);
    const [createFolder] = children(component as El, 'CreateFolder');
    const permissions = children(createFolder as El, 'PermissionEx');
    expect(permissions).toHaveLength(1);
    expect(permissions[0]?.namespaceURI).toBe(wix);

    // The security descriptor, read the way Windows will: owner, protected DACL, and each allow entry.
    const sddl = permissions[0]?.getAttribute('Sddl') ?? '';
    const [, owner, daclFlags] = /^O:(\w+)G:\w+D:([A-Z]*)\(/.exec(sddl) ?? [];
    expect(owner).toBe('BA');
    expect(daclFlags, 'protected (P): nothing inherited from ProgramData').toContain('P');
    const aces = Array.from(sddl.matchAll(/\(([^)]*)\)/g), ([, ace]) => {
      const [type, flags, rights, , , trustee] = (ace ?? '').split(';');
      return { type, flags, rights, trustee };
    });
    expect(aces).toEqual([
      { type: 'A', flags: 'OICI', rights: 'FA', trustee: 'SY' },
      { type: 'A', flags: 'OICI', rights: 'FA', trustee: 'BA' },
      { type: 'A', flags: 'OICI', rights: '0x1200a9', trustee: 'BU' },
    ]);
    // Users' mask is read, list and traverse: no write, append, delete or change of permissions.
    const usersMask = Number.parseInt(aces[2]?.rights ?? '0', 16);
    const WRITE_DATA = 0x2;
    const APPEND_DATA = 0x4;
    const WRITE_EA = 0x10;
    const DELETE_CHILD = 0x40;
    const WRITE_ATTRIBUTES = 0x100;
    const DELETE = 0x10000;
    const WRITE_DAC = 0x40000;
    const WRITE_OWNER = 0x80000;
    for (const bit of [
      WRITE_DATA,
      APPEND_DATA,
      WRITE_EA,
      DELETE_CHILD,
      WRITE_ATTRIBUTES,
      DELETE,
      WRITE_DAC,
      WRITE_OWNER,
    ]) {
      expect(usersMask & bit, `users must not have 0x${bit.toString(16)}`).toBe(0);
    }
  });

  it('adds the policy folder to a project once, and refuses one without TARGETDIR', () => {
    const once = addMachinePolicyFolder(rendered);
    expect(addMachinePolicyFolder(once)).toBe(once);
    expect(once.split(`Id="${POLICY_FOLDER_ID}"`)).toHaveLength(2);
    expect(() =>
      addMachinePolicyFolder(
        '<Wix xmlns="http://wixtoolset.org/schemas/v4/wxs"><Product><ComponentGroup Id="ProductComponents"/></Product></Wix>',
      ),
    ).toThrow('WiX project has no Directory "TARGETDIR"');
  });

  it('is idempotent: a second run changes nothing', async () => {
    const once = await readFile(projectFile, 'utf8');
    await msiProjectCreated(projectFile);
    expect(await readFile(projectFile, 'utf8')).toBe(once);
    expect(once.split(COMPONENT_ID)).toHaveLength(2);
    expect(once.split(POLICY_FOLDER_COMPONENT_ID)).toHaveLength(2);
  });

  it('refuses a malformed or unexpected project and leaves the file as it was', async () => {
    const broken = path.join(dir, 'broken.wxs');
    const text = rendered.replace('</ComponentGroup>', '');
    await writeFile(broken, text);
    await expect(msiProjectCreated(broken)).rejects.toThrow(/Not well-formed XML/);
    expect(await readFile(broken, 'utf8')).toBe(text);
    expect(() =>
      addLaunchSchemeRegistration('<Wix xmlns="http://wixtoolset.org/schemas/v4/wxs"><Product/></Wix>'),
    ).toThrow('WiX project has no ComponentGroup "ProductComponents"');
  });

  it('uses the same scheme the app registers at run time', () => {
    expect(LAUNCH_SCHEME).toBe(APP_LAUNCH_SCHEME);
  });
});

describe('electron-builder.yml', () => {
  const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
    validateConfiguration(config: unknown, debug: { isEnabled: boolean; add(): void }): Promise<void>;
  };
  const debug = { isEnabled: false, add() {} };

  it('passes electron-builder’s own schema validation', async () => {
    await expect(validateConfiguration(config, debug)).resolves.toBeUndefined();
  });

  it('accepts the Azure Trusted Signing options the Windows workflow passes (win.azureSignOptions)', async () => {
    const azureSignOptions = {
      endpoint: 'https://weu.codesigning.azure.net',
      codeSigningAccountName: 'wessex',
      certificateProfileName: 'wessex-release',
      publisherName: 'Wessex Care Records',
    };
    const signed = { ...config, win: { ...config.win, azureSignOptions } };
    await expect(validateConfiguration(signed, debug)).resolves.toBeUndefined();
  });

  it('is checked for real: a misspelt option fails the same validation', async () => {
    const misspelt = { ...config, msi: { ...config.msi, upgradecode: 'x' } };
    await expect(validateConfiguration(misspelt, debug)).rejects.toThrow(/configuration\.msi/);
  });

  it('sets the release fuses, a per-machine MSI with no auto-update, and registers the scheme on every platform', () => {
    const full = config as unknown as Record<string, Record<string, unknown> | unknown>;
    expect(full.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(config.msi).toMatchObject({
      perMachine: true,
      runAfterFinish: false,
      createDesktopShortcut: false,
    });
    expect(full.publish).toBeNull();
    expect(full.protocols).toEqual([{ name: 'Wessex Care Record launch', schemes: [APP_LAUNCH_SCHEME] }]);
    expect(full.asar).toBe(true);
    expect(full.asarUnpack).toEqual(['**/*.node']);
  });

  it('does not ship electron-updater', async () => {
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      scripts: Record<string, string>;
    };
    expect(pkg.dependencies).not.toHaveProperty('electron-updater');
    expect(Object.keys(pkg.scripts)).not.toContain('postinstall');
  });
});

describe('release fuse check (run in CI on the packaged executable)', () => {
  /** A stand-in binary with Electron's fuse wire: sentinel, version 1, length, then one byte per fuse. */
  async function fakeElectronBinary(file: string): Promise<void> {
    const wire = Buffer.from([1, 9, ...Array<number>(9).fill(FuseState.ENABLE)]);
    const padding = Buffer.alloc(4096, 0x90);
    await writeFile(
      file,
      Buffer.concat([padding, Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'), wire, padding]),
    );
  }

  it('expects exactly the fuses electron-builder.yml sets', async () => {
    const yml = (config as unknown as { electronFuses: Record<string, boolean> }).electronFuses;
    const asYml = Object.fromEntries(
      Object.entries(EXPECTED_FUSES).map(([name, value]) => [name[0]?.toLowerCase() + name.slice(1), value]),
    );
    expect(asYml).toEqual(yml);
  });

  it('fails on an unfused binary and passes once @electron/fuses has flipped our fuses', async () => {
    const binary = path.join(dir, 'Wessex Care Record.exe');
    await fakeElectronBinary(binary);
    expect(await checkFuses(binary)).toEqual([
      'RunAsNode should be disabled but is ENABLE',
      'EnableNodeOptionsEnvironmentVariable should be disabled but is ENABLE',
      'EnableNodeCliInspectArguments should be disabled but is ENABLE',
      'GrantFileProtocolExtraPrivileges should be disabled but is ENABLE',
    ]);
    await flipFuses(binary, {
      version: FuseVersion.V1,
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    });
    expect(await checkFuses(binary)).toEqual([]);
  });
});
