// The doctor report for a terminal: what can run first, then every check with its advice.
import type { DoctorReport } from './doctor.js';

const MARK: Record<string, string> = { true: 'ok  ', warn: 'warn', false: 'FAIL' };

export function renderDoctor(report: DoctorReport): string {
  const s = report.system;
  const lines: string[] = [];
  lines.push(`dmabench doctor: ${s.hostname}, Linux ${s.kernel.release}, IOMMU ${s.iommu.mode}, ${s.cpu.cores} CPUs (${s.cpu.model})`);
  lines.push('');
  lines.push('What can run:');
  for (const cap of report.capabilities) {
    lines.push(`  ${cap.can.padEnd(6)}  ${cap.title}`);
    for (const why of cap.why) lines.push(`            - ${why}`);
  }
  lines.push('');
  lines.push('Checks:');
  const idWidth = Math.max(...report.checks.map((c) => c.id.length));
  for (const check of report.checks) {
    lines.push(`  ${MARK[String(check.ok)]}  ${check.id.padEnd(idWidth)}  ${check.summary}`);
    if (check.advice !== undefined && check.ok !== true) lines.push(`        ${' '.repeat(idWidth)}  → ${check.advice}`);
  }
  return lines.join('\n');
}
