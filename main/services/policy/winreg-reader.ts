// The Windows implementation of PolicyRegistryReader: winreg (pure JS over reg.exe), loaded only on win32.
import type { PolicyRegistryReader, RegistryHive, RegistryValue } from './registry';

interface WinregItem {
  name: string;
  type: string;
  value: string;
}

/** reg.exe prints DWORDs as hex ("0x1") and REG_MULTI_SZ entries joined by a literal "\0". */
export function fromRegExeItem(item: WinregItem): RegistryValue {
  const name = item.name === '(Default)' ? '' : item.name;
  switch (item.type) {
    case 'REG_DWORD':
    case 'REG_QWORD':
      return { name, type: item.type, data: Number.parseInt(item.value, 16) };
    case 'REG_MULTI_SZ':
      return { name, type: 'REG_MULTI_SZ', data: item.value.split('\\0') };
    case 'REG_SZ':
    case 'REG_EXPAND_SZ':
      return { name, type: item.type, data: item.value };
    default:
      return { name, type: item.type === 'REG_BINARY' ? 'REG_BINARY' : 'REG_NONE', data: item.value };
  }
}

export async function createWindowsRegistryReader(): Promise<PolicyRegistryReader> {
  const { default: Winreg } = await import('winreg');
  return {
    readValues(hive: RegistryHive, key: string) {
      const registry = new Winreg({ hive: hive === 'HKLM' ? Winreg.HKLM : Winreg.HKCU, key: `\\${key}` });
      return new Promise<RegistryValue[]>((resolve, reject) => {
        registry.keyExists((existsError, exists) => {
          if (existsError) return reject(existsError);
          if (!exists) return resolve([]);
          registry.values((error, items) => {
            if (error) reject(error);
            else resolve(items.map((item) => fromRegExeItem(item)));
          });
        });
      });
    },
  };
}
