// Progress for long campaigns: one live status line on a terminal, plain lines otherwise
// (CI logs, `| tee`), always on stderr so stdout stays clean for machine-readable output.
import { formatDuration } from './plan.js';

export interface ProgressState {
  done: number;
  total: number;
  cell: string;
  pass: string;
  rep: number;
  /** Estimated seconds left, from the plan's estimates scaled by how fast we have actually been. */
  etaSec: number;
  elapsedSec: number;
  /**
   * `total` and `etaSec` count every adaptive cell that has not stopped up to its max: upper
   * bounds, shown as such (`[3/<=40]`, `ETA <=05:00`).
   */
  atMost?: boolean;
}

/**
 * Seconds left: the plan's estimate of the passes left, scaled by how fast this session went
 * through the passes it ran itself. Passes an earlier session finished (a resume) took no time now:
 * counted as speed they would make the ETA collapse to about zero (review M21).
 */
export function estimateRemainingSec(s: {
  /** The plan's estimate of the passes left. */
  leftSec: number;
  /** The plan's estimate of the passes this session has run. */
  ranSec: number;
  /** Time this session has spent. */
  elapsedSec: number;
}): number {
  const speed = s.ranSec > 0 && s.elapsedSec > 0 ? s.elapsedSec / s.ranSec : 1;
  return Math.max(0, s.leftSec) * speed;
}

export class Progress {
  private readonly tty: boolean;
  private lastLen = 0;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    // A serial console (the lab guest, TERM=dumb) is a TTY that cannot redraw a line.
    this.tty = Boolean(stream.isTTY) && process.env.CI !== 'true' && process.env.TERM !== 'dumb';
  }

  update(s: ProgressState): void {
    const bound = s.atMost ? '<=' : '';
    const text = `[${s.done + 1}/${bound}${s.total}] ${s.cell} ${s.pass} #${s.rep + 1}  elapsed ${formatDuration(s.elapsedSec)}  ETA ${bound}${formatDuration(s.etaSec)}`;
    if (this.tty) {
      const columns = this.stream.columns ?? 120;
      const line = text.length > columns - 1 ? text.slice(0, columns - 2) + '…' : text;
      this.stream.write(`\r${line}${' '.repeat(Math.max(0, this.lastLen - line.length))}`);
      this.lastLen = line.length;
    } else {
      this.stream.write(text + '\n');
    }
  }

  /** A message that must stay visible (errors, results). */
  log(line: string): void {
    if (this.tty && this.lastLen > 0) {
      this.stream.write(`\r${' '.repeat(this.lastLen)}\r`);
      this.lastLen = 0;
    }
    this.stream.write(line + '\n');
  }

  end(): void {
    if (this.tty && this.lastLen > 0) this.stream.write('\n');
    this.lastLen = 0;
  }
}
