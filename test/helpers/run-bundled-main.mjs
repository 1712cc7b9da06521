// Runs the bundled desktop main process (argv[2]: its main.mjs) with test/helpers/fake-electron.mjs
// as `electron`, drives what it registered, and prints what happened as one JSON line.
import { register } from 'node:module';

const fakeUrl = new URL('./fake-electron.mjs', import.meta.url).href;
register(`data:text/javascript,${encodeURIComponent(`
export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: ${JSON.stringify(fakeUrl)}, shortCircuit: true };
  return next(specifier, context);
}`)}`);

const electron = await import(fakeUrl);
const { recorded } = electron;
await import(new URL(process.argv[2], `file://${process.cwd()}/`).href);
electron.becomeReady();
await new Promise((resolve) => setTimeout(resolve, 100));

const page = { senderFrame: { url: 'app://atlas/index.html', parent: null } };
const call = recorded.ipcHandlers.get('atlas:call');
const samples = await call(page, { method: 'snapshots.samples', params: {} });
const sample = await call(page, { method: 'snapshots.openSample', params: { name: 'lab-q35-mixed' } });
const refused = await call({ senderFrame: { url: 'https://evil.example/', parent: null } }, { method: 'snapshots.samples', params: {} });
const appProtocol = recorded.protocolHandlers.get('app');
const answer = async (url) => {
  const response = await appProtocol(new Request(url));
  return { status: response.status, type: response.headers.get('content-type'), csp: response.headers.get('content-security-policy'), body: (await response.text()).slice(0, 200) };
};
const window = recorded.windows[0];
const permission = await new Promise((resolve) => recorded.permissionRequestHandler(null, 'media', resolve, {}));
const cancel = (url) => new Promise((resolve) => recorded.beforeRequest.handler({ url }, (r) => resolve(r.cancel)));
// ATLAS_TEST_SSH_ALIAS: collect that ~/.ssh/config host through the bundle (ssh2 inside it),
// accepting its host key when the prompt event comes.
let ssh = null;
if (process.env.ATLAS_TEST_SSH_ALIAS) {
  const hosts = await call(page, { method: 'hosts.list', params: {} });
  const host = hosts.result.find((h) => h.target === process.env.ATLAS_TEST_SSH_ALIAS);
  const collecting = call(page, { method: 'hosts.collect', params: { id: host.id } });
  let prompt;
  while (!(prompt = recorded.sent.find((s) => s.message.event === 'hostKey.prompt'))) await new Promise((resolve) => setTimeout(resolve, 20));
  const answered = await call(page, { method: 'hostKey.answer', params: { promptId: prompt.message.payload.promptId, accept: true } });
  ssh = { prompt: prompt.message.payload, answered, collected: await collecting };
}
const help = recorded.menu.template.find((m) => m.label === '&Help').submenu[0];
help.click();
await new Promise((resolve) => setTimeout(resolve, 20));

process.stdout.write(`${JSON.stringify({
  privilegedSchemes: recorded.privilegedSchemes,
  sandboxEnabled: recorded.sandboxEnabled,
  ipcChannels: [...recorded.ipcHandlers.keys()],
  protocolSchemes: [...recorded.protocolHandlers.keys()],
  samples,
  sample,
  refused,
  index: await answer('app://atlas/index.html'),
  asset: await answer('app://atlas/assets/app.js'),
  traversal: await answer('app://atlas/..%2f..%2felectron%2fmain.mjs'),
  otherHost: await answer('app://evil/index.html'),
  window: { options: window.options, loaded: window.loaded },
  windows: recorded.windows.length,
  events: recorded.sent,
  menu: recorded.menu.template.map((m) => m.label ?? m.role),
  permission,
  permissionCheck: recorded.permissionCheckHandler(null, 'geolocation', 'app://atlas', {}),
  requests: { app: await cancel('app://atlas/index.html'), https: await cancel('https://example.com/x.js'), ws: await cancel('ws://127.0.0.1:7311/api') },
  beforeRequestFilter: recorded.beforeRequest.filter,
  openedExternally: recorded.openedExternally,
  appEvents: [...recorded.appEvents.keys()].sort(),
  ssh,
})}\n`);
process.exit(0);
