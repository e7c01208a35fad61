// electron-builder `msiProjectCreated` hook: receives the path of the generated WiX project (project.wxs) before
// candle/light compile it, and adds what the MSI target does not write by itself: the machine-wide registration of
// the launch URI scheme, and the machine policy folder only administrators can write. Idempotent: running it twice
// leaves one of each.
import { readFile, writeFile } from 'node:fs/promises';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';

/** Must equal LAUNCH_SCHEME in main/services/launch-scheme.ts (a test checks). */
export const LAUNCH_SCHEME = 'uk.nhs.wessexcarerecords';
export const COMPONENT_ID = 'WessexLaunchSchemeRegistration';
/** Fixed, never to change: Windows Installer tracks the component (and its removal) by this GUID. */
export const COMPONENT_GUID = '{D70675A0-C1B6-4E8E-958E-66318AC64DD8}';
const EXECUTABLE = '[APPLICATIONFOLDER]Wessex Care Record.exe';

/** %ProgramData%\WessexCareRecords, where IT puts policy.json (main/services/policy/windows-folders.ts). */
export const POLICY_FOLDER_NAME = 'WessexCareRecords';
export const POLICY_FOLDER_ID = 'WESSEXPOLICYFOLDER';
export const POLICY_FOLDER_COMPONENT_ID = 'WessexMachinePolicyFolder';
/** Fixed, never to change (as COMPONENT_GUID). */
export const POLICY_FOLDER_COMPONENT_GUID = '{4E22C324-7B28-4E3C-AEBA-A9DE5DA2D50B}';
/**
 * The folder's whole security descriptor (Windows Installer 5 MsiLockPermissionsEx, WiX PermissionEx): owned by
 * Administrators; a protected DACL (P), so nothing is inherited from ProgramData, whose own ACL lets every user
 * create files in its subfolders; full control for SYSTEM and Administrators; read and list (0x1200a9) for
 * Users, for this folder and everything in it (OICI). WiX's util:PermissionEx is not used: it adds entries to
 * the inherited ones instead of replacing them.
 */
export const POLICY_FOLDER_SDDL = 'O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)';

/** Parses XML, failing on anything that is not well-formed instead of guessing. */
export function parseXmlStrictly(text) {
  const fail = (message) => {
    throw new Error(`Not well-formed XML: ${message}`);
  };
  return new DOMParser({ errorHandler: { warning: fail, error: fail, fatalError: fail } }).parseFromString(
    text,
    'text/xml',
  );
}

function element(doc, ns, name, attributes, children = []) {
  const node = doc.createElementNS(ns, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  for (const child of children) node.appendChild(child);
  return node;
}

function stringValue(doc, ns, value, extra = {}) {
  return element(doc, ns, 'RegistryValue', { Type: 'string', Value: value, ...extra });
}

/** Returns the project with HKLM\Software\Classes\<scheme> registered to open the installed executable. */
export function addLaunchSchemeRegistration(wxs) {
  const doc = parseXmlStrictly(wxs);
  const root = doc.documentElement;
  const ns = root.namespaceURI;
  const groups = Array.from(root.getElementsByTagNameNS(ns, 'ComponentGroup'));
  const group = groups.find((node) => node.getAttribute('Id') === 'ProductComponents');
  if (!group) throw new Error('WiX project has no ComponentGroup "ProductComponents"');
  const existing = Array.from(root.getElementsByTagNameNS(ns, 'Component')).some(
    (node) => node.getAttribute('Id') === COMPONENT_ID,
  );
  if (existing) return wxs;

  const schemeKey = element(
    doc,
    ns,
    'RegistryKey',
    { Root: 'HKLM', Key: `Software\\Classes\\${LAUNCH_SCHEME}`, ForceDeleteOnUninstall: 'yes' },
    [
      stringValue(doc, ns, 'URL:Wessex Care Record launch', { KeyPath: 'yes' }),
      stringValue(doc, ns, '', { Name: 'URL Protocol' }),
      element(doc, ns, 'RegistryKey', { Key: 'DefaultIcon' }, [stringValue(doc, ns, `"${EXECUTABLE}",0`)]),
      element(doc, ns, 'RegistryKey', { Key: 'shell\\open\\command' }, [
        stringValue(doc, ns, `"${EXECUTABLE}" "%1"`),
      ]),
    ],
  );
  const component = element(doc, ns, 'Component', { Id: COMPONENT_ID, Guid: COMPONENT_GUID }, [schemeKey]);
  group.appendChild(doc.createTextNode('  '));
  group.appendChild(component);
  group.appendChild(doc.createTextNode('\n    '));
  return new XMLSerializer().serializeToString(doc);
}

function childElements(node, name) {
  return Array.from(node.childNodes).filter((child) => child.nodeType === 1 && child.localName === name);
}

/**
 * Returns the project with %ProgramData%\WessexCareRecords created at install, writable by Administrators and
 * SYSTEM only. Left in place at uninstall when IT's policy.json is in it (Windows Installer removes only empty
 * folders it created).
 */
export function addMachinePolicyFolder(wxs) {
  const doc = parseXmlStrictly(wxs);
  const root = doc.documentElement;
  const ns = root.namespaceURI;
  const directories = Array.from(root.getElementsByTagNameNS(ns, 'Directory'));
  if (directories.some((node) => node.getAttribute('Id') === POLICY_FOLDER_ID)) return wxs;
  const targetDir = directories.find((node) => node.getAttribute('Id') === 'TARGETDIR');
  if (!targetDir) throw new Error('WiX project has no Directory "TARGETDIR"');
  const group = Array.from(root.getElementsByTagNameNS(ns, 'ComponentGroup')).find(
    (node) => node.getAttribute('Id') === 'ProductComponents',
  );
  if (!group) throw new Error('WiX project has no ComponentGroup "ProductComponents"');

  let commonAppData = childElements(targetDir, 'Directory').find(
    (node) => node.getAttribute('Id') === 'CommonAppDataFolder',
  );
  if (!commonAppData) {
    commonAppData = element(doc, ns, 'Directory', { Id: 'CommonAppDataFolder' });
    targetDir.appendChild(doc.createTextNode('  '));
    targetDir.appendChild(commonAppData);
    targetDir.appendChild(doc.createTextNode('\n    '));
  }
  commonAppData.appendChild(
    element(doc, ns, 'Directory', { Id: POLICY_FOLDER_ID, Name: POLICY_FOLDER_NAME }),
  );

  const component = element(
    doc,
    ns,
    'Component',
    { Id: POLICY_FOLDER_COMPONENT_ID, Guid: POLICY_FOLDER_COMPONENT_GUID, Directory: POLICY_FOLDER_ID },
    [element(doc, ns, 'CreateFolder', {}, [element(doc, ns, 'PermissionEx', { Sddl: POLICY_FOLDER_SDDL })])],
  );
  group.appendChild(doc.createTextNode('  '));
  group.appendChild(component);
  group.appendChild(doc.createTextNode('\n    '));
  return new XMLSerializer().serializeToString(doc);
}

export default async function msiProjectCreated(projectFile) {
  const wxs = await readFile(projectFile, 'utf8');
  await writeFile(projectFile, addMachinePolicyFolder(addLaunchSchemeRegistration(wxs)));
}
