// The preload script: exposes the bridge contract as `window.wessex` and nothing else.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  IPC_EVENT,
  IPC_INVOKE,
  bridgeEventNames,
  type BridgeErrorShape,
  type BridgeEventName,
  type WessexBridge,
} from './contract';

type Listener = (payload: unknown) => void;
const listeners = new Map<BridgeEventName, Set<Listener>>();

ipcRenderer.on(IPC_EVENT, (_event: IpcRendererEvent, name: BridgeEventName, payload: unknown) => {
  for (const listener of listeners.get(name) ?? []) listener(payload);
});

const bridge: WessexBridge = {
  async invoke(channel, args) {
    const outcome = (await ipcRenderer.invoke(IPC_INVOKE, channel, args)) as
      { ok: true; value: never } | { ok: false; error: BridgeErrorShape };
    if (outcome.ok) return outcome.value;
    throw Object.assign(new Error(outcome.error.message), { code: outcome.error.code });
  },
  on(event, listener) {
    if (!bridgeEventNames.includes(event)) throw new Error('Unknown event');
    const set = listeners.get(event) ?? new Set<Listener>();
    set.add(listener as Listener);
    listeners.set(event, set);
    return () => set.delete(listener as Listener);
  },
};

contextBridge.exposeInMainWorld('wessex', bridge);
