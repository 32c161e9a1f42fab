package io.vmstate.stream.walk;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireInput;
import java.util.HashMap;
import java.util.Map;

/**
 * The body of the dirty-bitmap iterative sections ({@code "dirty-bitmap"}, instance 0, version 1;
 * QEMU migration/block-dirty-bitmap.c, dirty_bitmap_load; the {@code dirty-bitmaps} capability;
 * docs/stream.md). A body is a list of records, each opened by a u8 of flags; a record names its
 * node and bitmap (counted strings) only when they differ from the previous record's, so the names
 * carry over from record to record and from section to section:
 *
 * <pre>
 * u8 flags                          0x01 end of body, 0x02 zeroes, 0x04 bitmap name,
 *                                   0x08 node name, 0x10 start, 0x20 complete, 0x40 bits
 * [u8 n, n bytes]                   node name   (flag 0x08)
 * [u8 n, n bytes]                   bitmap name (flag 0x04)
 * start:    be32 granularity, u8 flags (0x01 enabled, 0x02 persistent)
 * complete: nothing
 * bits:     be64 first sector, be32 sector count, [be64 size, size bytes of bits] (unless zeroes)
 *
 * e.g. 1c 05 "disk0" 02 "b1" 00 01 00 00 00     start of b1 on disk0, 64 KiB granularity
 *      44 02 "b0" 00..00 00 00 20 00 00..00 20 [32 bytes]   bits of 8192 sectors of b0
 *      01                                        end of body
 * </pre>
 *
 * The bits of a chunk are bounded as QEMU's loader bounds them: no more than the serialized size of
 * that many sectors at the bitmap's granularity (512 bytes when its start was not seen), rounded up
 * to 32 bytes.
 */
public final class DirtyBitmapSection {
  public static final String IDSTR = "dirty-bitmap";
  public static final int VERSION = 1;

  static final int EOS = 0x01;
  static final int ZEROES = 0x02;
  static final int BITMAP_NAME = 0x04;
  static final int DEVICE_NAME = 0x08;
  static final int START = 0x10;
  static final int COMPLETE = 0x20;
  static final int BITS = 0x40;
  static final int EXTRA_FLAGS = 0x80;
  static final int START_RESERVED = 0xf8;

  /** The smallest granularity QEMU allows a dirty bitmap. */
  static final long MIN_GRANULARITY = 512;

  private static final int MAX_BITMAPS = 4096;

  private String node; // the names the records carry over, as QEMU's DBMLoadState does
  private String bitmap;
  private final Map<String, Long> granularity = new HashMap<>();

  /** Reads one section body into {@code sink}. */
  public void read(WireInput in, WalkSink sink) throws VmStateException {
    RecordBytes rec = new RecordBytes(in);
    while (true) {
      long at = in.position();
      rec.reset();
      int flags = rec.u8();
      if ((flags & EXTRA_FLAGS) != 0) {
        throw VmStateDecodeException.corrupt(
                String.format(
                    "dirty-bitmap record flags 0x%02x announce further flag bytes, which QEMU"
                        + " never writes",
                    flags))
            .atOffset(at);
      }
      boolean nothing = flags == (flags & EOS);
      if ((flags & DEVICE_NAME) != 0) {
        node = rec.counted();
      } else if (node == null && !nothing) {
        throw VmStateDecodeException.corrupt(
                "dirty-bitmap record before any record named its block node")
            .atOffset(at);
      }
      if ((flags & BITMAP_NAME) != 0) {
        bitmap = rec.counted();
      } else if (bitmap == null && !nothing) {
        throw VmStateDecodeException.corrupt(
                "dirty-bitmap record before any record named its bitmap")
            .atOffset(at);
      }
      if ((flags & START) != 0) {
        long g = rec.be32() & 0xffffffffL;
        int startFlags = rec.u8();
        if (g < MIN_GRANULARITY || Long.bitCount(g) != 1) {
          throw VmStateDecodeException.corrupt(
                  "dirty bitmap '"
                      + bitmap
                      + "' has a granularity of "
                      + g
                      + " bytes (QEMU uses a power of two from 512)")
              .atOffset(at);
        }
        if ((startFlags & START_RESERVED) != 0) {
          throw VmStateDecodeException.corrupt(
                  String.format(
                      "Unknown flags in migrated dirty bitmap header: 0x%02x", startFlags))
              .atOffset(at);
        }
        if (granularity.size() >= MAX_BITMAPS && !granularity.containsKey(key())) {
          throw VmStateDecodeException.limitExceeded(
              "dirty bitmap count", granularity.size(), MAX_BITMAPS);
        }
        granularity.put(key(), g);
        rec.flush(sink);
      } else if ((flags & BITS) != 0) {
        rec.be64(); // first sector
        long sectors = rec.be32() & 0xffffffffL;
        if ((flags & ZEROES) != 0) {
          rec.flush(sink);
        } else {
          long size = rec.be64();
          long max = maxBitsBytes(sectors, granularity.getOrDefault(key(), MIN_GRANULARITY));
          if (size < 0 || size > max) {
            throw VmStateDecodeException.corrupt(
                    "dirty bitmap '"
                        + bitmap
                        + "' sends "
                        + Long.toUnsignedString(size)
                        + " bytes of bits for "
                        + sectors
                        + " sectors (at most "
                        + max
                        + ")")
                .atOffset(at);
          }
          rec.flush(sink);
          sink.data(in, size);
        }
      } else {
        rec.flush(sink);
      }
      if ((flags & EOS) != 0) {
        return;
      }
    }
  }

  private String key() {
    return node + "\0" + bitmap;
  }

  /**
   * The most bytes of bits QEMU's loader takes for {@code sectors} at {@code granularity}: one bit
   * per granule, serialized in 64-bit words (one more for a range that straddles a word), rounded
   * up to 32 bytes.
   */
  static long maxBitsBytes(long sectors, long granularity) {
    long bits = (sectors * 512 + granularity - 1) / granularity;
    long bytes = ((bits + 63) / 64 + 1) * 8;
    return (bytes + 31) & ~31L;
  }
}
