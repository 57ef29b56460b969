import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture } from '../helpers/paths.js';
import {
  majorOf,
  parseBlkidVersion,
  parseBpftraceVersion,
  parseDebootstrapVersion,
  parseFioVersion,
  parseGccVersion,
  parsePerfVersion,
  parsePerftestVersion,
  parseQemuVersion,
  parseTraceCmdVersion,
} from '../../core/system/version-parsers.js';

const read = (name: string): string => readFileSync(fixture('versions', name), 'utf8');

const CASES: [string, (t: string) => string | undefined, string][] = [
  ['fio-3.33.txt', parseFioVersion, '3.33'],
  ['perf-6.1.187.txt', parsePerfVersion, '6.1.187'],
  ['trace-cmd-3.1.6.txt', parseTraceCmdVersion, '3.1.6'],
  ['ib_write_bw-6.06.txt', parsePerftestVersion, '6.06'],
  ['qemu-system-x86_64-7.2.22.txt', parseQemuVersion, '7.2.22'],
  ['debootstrap-1.0.128.txt', parseDebootstrapVersion, '1.0.128+nmu2+deb12u2'],
  ['bpftrace-0.17.0.txt', parseBpftraceVersion, '0.17.0'],
  ['gcc-12.2.0.txt', parseGccVersion, '12.2.0'],
  ['blkid-2.38.1.txt', parseBlkidVersion, '2.38.1'],
];

for (const [file, parse, expected] of CASES) {
  test(`${parse.name} reads ${file}`, () => {
    assert.equal(parse(read(file)), expected);
  });
}

test('each parser rejects every other tool banner', () => {
  for (const [file, , ] of CASES) {
    const text = read(file);
    for (const [otherFile, parse] of CASES) {
      if (otherFile === file) continue;
      assert.equal(parse(text), undefined, `${parse.name} on ${file}`);
    }
  }
});

test('parsers return undefined on empty output', () => {
  for (const [, parse] of CASES) assert.equal(parse(''), undefined);
});

test('majorOf takes the leading number', () => {
  assert.equal(majorOf(parseGccVersion(read('gcc-12.2.0.txt')) ?? ''), 12);
  assert.equal(majorOf('x.y'), undefined);
});
