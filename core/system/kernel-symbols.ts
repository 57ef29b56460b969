// Which DMA mapping API the running kernel has, from /proc/kallsyms (readable without tracefs).
import { readText } from './sysfs.js';

/** Symbols that mark the APIs: the link API (6.16+) and dma_map_phys (6.18+). */
export const API_SYMBOLS: readonly string[] = ['dma_iova_try_alloc', 'dma_iova_link', 'dma_iova_destroy', 'dma_map_phys', 'dma_map_sg_attrs'];

/** Which of `wanted` appear as symbol names in kallsyms text ("addr type name [module]"). */
export function kallsymsPresent(text: string, wanted: readonly string[]): string[] {
  const want = new Set(wanted);
  const found = new Set<string>();
  for (const line of text.split('\n')) {
    const name = line.split(' ')[2];
    if (name !== undefined && want.has(name)) found.add(name);
  }
  return wanted.filter((w) => found.has(w));
}

export interface KernelApiInfo {
  kallsymsReadable: boolean;
  symbols: string[];
  linkApi: boolean;
  mapPhys: boolean;
}

export async function probeKernelApi(root: string): Promise<KernelApiInfo> {
  const text = await readText(root, '/proc/kallsyms');
  const symbols = text === undefined ? [] : kallsymsPresent(text, API_SYMBOLS);
  return {
    kallsymsReadable: text !== undefined,
    symbols,
    linkApi: symbols.includes('dma_iova_try_alloc') && symbols.includes('dma_iova_link'),
    mapPhys: symbols.includes('dma_map_phys'),
  };
}
