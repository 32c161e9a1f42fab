package io.vmstate.stream.ram;

import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireInput;
import java.util.List;

/**
 * Receives the records of RAM sections as they are read. Page payloads are not buffered by the
 * reader: {@link #page} must consume exactly {@code pageSize} bytes from the input (the default
 * skips them at disk speed).
 */
public interface RamSink {
  /** The block list of the START section ({@code MEM_SIZE}). */
  default void blocks(long totalBytes, List<RamBlock> blocks) throws VmStateException {}

  /** A page filled with one byte ({@code ZERO}). */
  default void zeroPage(RamBlock block, long addr, boolean continued, int fill)
      throws VmStateException {}

  /** A raw page; consume exactly {@code pageSize} bytes of {@code in}. */
  default void page(RamBlock block, long addr, boolean continued, WireInput in, int pageSize)
      throws VmStateException {
    in.skip(pageSize);
  }

  /** A {@code MULTIFD_FLUSH} record (QEMU 8.0+), a sync point with no data. */
  default void multifdFlush() throws VmStateException {}

  /** The {@code EOS} record ending a RAM section body. */
  default void endOfSection() throws VmStateException {}

  /** A sink that skips every page. */
  RamSink SKIP = new RamSink() {};
}
