package io.vmstate.gic.its;

/**
 * Where a migration stream's RAM records go: the adapter between the stream module's RAM section
 * parser and {@link PagedGuestMemory}. Addresses are guest physical addresses (the stream names
 * pages by RAM block and offset; the caller maps those to guest physical addresses, e.g. the virt
 * board's {@code mach-virt.ram} block starts at 0x4000_0000).
 */
public interface PageSink {
  /** A page with contents. */
  void page(long gpa, byte[] data, int off, int len);

  /** A page the stream sent as "all bytes equal zero". */
  void zeroPage(long gpa);
}
