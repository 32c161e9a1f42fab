package io.vmstate.stream.ram;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.WireOutput;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The body of QEMU's {@code "ram"} sections (instance 0, version 4; reference §6): records that
 * each start with {@code be64 (offset | flags)}, the flags being the bits below the target page
 * size.
 *
 * <pre>
 * MEM_SIZE 0x04  total | 0x04, then per block: str8 idstr, be64 used_length [, be64 mr_addr]
 * ZERO     0x02  addr | 0x02 [| 0x20], [str8 block], u8 fill
 * PAGE     0x08  addr | 0x08 [| 0x20], [str8 block], page bytes
 * EOS      0x10  ends the section body
 * MULTIFD_FLUSH 0x200 (8.0+), ignored
 * CONTINUE 0x20  the block is the previous record's (no name follows)
 * </pre>
 *
 * XBZRLE (0x40), HOOK (0x80, RDMA) and COMPRESS_PAGE (0x100) are refused with a clear error. One
 * instance keeps the state that spans the START, PART and END sections of a stream: the block list
 * and the last block.
 */
public final class RamSection {
  public static final String IDSTR = "ram";
  public static final int VERSION = 4;

  public static final int FLAG_ZERO = 0x02;
  public static final int FLAG_MEM_SIZE = 0x04;
  public static final int FLAG_PAGE = 0x08;
  public static final int FLAG_EOS = 0x10;
  public static final int FLAG_CONTINUE = 0x20;
  public static final int FLAG_XBZRLE = 0x40;
  public static final int FLAG_HOOK = 0x80;
  public static final int FLAG_COMPRESS_PAGE = 0x100;
  public static final int FLAG_MULTIFD_FLUSH = 0x200;

  /** At most this many blocks in a block list. */
  public static final int MAX_BLOCKS = 4096;

  private final int pageSize;
  private final boolean ignoreShared;
  private final List<RamBlock> blocks = new ArrayList<>();
  private final Map<String, RamBlock> byName = new HashMap<>();
  private RamBlock last;
  private long pageAddr;
  private boolean pageContinued;

  /**
   * @param pageSize the target page size (a power of two, at least 1 KiB)
   * @param ignoreShared whether the {@code x-ignore-shared} capability is on (adds mr_addr)
   */
  public RamSection(int pageSize, boolean ignoreShared) {
    if (pageSize < 1024 || Integer.bitCount(pageSize) != 1) {
      throw new IllegalArgumentException("page size " + pageSize + " is not a power of two >= 1K");
    }
    this.pageSize = pageSize;
    this.ignoreShared = ignoreShared;
  }

  /** The target page size in bytes (the length of a PAGE record's data). */
  public int pageSize() {
    return pageSize;
  }

  /** The block list read so far. */
  public List<RamBlock> blocks() {
    return List.copyOf(blocks);
  }

  /** What one record of a section body was ({@link #readRecord}). */
  public enum Record {
    BLOCKS,
    ZERO,
    PAGE,
    FLUSH,
    EOS
  }

  /** Reads one section body, up to and including EOS. */
  public void read(WireInput in, RamSink sink) throws VmStateException {
    while (true) {
      long at = in.position();
      Record r = readRecord(in, sink);
      if (r == Record.EOS) {
        return;
      }
      if (r == Record.PAGE) {
        try {
          sink.page(last, pageAddr, pageContinued, in, pageSize);
        } catch (VmStateException e) {
          throw e.atOffset(at);
        }
      }
    }
  }

  /**
   * Reads one record and reports it to {@code sink}, except a {@link Record#PAGE}'s bytes: for
   * those only the record header is read, and the {@link #pageSize()} page bytes that follow in the
   * input are the caller's to consume ({@link #read} hands them to {@link RamSink#page}; a push
   * parser skips them where they arrived). Reading a record again from its first byte after it was
   * cut short gives the same result, so a push parser can retry it when more bytes arrived.
   */
  public Record readRecord(WireInput in, RamSink sink) throws VmStateException {
    long mask = pageSize - 1;
    long at = in.position();
    long word = in.readBe64();
    int flags = (int) (word & mask);
    long addr = word & ~mask;
    int kind = flags & ~FLAG_CONTINUE;
    boolean cont = (flags & FLAG_CONTINUE) != 0;
    try {
      switch (kind) {
        case FLAG_MEM_SIZE -> {
          readBlockList(in, addr, sink);
          return Record.BLOCKS;
        }
        case FLAG_ZERO -> {
          RamBlock b = block(in, cont, addr);
          sink.zeroPage(b, addr, cont, in.readU8());
          return Record.ZERO;
        }
        case FLAG_PAGE -> {
          block(in, cont, addr);
          pageAddr = addr;
          pageContinued = cont;
          return Record.PAGE;
        }
        case FLAG_EOS -> {
          sink.endOfSection();
          return Record.EOS;
        }
        case FLAG_MULTIFD_FLUSH -> {
          sink.multifdFlush();
          return Record.FLUSH;
        }
        case FLAG_XBZRLE ->
            throw VmStateDecodeException.corrupt(
                "XBZRLE-compressed RAM pages are not supported; migrate without the xbzrle"
                    + " capability");
        case FLAG_COMPRESS_PAGE ->
            throw VmStateDecodeException.corrupt(
                "zlib-compressed RAM pages are not supported; migrate without the compress"
                    + " capability");
        default -> {
          if ((flags & FLAG_HOOK) != 0) {
            throw VmStateDecodeException.corrupt(
                "RAM hook record (RDMA) in a stream: not supported");
          }
          throw VmStateDecodeException.corrupt(
              String.format("Unknown combination of migration flags: 0x%x", flags));
        }
      }
    } catch (VmStateException e) {
      throw e.atOffset(at);
    }
  }

  /** The block of the last {@link Record#PAGE} record read. */
  public RamBlock pageBlock() {
    return last;
  }

  /** The address (in its block) of the last {@link Record#PAGE} record read. */
  public long pageAddr() {
    return pageAddr;
  }

  private void readBlockList(WireInput in, long total, RamSink sink) throws VmStateException {
    List<RamBlock> list = new ArrayList<>();
    long sum = 0;
    while (sum < total) {
      long at = in.position();
      if (list.size() >= MAX_BLOCKS) {
        throw VmStateDecodeException.limitExceeded("RAM block count", list.size() + 1, MAX_BLOCKS)
            .atOffset(at);
      }
      String name = in.readStr8();
      if (name.isEmpty()) {
        throw VmStateDecodeException.corrupt("RAM block with an empty name").atOffset(at);
      }
      long len = in.readBe64();
      long mr = ignoreShared ? in.readBe64() : -1;
      if (len < 0 || len > total - sum) {
        throw VmStateDecodeException.corrupt(
                "RAM block '" + name + "' length " + len + " overruns the announced total " + total)
            .atOffset(at);
      }
      sum += len;
      RamBlock b = new RamBlock(name, len, mr);
      list.add(b);
    }
    blocks.clear();
    byName.clear();
    for (RamBlock b : list) {
      blocks.add(b);
      byName.put(b.idstr(), b);
    }
    last = null;
    sink.blocks(total, List.copyOf(list));
  }

  private boolean inBlock(RamBlock b, long addr) {
    return addr <= b.usedLength() - pageSize;
  }

  /**
   * Takes a record's 8-byte header read by the caller (a receiver whose bytes are in its own
   * buffers): when it is a PAGE record that continues the last block within its size, it is taken
   * as {@link #readRecord} would take it and the answer is true (the page's bytes follow the
   * header); for anything else the answer is false, nothing was done, and {@link #readRecord} reads
   * the record (and reports what is wrong with it).
   */
  public boolean continuedPage(long word) {
    long mask = pageSize - 1;
    long addr = word & ~mask;
    if ((word & mask) != (FLAG_PAGE | FLAG_CONTINUE) || last == null || !inBlock(last, addr)) {
      return false;
    }
    pageAddr = addr;
    pageContinued = true;
    return true;
  }

  private RamBlock block(WireInput in, boolean cont, long addr) throws VmStateException {
    RamBlock b;
    if (cont) {
      if (last == null) {
        throw VmStateDecodeException.corrupt(
            "RAM page with CONTINUE but no previous block (Ack, bad migration stream!)");
      }
      b = last;
    } else {
      long at = in.position();
      String name = in.readStr8();
      b = byName.get(name);
      if (b == null) {
        throw VmStateDecodeException.corrupt("Unknown ramblock \"" + name + "\"").atOffset(at);
      }
    }
    if (!inBlock(b, addr)) {
      throw VmStateDecodeException.corrupt(
          String.format(
              "RAM page at 0x%x lies outside block '%s' of 0x%x bytes",
              addr, b.idstr(), b.usedLength()));
    }
    last = b;
    return b;
  }

  // ---- writing ----

  /** Writes a MEM_SIZE record with the block list. */
  public static void writeBlockList(WireOutput out, List<RamBlock> blocks, boolean ignoreShared)
      throws VmStateException {
    long total = 0;
    for (RamBlock b : blocks) {
      total += b.usedLength();
    }
    out.writeBe64(total | FLAG_MEM_SIZE);
    for (RamBlock b : blocks) {
      out.writeStr8(b.idstr());
      out.writeBe64(b.usedLength());
      if (ignoreShared) {
        out.writeBe64(b.mrAddr());
      }
    }
  }

  /** Writes a ZERO record. */
  public static void writeZeroPage(
      WireOutput out, RamBlock block, long addr, boolean continued, int fill)
      throws VmStateException {
    out.writeBe64(addr | FLAG_ZERO | (continued ? FLAG_CONTINUE : 0));
    if (!continued) {
      out.writeStr8(block.idstr());
    }
    out.writeU8(fill);
  }

  /** Writes a PAGE record header; the caller writes the page bytes. */
  public static void writePageHeader(WireOutput out, RamBlock block, long addr, boolean continued)
      throws VmStateException {
    out.writeBe64(addr | FLAG_PAGE | (continued ? FLAG_CONTINUE : 0));
    if (!continued) {
      out.writeStr8(block.idstr());
    }
  }

  /** Writes the EOS record. */
  public static void writeEos(WireOutput out) throws VmStateException {
    out.writeBe64(FLAG_EOS);
  }

  /** Writes a MULTIFD_FLUSH record. */
  public static void writeMultifdFlush(WireOutput out) throws VmStateException {
    out.writeBe64(FLAG_MULTIFD_FLUSH);
  }
}
