// Writes a run bundle as a campaign progresses. The manifest's `done` map is the source of
// truth for what finished: samples of a repetition are appended first, then the repetition
// is marked done, so a crash in between only leaves samples that --resume drops and redoes.
import { appendFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import type { Sample } from '../../model/measurement.js';
import { writeFileAtomic } from './atomic.js';
import { manifestPath, samplesPath } from './layout.js';
import { BundleError, readManifest, readSamples } from './read.js';
import type { BundleStatus, Manifest } from '../../model/bundle.js';
import { passKey } from './layout.js';
import type { PassKind } from '../../model/measurement.js';

export class BundleWriter {
  private constructor(
    readonly dir: string,
    readonly manifest: Manifest,
  ) {}

  /** Starts a new bundle in `dir`, which must not exist or be empty. */
  static async create(dir: string, manifest: Manifest): Promise<BundleWriter> {
    await mkdir(dir, { recursive: true });
    const existing = await readdir(dir);
    if (existing.length > 0) {
      throw new BundleError(`${dir} is not empty: pass a new --out directory, or --resume to complete the bundle there`);
    }
    const writer = new BundleWriter(dir, manifest);
    await writeFile(samplesPath(dir), '');
    await writer.save();
    return writer;
  }

  /** Reopens an interrupted bundle; samples of repetitions not marked done are dropped. */
  static async resume(dir: string): Promise<BundleWriter> {
    const manifest = await readManifest(dir);
    if (manifest.status === 'complete') throw new BundleError(`${dir} is already complete: nothing to resume`);
    const samples = await readSamples(dir);
    const kept = samples.filter((s) => manifest.done[passKey(s.cell, s.pass)]?.includes(s.rep));
    await writeFileAtomic(samplesPath(dir), kept.map((s) => JSON.stringify(s) + '\n').join(''));
    manifest.status = 'running';
    delete manifest.interruptedBy;
    manifest.errors = [];
    const writer = new BundleWriter(dir, manifest);
    await writer.save();
    return writer;
  }

  isDone(cell: string, pass: PassKind, rep: number): boolean {
    return this.manifest.done[passKey(cell, pass)]?.includes(rep) ?? false;
  }

  async recordPass(cell: string, pass: PassKind, rep: number, samples: Sample[]): Promise<void> {
    if (samples.length > 0) await appendFile(samplesPath(this.dir), samples.map((s) => JSON.stringify(s) + '\n').join(''));
    const key = passKey(cell, pass);
    (this.manifest.done[key] ??= []).push(rep);
    await this.save();
  }

  async recordError(cell: string, pass: PassKind, rep: number, message: string): Promise<void> {
    this.manifest.errors.push({ cell, pass, rep, message });
    await this.save();
  }

  async finish(status: BundleStatus, interruptedBy?: string): Promise<void> {
    this.manifest.status = status;
    this.manifest.endedAt = new Date().toISOString();
    if (interruptedBy) this.manifest.interruptedBy = interruptedBy;
    await this.save();
  }

  save(): Promise<void> {
    return writeFileAtomic(manifestPath(this.dir), JSON.stringify(this.manifest, null, 2) + '\n');
  }
}
