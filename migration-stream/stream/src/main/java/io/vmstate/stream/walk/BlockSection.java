package io.vmstate.stream.walk;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireInput;

/**
 * The body of block migration's iterative sections ({@code "block"}, instance 0, version 1; QEMU
 * 7.2's migration/block.c, block_load; {@code migrate -b} or the {@code block} capability;
 * docs/stream.md). A body is a list of records, each opened by a be64 whose low 9 bits are flags
 * and whose other bits are a 512-byte sector number:
 *
 * <pre>
 * flags 0x01 (a block)      be64 sector&lt;&lt;9 | 0x01, u8 n, n bytes of device name, 1 MiB of data
 * flags 0x09 (zero block)   be64 sector&lt;&lt;9 | 0x09, u8 n, n bytes of device name        (no data)
 * flags 0x04 (progress)     be64 percent&lt;&lt;9 | 0x04
 * flags 0x02 (end of body)  00 00 00 00 00 00 00 02
 *
 * e.g. 00 00 00 00 00 10 00 09  02 64 30   (a zero block at sector 2048 of device "d0")
 * </pre>
 *
 * A block always carries 1 MiB (BLK_MIG_BLOCK_SIZE), even the last one of a device whose size is
 * not a multiple of it; QEMU's loader writes only the part inside the device.
 */
public final class BlockSection {
  public static final String IDSTR = "block";
  public static final int VERSION = 1;

  /** Bytes of data after a block record (BLK_MIG_BLOCK_SIZE). */
  public static final int BLOCK_BYTES = 1 << 20;

  static final int DEVICE_BLOCK = 0x01;
  static final int EOS = 0x02;
  static final int PROGRESS = 0x04;
  static final int ZERO_BLOCK = 0x08;

  /** Reads one section body into {@code sink}. */
  public void read(WireInput in, WalkSink sink) throws VmStateException {
    RecordBytes rec = new RecordBytes(in);
    while (true) {
      long at = in.position();
      rec.reset();
      long word = rec.be64();
      int flags = (int) (word & 0x1ff);
      if ((flags & DEVICE_BLOCK) != 0) {
        if (rec.counted().isEmpty()) {
          throw VmStateDecodeException.corrupt("block migration record names no device")
              .atOffset(at);
        }
        rec.flush(sink);
        if ((flags & ZERO_BLOCK) == 0) {
          sink.data(in, BLOCK_BYTES);
        }
      } else if ((flags & (PROGRESS | EOS)) != 0) {
        rec.flush(sink);
      } else {
        throw VmStateDecodeException.corrupt(
                String.format("Unknown block migration flags: 0x%x", flags))
            .atOffset(at);
      }
      if ((flags & EOS) != 0) {
        return;
      }
    }
  }
}
