package io.vmstate.gic.its;

/**
 * A decoded GITS_BASERn register: where a table lives in guest memory and how it is laid out.
 *
 * <pre>
 *  63    62  61..59  58..56  55..53  52..48         47..12 (4K/16K) or 47..16 + 15..12 (64K)  11..10  9..8      7..0
 * Valid Indir InnerC  Type   OuterC  EntrySize-1    Physical_Address                          Share   PageSize  Size (pages-1)
 * </pre>
 *
 * @param raw the register value
 * @param valid bit 63
 * @param indirect bit 62: two-level table (a level-1 array of 8-byte page pointers)
 * @param type bits 58:56; null for a reserved encoding
 * @param typeCode the raw type field
 * @param entrySize bytes per entry (field + 1)
 * @param pageSize 4096, 16384 or 65536; 0 for the reserved encoding 3
 * @param physicalAddress the table's guest physical address
 * @param pages number of pages (Size + 1)
 */
public record ItsBaser(
    long raw,
    boolean valid,
    boolean indirect,
    ItsTableType type,
    int typeCode,
    int entrySize,
    int pageSize,
    long physicalAddress,
    int pages) {

  public static final long VALID = 1L << 63;
  public static final long INDIRECT = 1L << 62;

  /** Decodes a register value. */
  public static ItsBaser decode(long raw) {
    int typeCode = (int) (raw >>> 56) & 0x7;
    int pageSize =
        switch ((int) (raw >>> 8) & 0x3) {
          case 0 -> 4096;
          case 1 -> 16384;
          case 2 -> 65536;
          default -> 0;
        };
    long pa;
    if (pageSize == 65536) {
      pa = (raw & 0x0000_ffff_ffff_0000L) | ((raw >>> 12 & 0xf) << 48);
    } else {
      pa = raw & 0x0000_ffff_ffff_f000L;
    }
    return new ItsBaser(
        raw,
        (raw & VALID) != 0,
        (raw & INDIRECT) != 0,
        ItsTableType.of(typeCode),
        typeCode,
        (int) (raw >>> 48 & 0x1f) + 1,
        pageSize,
        pa,
        (int) (raw & 0xff) + 1);
  }

  /** Encodes a valid table register (shareability and cacheability 0). */
  public static long encode(
      ItsTableType type, boolean indirect, int entrySize, int pageSize, long pa, int pages) {
    long sz =
        switch (pageSize) {
          case 4096 -> 0;
          case 16384 -> 1;
          case 65536 -> 2;
          default -> throw new IllegalArgumentException("page size " + pageSize);
        };
    if (entrySize < 1 || entrySize > 32 || pages < 1 || pages > 256) {
      throw new IllegalArgumentException("entry size " + entrySize + ", pages " + pages);
    }
    if (pa % pageSize != 0 || pa >>> 52 != 0) {
      throw new IllegalArgumentException("table address 0x" + Long.toHexString(pa));
    }
    long addr = pageSize == 65536 ? (pa & 0x0000_ffff_ffff_0000L) | ((pa >>> 48 & 0xf) << 12) : pa;
    return VALID
        | (indirect ? INDIRECT : 0)
        | ((long) type.code() << 56)
        | ((long) (entrySize - 1) << 48)
        | addr
        | (sz << 8)
        | (pages - 1);
  }

  /** Bytes of the (level-1, when indirect) table: pages × page size. */
  public long tableBytes() {
    return (long) pages * pageSize;
  }
}
