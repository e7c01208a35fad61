// What the page gets as `window.wessex` in the harness: the same shape the Electron preload exposes,
// forwarding invokes to the `__wessexInvoke` Playwright binding and receiving events pushed through
// `__wessexEmit`. Kept as page-side source text so no bundler or transpiler helper leaks into it.
export const HARNESS_BRIDGE_SCRIPT = `(() => {
  const listeners = new Map();
  const bridge = {
    invoke(channel, args) {
      return window.__wessexInvoke(channel, args).then((json) => {
        const out = JSON.parse(json);
        if (out && out.ok) return out.value;
        const error = new Error((out && out.error && out.error.message) || 'The request failed.');
        error.code = out && out.error && out.error.code;
        throw error;
      });
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
  };
  Object.defineProperty(window, 'wessex', { value: Object.freeze(bridge), writable: false, configurable: false });
  Object.defineProperty(window, '__wessexEmit', {
    value: (name, payload) => {
      for (const listener of listeners.get(name) || []) {
        try { listener(payload); } catch (error) { console.error('Bridge listener failed', error); }
      }
    },
    writable: false,
    configurable: false,
  });
})();`;
