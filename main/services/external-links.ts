// What may be handed to the system browser: https pages only (and the SMART authorize URL, which the launch
// service validates against the issuer allow-list itself before calling openExternal).
export function isSafeExternalUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return url.protocol === 'https:' && url.username === '' && url.password === '' && url.hostname !== '';
}
