// Writes a run bundle as a campaign progresses. The manifest's `done` map is the source of
// truth for what finished. A repetition's raw outputs and samples are put on the disk (fsynced,
// with the directories naming them) before the manifest marks it done, so neither a killed
// process nor a crashed machine can leave a repetition marked done without its samples; a crash
// in between only leaves samples that --resume drops and redoes (ARCHITECTURE.md, "The run bundle").
import { readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Sample } from '../../model/measurement.js';
import { removeStaleTempFiles, writeFileAtomic } from './atomic.js';
import { appendDurable, mkdirDurable, syncDirsUpTo, syncTree } from './durable.js';
import { CAMPAIGN_COPY_FILE, manifestPath, samplesPath } from './layout.js';
import { BundleError, readManifest, readSamples } from './read.js';
import { canonicalizeCellKeys } from './rekey.js';
import type { BundleStatus, Manifest } from '../../model/bundle.js';
import { passKey } from './layout.js';
import type { PassKind } from '../../model/measurement.js';

/** A repetition's raw outputs: written into `partial`, renamed to `dir` when the repetition is recorded. */
export interface RawOutputs {
  partial: string;
  dir: string;
}

function samplesText(samples: Sample[]): string {
  return samples.map((s) => JSON.stringify(s) + '\n').join('');
}

export class BundleWriter {
  private constructor(
    readonly dir: string,
    readonly manifest: Manifest,
    /** On --resume, the samples of the repetitions done before (what the runner's decisions read). */
    readonly resumedSamples: readonly Sample[] = [],
  ) {}

  /** Starts a new bundle in `dir`, which must not exist or be empty, with the campaign file's text beside it. */
  static async create(dir: string, manifest: Manifest, campaignText: string): Promise<BundleWriter> {
    await mkdirDurable(dir);
    const existing = await readdir(dir);
    if (existing.length > 0) {
      throw new BundleError(`${dir} is not empty: pass a new --out directory, or --resume to complete the bundle there`);
    }
    const writer = new BundleWriter(dir, manifest);
    // Everything the manifest points to exists on the disk before the manifest does.
    await writeFileAtomic(samplesPath(dir), '');
    await writeFileAtomic(path.join(dir, CAMPAIGN_COPY_FILE), campaignText);
    await writer.save();
    return writer;
  }

  /**
   * Reopens an interrupted bundle. Samples of repetitions not marked done are dropped (they are
   * run again), and so is a torn last line of samples.jsonl (a crash in the middle of an append).
   */
  static async resume(dir: string): Promise<BundleWriter> {
    const manifest = await readManifest(dir);
    if (manifest.status === 'complete') throw new BundleError(`${dir} is already complete: nothing to resume`);
    await removeStaleTempFiles(dir);
    const samples = await readSamples(dir);
    // A bundle of an older format continues under this dmabench's cell keys (the plan's).
    canonicalizeCellKeys(manifest, samples);
    const kept = samples.filter((s) => manifest.done[passKey(s.cell, s.pass)]?.includes(s.rep));
    await writeFileAtomic(samplesPath(dir), samplesText(kept));
    manifest.status = 'running';
    delete manifest.interruptedBy;
    manifest.errors = [];
    const writer = new BundleWriter(dir, manifest, kept);
    await writer.save();
    return writer;
  }

  isDone(cell: string, pass: PassKind, rep: number): boolean {
    return this.manifest.done[passKey(cell, pass)]?.includes(rep) ?? false;
  }

  /**
   * Records a finished repetition, in the order that survives a crash at any point: the raw
   * outputs synced and renamed into place, the samples appended and synced, and only then the
   * manifest marking the repetition done (written atomically, directory synced).
   */
  async recordPass(cell: string, pass: PassKind, rep: number, samples: Sample[], raw?: RawOutputs): Promise<void> {
    if (raw) {
      await syncTree(raw.partial);
      await rm(raw.dir, { recursive: true, force: true });
      await rename(raw.partial, raw.dir);
      // raw/, raw/<cell>/ may be new too: every name down to the repetition's directory.
      await syncDirsUpTo(path.dirname(raw.dir), this.dir);
    }
    if (samples.length > 0) await appendDurable(samplesPath(this.dir), samplesText(samples));
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
