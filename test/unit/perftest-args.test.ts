import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildClientArgs, buildRemoteServerSsh, buildServerArgs, shellQuote } from '../../collectors/perftest/args.js';
import { parsePerftestParams, validatePerftestParams } from '../../collectors/perftest/params.js';
import { estimatePerftestSeconds } from '../../collectors/perftest/estimate.js';
import { validateCellParams } from '../../runner/registry.js';

test('defaults: 64 KiB, perftest port, no device unless rxe', () => {
  const p = parsePerftestParams({});
  assert.deepEqual(buildServerArgs(p), ['-F', '-p', '18515', '-s', '65536']);
  assert.deepEqual(buildClientArgs(p, '127.0.0.1'), ['-F', '-p', '18515', '-s', '65536', '127.0.0.1']);
  assert.equal(parsePerftestParams({ rxe: true }).device, 'rxe0');
});

test('every option maps to its perftest flag, the same on both sides', () => {
  const p = parsePerftestParams({
    device: 'rxe0',
    size: 'all',
    iterations: 20,
    qps: 2,
    tx_depth: 64,
    inline_size: 0,
    odp: true,
    bidirectional: true,
    report_gbits: true,
    port: 18600,
    gid_index: 1,
    mtu: 1024,
  });
  const server = buildServerArgs(p, { jsonFile: '/r/server-out.json' });
  assert.deepEqual(server, ['-d', 'rxe0', '-F', '-p', '18600', '-a', '-n', '20', '-q', '2', '-t', '64', '-I', '0', '-x', '1', '-m', '1024', '-b', '--odp', '--report_gbits', '--out_json', '--out_json_file=/r/server-out.json']);
  const client = buildClientArgs(p, '127.0.0.1', { jsonFile: '/r/client-out.json' });
  assert.deepEqual(client.slice(0, -3), server.slice(0, -2));
  assert.deepEqual(client.slice(-3), ['--out_json', '--out_json_file=/r/client-out.json', '127.0.0.1']);
  assert.deepEqual(buildServerArgs(parsePerftestParams({ size: 4096, duration: 2 })), ['-F', '-p', '18515', '-s', '4096', '-D', '2']);
});

test('strings from a command line are accepted like YAML numbers and booleans', () => {
  const p = parsePerftestParams({ size: '4096', iterations: '100', rxe: 'true', mtu: '2048' });
  assert.equal(p.size, 4096);
  assert.equal(p.iterations, 100);
  assert.equal(p.rxe, true);
  assert.equal(p.mtu, 2048);
});

test('bad cells are refused with the offending key', () => {
  const paths = (params: Record<string, string | number | boolean>) => validatePerftestParams(params).map((i) => i.path.join('.'));
  assert.deepEqual(paths({ iterations: 10, duration: 2 }), ['duration']);
  assert.deepEqual(paths({ iterations: 4 }), ['iterations']);
  assert.deepEqual(paths({ mtu: 1500 }), ['mtu']);
  assert.deepEqual(paths({ size: 0 }), ['size']);
  assert.deepEqual(paths({ device: 'rxe0; reboot' }), ['device']);
  assert.deepEqual(paths({ port: 70000 }), ['port']);
  assert.deepEqual(paths({ bs: 4096 }), ['']);
  assert.deepEqual(paths({ rxe: true, 'remote.host': 'peer', 'remote.user': 'root' }), ['rxe']);
  // A word that is not Key=Value, and a key that would run a local command.
  assert.deepEqual(paths({ 'remote.host': 'peer', 'remote.user': 'root', 'remote.ssh_options': 'Port=22 -c' }), ['remote.sshOptions.1']);
  assert.deepEqual(paths({ 'remote.host': 'peer', 'remote.user': 'root', 'remote.ssh_options': 'ProxyCommand=nc' }), ['remote.sshOptions.0']);
  assert.deepEqual(paths({ 'remote.host': '-oProxyCommand=x', 'remote.user': 'root' }), ['remote.host']);
  // Through the registry, as `plan` does.
  assert.equal(validateCellParams('ib_write_bw', { size: 4096, iterations: 200, rxe: true }).length, 0);
  assert.ok(validateCellParams('ib_write_bw', { size: 'big' }).length > 0);
});

test('remote server: ssh argument array, BatchMode, each remote word quoted, a remote timeout', () => {
  const p = parsePerftestParams({ size: 65536, iterations: 100, device: 'mlx5_0', 'remote.host': 'peer.lab', 'remote.user': 'bench', 'remote.ssh_options': 'Port=2222 IdentityFile=/root/.ssh/lab', 'remote.device': 'mlx5_1' });
  assert.deepEqual(p.remote, { host: 'peer.lab', user: 'bench', sshOptions: ['Port=2222', 'IdentityFile=/root/.ssh/lab'], device: 'mlx5_1' });
  const ssh = buildRemoteServerSsh(p.remote!, buildServerArgs(p, { device: p.remote!.device }), 90.5);
  assert.deepEqual(ssh, ['-o', 'BatchMode=yes', '-o', 'Port=2222', '-o', 'IdentityFile=/root/.ssh/lab', 'bench@peer.lab', '--', 'timeout', '-k', '5', '91', 'ib_write_bw', '-d', 'mlx5_1', '-F', '-p', '18515', '-s', '65536', '-n', '100']);
});

test('shellQuote keeps one word one word', () => {
  assert.equal(shellQuote('--out_json_file=/tmp/a.json'), '--out_json_file=/tmp/a.json');
  assert.equal(shellQuote('a b'), "'a b'");
  assert.equal(shellQuote("it's"), "'it'\\''s'");
  assert.equal(shellQuote('$(reboot)'), "'$(reboot)'");
});

test('estimates grow with size, iterations and duration', () => {
  const est = (params: Record<string, string | number | boolean>) => estimatePerftestSeconds(parsePerftestParams(params));
  assert.ok(est({ size: 262144, iterations: 200 }) > est({ size: 4096, iterations: 200 }));
  assert.equal(est({ size: 4096, duration: 2 }), 2 + 2 + 4);
  assert.equal(est({ size: 4096, duration: 2, rxe: true }), 2 + 1 + 2 + 4);
  assert.ok(est({ size: 'all', iterations: 20 }) > est({ size: 8388608, iterations: 20 }));
});
