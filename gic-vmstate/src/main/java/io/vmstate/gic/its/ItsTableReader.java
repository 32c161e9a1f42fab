package io.vmstate.gic.its;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.gic.v3.GicV3CpuState;
import io.vmstate.gic.v3.GicV3State;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reconstructs an {@link ItsSnapshot} from the migrated registers (ITS BASERs, GICR_PROPBASER and
 * GICR_PENDBASER of each redistributor) and guest memory.
 *
 * <p>LPI properties: one byte per LPI from PROPBASER's address (bits 51:12), LPI n at offset n −
 * 8192, covering 2^(IDbits + 1) INTIDs (IDbits = PROPBASER bits 4:0). Guests give every
 * redistributor the same table; the first redistributor with LPIs enabled (else CPU 0) is used.
 * Pending bits: per redistributor, PENDBASER's address (bits 51:16), one bit per INTID; bytes
 * 0-1023 (INTIDs below 8192) hold no LPI state and are skipped.
 */
public final class ItsTableReader {
  static final int LPI_START = 8192;

  /** More ID bits than this would mean scanning over 2 MiB per table; no real GIC uses that. */
  static final int MAX_ID_BITS = 24;

  private ItsTableReader() {}

  /** Reads with the layout the ITS's IIDR selects. */
  public static ItsSnapshot read(ItsState its, GicV3State gic, GuestMemory mem)
      throws VmStateException {
    return read(its, gic, mem, ItsTableLayout.forIidr(its.iidr()));
  }

  /**
   * Reads the ITS tables from {@code mem} with {@code layout}; a table that cannot be read fails
   * with a typed error.
   */
  public static ItsSnapshot read(
      ItsState its, GicV3State gic, GuestMemory mem, ItsTableLayout layout)
      throws VmStateException {
    ItsTables tables = layout.read(its, mem, gic.numCpu());
    List<ItsSnapshot.Redistributor> rds = new ArrayList<>();
    for (int i = 0; i < gic.numCpu(); i++) {
      rds.add(new ItsSnapshot.Redistributor(i, gic.redistributor(i).affinity()));
    }
    Set<Integer> mapped = new TreeSet<>();
    for (ItsDevice d : tables.devices()) {
      for (ItsEvent e : d.events()) {
        if (!e.isVirtual()) {
          mapped.add(e.intid());
        }
      }
    }
    return new ItsSnapshot(
        layout.name(), tables, rds, properties(gic, mem, mapped), pending(gic, mem));
  }

  static int idBits(long propbaser) throws VmStateDecodeException {
    int bits = (int) (propbaser & 0x1f) + 1;
    if (bits > MAX_ID_BITS) {
      throw VmStateDecodeException.corrupt(
          "GICR_PROPBASER 0x"
              + Long.toHexString(propbaser)
              + " claims "
              + bits
              + " INTID bits; at most "
              + MAX_ID_BITS
              + " are read");
    }
    return bits;
  }

  private static List<ItsSnapshot.LpiProperty> properties(
      GicV3State gic, GuestMemory mem, Set<Integer> mapped) throws VmStateException {
    GicV3CpuState rd = gic.redistributor(0);
    for (int i = 0; i < gic.numCpu(); i++) {
      if (gic.redistributor(i).lpisEnabled()) {
        rd = gic.redistributor(i);
        break;
      }
    }
    List<ItsSnapshot.LpiProperty> out = new ArrayList<>();
    long base = rd.propbaser() & 0x000f_ffff_ffff_f000L;
    int bits = idBits(rd.propbaser());
    if (base == 0 || bits < 14) {
      return out;
    }
    int n = (1 << bits) - LPI_START;
    byte[] table = new byte[n];
    mem.read(base, table, 0, n);
    for (int i = 0; i < n; i++) {
      int b = table[i] & 0xff;
      if ((b & 1) != 0 || mapped.contains(i + LPI_START)) {
        out.add(new ItsSnapshot.LpiProperty(i + LPI_START, b & 0xfc, (b & 1) != 0));
      }
    }
    return out;
  }

  private static List<ItsSnapshot.PendingLpis> pending(GicV3State gic, GuestMemory mem)
      throws VmStateException {
    List<ItsSnapshot.PendingLpis> out = new ArrayList<>();
    for (int i = 0; i < gic.numCpu(); i++) {
      GicV3CpuState rd = gic.redistributor(i);
      long base = rd.pendbaser() & 0x000f_ffff_ffff_0000L;
      int bits = idBits(rd.propbaser());
      if (base == 0 || bits < 14) {
        continue;
      }
      int bytes = (1 << bits) / 8 - LPI_START / 8;
      byte[] t = new byte[bytes];
      mem.read(base + LPI_START / 8, t, 0, bytes);
      List<Integer> lpis = new ArrayList<>();
      for (int k = 0; k < bytes; k++) {
        int b = t[k] & 0xff;
        while (b != 0) {
          int bit = Integer.numberOfTrailingZeros(b);
          lpis.add(LPI_START + k * 8 + bit);
          b &= b - 1;
        }
      }
      out.add(new ItsSnapshot.PendingLpis(i, base, lpis));
    }
    return out;
  }
}
