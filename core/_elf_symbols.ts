/**
 * The symbol table of an ELF executable: reading `.symtab` for `parseElf()` and finding the symbol
 * an address belongs to. Public through ./elf.ts, which re-exports {@linkcode symbolAt} and
 * {@linkcode ElfSymbol}.
 * @module
 */

/** A symbol from the `.symtab` section. */
export interface ElfSymbol {
  /** The symbol's name, never empty. */
  name: string;
  /** Guest address (load bias applied). */
  addr: number;
  /** Size in bytes; 0 when the object file did not say (hand-written assembly, labels). */
  size: number;
  /** Whether the symbol is a function (`STT_FUNC`). */
  isFunc: boolean;
}

// ELF constants of the section headers and the symbol table (System V gABI).
const SHDR_SIZE = 40;
const SYM_SIZE = 16;
const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;
const SHN_UNDEF = 0;
const SHN_LORESERVE = 0xff00;
const SHN_ABS = 0xfff1;
const STT_NOTYPE = 0;
const STT_OBJECT = 1;
const STT_FUNC = 2;

/**
 * Finds the symbol an address belongs to.
 *
 * A sized symbol contains `[addr, addr + size)`; when several do, the one starting last wins. A
 * function of size 0 (hand-written assembly without `.size`) is taken to run up to the next
 * function.
 *
 * @param symbols symbols sorted by address, as in `ElfImage.symbols` (./elf.ts)
 * @param addr a guest address
 * @returns the symbol, or `undefined` when no symbol covers `addr`
 *
 * @example Naming a pc
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { symbolAt } from "./elf.ts";
 *
 * const symbols = [
 *   { name: "_start", addr: 0x10094, size: 0, isFunc: true },
 *   { name: "main", addr: 0x100ae, size: 0x20, isFunc: true },
 * ];
 * assertEquals(symbolAt(symbols, 0x100a0)?.name, "_start");
 * assertEquals(symbolAt(symbols, 0x100b0)?.name, "main");
 * assertEquals(symbolAt(symbols, 0x100ce), undefined);
 * ```
 */
export function symbolAt(symbols: ElfSymbol[], addr: number): ElfSymbol | undefined {
  addr >>>= 0;
  let lo = 0;
  let hi = symbols.length; // find the first symbol starting above addr
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (symbols[mid]!.addr <= addr) lo = mid + 1; // lo <= mid < hi <= length
    else hi = mid;
  }
  // Walk back no further than the nearest function: an earlier symbol spanning past a function
  // would be a malformed table.
  for (let i = lo - 1; i >= 0; i--) {
    const s = symbols[i]!; // i < lo <= length
    if (s.size > 0 && addr < s.addr + s.size) return s;
    if (s.isFunc) return s.size === 0 ? s : undefined;
  }
  return undefined;
}

/** Reads `.symtab` for `parseElf()`. A missing or malformed table gives `[]`: symbols are a
 * debugging aid and must never stop a program from running. */
export function readSymbols(bytes: Uint8Array, view: DataView, loadBias: number): ElfSymbol[] {
  const u16 = (at: number): number => view.getUint16(at, true);
  const u32 = (at: number): number => view.getUint32(at, true);
  const inFile = (offset: number, size: number): boolean => offset + size <= bytes.length;

  const shoff = u32(32);
  const shentsize = u16(46);
  const shnum = u16(48);
  if (shoff === 0 || shnum === 0 || shentsize !== SHDR_SIZE || !inFile(shoff, shnum * SHDR_SIZE)) {
    return [];
  }
  const section = (i: number) => {
    const at = shoff + i * SHDR_SIZE;
    return { type: u32(at + 4), offset: u32(at + 16), size: u32(at + 20), link: u32(at + 24) };
  };
  let symtab;
  for (let i = 0; i < shnum && !symtab; i++) {
    if (section(i).type === SHT_SYMTAB) symtab = section(i);
  }
  if (!symtab || symtab.link >= shnum || !inFile(symtab.offset, symtab.size)) return [];
  const strtab = section(symtab.link);
  if (strtab.type !== SHT_STRTAB || !inFile(strtab.offset, strtab.size)) return [];
  const strings = bytes.subarray(strtab.offset, strtab.offset + strtab.size);

  const decoder = new TextDecoder();
  const symbols: ElfSymbol[] = [];
  const count = Math.floor(symtab.size / SYM_SIZE);
  for (let i = 0; i < count; i++) {
    const at = symtab.offset + i * SYM_SIZE;
    const nameOffset = u32(at);
    const kind = view.getUint8(at + 12) & 0xf;
    const shndx = u16(at + 14);
    if (kind !== STT_FUNC && kind !== STT_OBJECT && kind !== STT_NOTYPE) continue;
    if (shndx === SHN_UNDEF || (shndx >= SHN_LORESERVE && shndx !== SHN_ABS)) continue;
    if (nameOffset >= strings.length) return [];
    const end = strings.indexOf(0, nameOffset);
    if (end < 0) return [];
    const name = decoder.decode(strings.subarray(nameOffset, end));
    // "$x..." and "$d" are RISC-V mapping symbols, ".L..." assembler-local labels.
    if (name === "" || name.startsWith("$") || name.startsWith(".L")) continue;
    const value = u32(at + 4);
    symbols.push({
      name,
      addr: shndx === SHN_ABS ? value : (value + loadBias) >>> 0,
      size: u32(at + 8),
      isFunc: kind === STT_FUNC,
    });
  }
  // At one address, put the best name last, where symbolAt() looks first: functions over other
  // symbols, sized over unsized.
  return symbols.sort((a, b) =>
    a.addr - b.addr || Number(a.isFunc) - Number(b.isFunc) || a.size - b.size ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  );
}
