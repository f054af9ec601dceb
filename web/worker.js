// Runs the engine (smartpower.wasm) off the page's thread, so the sliders stay responsive
// while an ensemble runs. Messages: {id, fn: 'simulate' | 'validate' | 'run', args: [...]}
// in; {id, result (parsed JSON), ms} out.
/* global createSmartpower */
importScripts('smartpower.js');
const ready = createSmartpower();
self.onmessage = async (e) => {
  const { id, fn, args } = e.data;
  const engine = await ready;
  const t0 = performance.now();
  let result;
  try {
    result = JSON.parse(engine[fn](...args));
  } catch (err) {
    result = { ok: false, messages: [{ line: 0, column: 0, message: String(err) }] };
  }
  self.postMessage({ id, result, ms: performance.now() - t0 });
};
