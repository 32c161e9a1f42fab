package io.vmstate.cli.gic;

import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireInput;
import io.vmstate.gic.its.PagedGuestMemory;
import io.vmstate.stream.ram.RamBlock;
import io.vmstate.stream.ram.RamSink;
import java.util.Arrays;
import java.util.function.IntSupplier;

/**
 * Feeds the pages of one RAM block into a {@link PagedGuestMemory} at guest physical addresses
 * (block offset + the block's base address), skipping every other block. On the virt board the
 * guest's RAM is the block {@value #VIRT_RAM_BLOCK} at {@value #VIRT_RAM_BASE}.
 */
public final class GuestRamSink implements RamSink {
  /** The virt board's main RAM block. */
  public static final String VIRT_RAM_BLOCK = "mach-virt.ram";

  /** Where the virt board maps its RAM (reference gic-state §8). */
  public static final long VIRT_RAM_BASE = 0x4000_0000L;

  private final String blockName;
  private final long base;
  private final IntSupplier pageSize;
  private PagedGuestMemory memory;
  private byte[] buf = new byte[0];

  /**
   * @param pageSize the stream's target page size, asked when the first page arrives (the
   *     configuration section decides it)
   */
  public GuestRamSink(String blockName, long base, IntSupplier pageSize) {
    this.blockName = blockName;
    this.base = base;
    this.pageSize = pageSize;
  }

  /** The virt board's guest RAM. */
  public static GuestRamSink virt(IntSupplier pageSize) {
    return new GuestRamSink(VIRT_RAM_BLOCK, VIRT_RAM_BASE, pageSize);
  }

  /** The pages received so far (pages never sent are absent: reading them fails). */
  public PagedGuestMemory memory() {
    if (memory == null) {
      memory = new PagedGuestMemory(pageSize.getAsInt(), false);
    }
    return memory;
  }

  @Override
  public void zeroPage(RamBlock block, long addr, boolean continued, int fill)
      throws VmStateException {
    if (!block.idstr().equals(blockName)) {
      return;
    }
    if (fill == 0) {
      memory().zeroPage(base + addr);
    } else {
      byte[] p = page(memory().pageSize());
      Arrays.fill(p, (byte) fill);
      memory().page(base + addr, p, 0, p.length);
    }
  }

  @Override
  public void page(RamBlock block, long addr, boolean continued, WireInput in, int size)
      throws VmStateException {
    if (!block.idstr().equals(blockName)) {
      in.skip(size);
      return;
    }
    byte[] p = page(size);
    in.readBytes(p, 0, size);
    memory().page(base + addr, p, 0, size);
  }

  private byte[] page(int size) {
    if (buf.length != size) {
      buf = new byte[size];
    }
    return buf;
  }
}
