package io.vmstate.stream.htab;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.WireOutput;

/**
 * The body of the pseries hash page table's iterative sections ({@code "spapr/htab"}, instance 0,
 * version 1; reference §5.10; QEMU hw/ppc/spapr.c, htab_save_setup/htab_save_iterate and
 * htab_load). Every START, PART and END body opens with a be32 header:
 *
 * <pre>
 * header != 0           the whole body: the hash shift (START) or -1 (no hash table)
 * header == 0           chunks follow:
 *   be32 index, be16 n_valid, be16 n_invalid, n_valid x 16 bytes of entries
 *   ...
 *   00 00 00 00  00 00  00 00                     (index 0, n_valid 0, n_invalid 0: the end)
 *
 * e.g. START 00 00 00 15 (shift 21, a 2 MiB table of 131072 entries);
 *      END   00 00 00 00  00 00 00 00 00 00 00 00 (no chunk)
 * </pre>
 *
 * One instance keeps what spans the sections of a stream: the table size the START announced, to
 * check that every chunk stays inside it as QEMU's loader does.
 */
public final class HtabSection {
  public static final String IDSTR = "spapr/htab";
  public static final int VERSION = 1;

  /** Bytes of one hash page table entry (HASH_PTE_SIZE_64). */
  public static final int ENTRY_BYTES = 16;

  private long entries = -1; // the table's entry count once the START gave the shift

  /** Reads one section body into {@code sink}. */
  public void read(WireInput in, HtabSink sink) throws VmStateException {
    int header = in.readBe32();
    sink.header(header);
    if (header != 0) {
      if (header < -1) {
        throw VmStateDecodeException.corrupt(
            "spapr/htab section header " + header + " is neither a hash table shift, 0 nor -1");
      }
      if (header > 0) {
        if (header < 18 || header > 46) {
          throw VmStateDecodeException.corrupt(
              "spapr/htab announces a hash table shift of " + header + " (QEMU uses 18 to 46)");
        }
        entries = 1L << (header - 4);
      }
      return;
    }
    while (true) {
      long at = in.position();
      long index = in.readBe32() & 0xffffffffL;
      int nValid = in.readBe16() & 0xffff;
      int nInvalid = in.readBe16() & 0xffff;
      if (index == 0 && nValid == 0 && nInvalid == 0) {
        sink.end();
        return;
      }
      if (entries >= 0 && index + nValid + nInvalid > entries) {
        throw VmStateDecodeException.corrupt(
                "spapr/htab chunk of entries "
                    + index
                    + " + "
                    + nValid
                    + " valid + "
                    + nInvalid
                    + " invalid goes past the table's "
                    + entries
                    + " entries")
            .atOffset(at);
      }
      sink.entries((int) index, nValid, nInvalid, in, nValid * ENTRY_BYTES);
    }
  }

  /** A sink that writes every record back to {@code out} as it was read. */
  public static HtabSink copyTo(WireOutput out) {
    return new HtabSink() {
      private final byte[] buf = new byte[64 * 1024];

      @Override
      public void header(int header) throws VmStateException {
        out.writeBe32(header);
      }

      @Override
      public void entries(int index, int nValid, int nInvalid, WireInput in, int bytes)
          throws VmStateException {
        out.writeBe32(index);
        out.writeBe16(nValid);
        out.writeBe16(nInvalid);
        for (int left = bytes; left > 0; ) {
          int n = Math.min(left, buf.length);
          in.readBytes(buf, 0, n);
          out.writeBytes(buf, 0, n);
          left -= n;
        }
      }

      @Override
      public void end() throws VmStateException {
        out.writeBe32(0);
        out.writeBe16(0);
        out.writeBe16(0);
      }
    };
  }
}
