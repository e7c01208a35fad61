// The page side of the harness: the app's real compiled preload (out/preload/index.cjs) runs in the page, given
// the two Electron APIs it uses — contextBridge (defines window.wessex) and ipcRenderer (the invoke channel to
// the `__wessexInvoke` Playwright binding; events pushed back through `__wessexEmit`). So the e2e tests drive
// the contract's real client side, not a copy of it.
import { IPC_EVENT, IPC_INVOKE } from '../../../preload/contract';

export function harnessPreloadScript(preloadSource: string): string {
  return `(() => {
  const eventListeners = [];
  const electron = {
    contextBridge: {
      exposeInMainWorld(name, api) {
        Object.defineProperty(window, name, { value: Object.freeze(api), writable: false, configurable: false });
      },
    },
    ipcRenderer: {
      invoke(channel, ...args) {
        if (channel !== ${JSON.stringify(IPC_INVOKE)}) return Promise.reject(new Error('Unknown IPC channel'));
        return window.__wessexInvoke(...args).then((json) => JSON.parse(json));
      },
      on(channel, listener) {
        if (channel === ${JSON.stringify(IPC_EVENT)}) eventListeners.push(listener);
      },
    },
  };
  Object.defineProperty(window, '__wessexEmit', {
    value: (name, payload) => {
      for (const listener of eventListeners) {
        try { listener({}, name, payload); } catch (error) { console.error('Bridge listener failed', error); }
      }
    },
    writable: false,
    configurable: false,
  });
  const module = { exports: {} };
  const require = (id) => {
    if (id === 'electron') return electron;
    throw new Error('The preload may require only electron, not ' + id);
  };
  (function (require, module, exports) {
${preloadSource}
  })(require, module, module.exports);
})();`;
}
