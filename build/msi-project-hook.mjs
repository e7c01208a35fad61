// electron-builder `msiProjectCreated` hook: receives the path of the generated WiX project (project.wxs) before
// candle/light compile it, and adds the machine-wide registration of the launch URI scheme, which the MSI target
// does not write by itself. Idempotent: running it twice leaves one registration.
import { readFile, writeFile } from 'node:fs/promises';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';

/** Must equal LAUNCH_SCHEME in main/services/launch-scheme.ts (a test checks). */
export const LAUNCH_SCHEME = 'uk.nhs.wessexcarerecords';
export const COMPONENT_ID = 'WessexLaunchSchemeRegistration';
/** Fixed, never to change: Windows Installer tracks the component (and its removal) by this GUID. */
export const COMPONENT_GUID = '{D70675A0-C1B6-4E8E-958E-66318AC64DD8}';
const EXECUTABLE = '[APPLICATIONFOLDER]Wessex Care Record.exe';

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

export default async function msiProjectCreated(projectFile) {
  const wxs = await readFile(projectFile, 'utf8');
  await writeFile(projectFile, addLaunchSchemeRegistration(wxs));
}
