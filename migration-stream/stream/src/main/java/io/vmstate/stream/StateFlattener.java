package io.vmstate.stream;

import io.vmstate.api.VmStateException;
import io.vmstate.api.WireType;
import io.vmstate.codec.Elements;
import io.vmstate.codec.Scalars;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.StateValue;
import io.vmstate.codec.WireInput;
import io.vmstate.stream.htab.HtabSection;
import io.vmstate.stream.htab.HtabSink;
import io.vmstate.stream.ram.RamBlock;
import io.vmstate.stream.ram.RamSink;
import io.vmstate.stream.walk.WalkSink;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Reads a whole stream into a flat map {@code "idstr:instance/field/path[i]" -> value text}, for
 * {@code vmstate diff}: device fields as hex of their width (bool as true/false, buffers as hex
 * bytes), RAM as one line per block with its length and a CRC32C over its page records.
 */
public final class StateFlattener {
  private StateFlattener() {}

  /**
   * Reads {@code r} to its end and returns the flat map in stream order; a decode failure throws
   * with its offset and nothing is returned.
   */
  public static Map<String, String> flatten(MigrationStreamReader r) throws VmStateException {
    Map<String, String> out = new LinkedHashMap<>();
    Map<String, CRC32C> crcs = new LinkedHashMap<>();
    Map<String, Long> sizes = new LinkedHashMap<>();
    RamSink ram =
        new RamSink() {
          private final byte[] page = new byte[64 * 1024];

          @Override
          public void blocks(long total, List<RamBlock> blocks) {
            for (RamBlock b : blocks) {
              sizes.put(b.idstr(), b.usedLength());
              crcs.put(b.idstr(), new CRC32C());
            }
          }

          @Override
          public void zeroPage(RamBlock b, long addr, boolean c, int fill) {
            CRC32C crc = crcs.get(b.idstr());
            crc.update(longBytes(addr));
            crc.update(fill);
          }

          @Override
          public void page(RamBlock b, long addr, boolean c, WireInput in, int size)
              throws VmStateException {
            byte[] buf = size <= page.length ? page : new byte[size];
            in.readBytes(buf, 0, size);
            CRC32C crc = crcs.get(b.idstr());
            crc.update(longBytes(addr));
            crc.update(buf, 0, size);
          }
        };
    Map<String, Integer> seen = new java.util.HashMap<>();
    CRC32C htabCrc = new CRC32C();
    long[] htabBytes = {0};
    HtabSink htab =
        new HtabSink() {
          private final byte[] buf = new byte[64 * 1024];

          @Override
          public void header(int header) {
            htabCrc.update(longBytes(header));
          }

          @Override
          public void entries(int index, int nValid, int nInvalid, WireInput in, int bytes)
              throws VmStateException {
            htabCrc.update(longBytes(((long) index << 32) | (nValid << 16) | nInvalid));
            for (int left = bytes; left > 0; ) {
              int n = Math.min(left, buf.length);
              in.readBytes(buf, 0, n);
              htabCrc.update(buf, 0, n);
              left -= n;
            }
            htabBytes[0] += bytes;
          }
        };
    Map<String, CRC32C> walkedCrcs = new java.util.TreeMap<>();
    Map<String, Long> walkedBytes = new java.util.HashMap<>();
    for (StreamEvent e = r.next(); e != null; e = r.next()) {
      if (e instanceof StreamEvent.Configuration c) {
        out.put("configuration", c.configuration().toString());
      } else if (e instanceof StreamEvent.Section s) {
        if (s.isRam()) {
          r.readRam(ram);
        } else if (s.isHtab()) {
          r.readHtab(htab);
        } else if (s.isWalked()) {
          String idstr = s.section().idstr();
          CRC32C crc = walkedCrcs.computeIfAbsent(idstr, k -> new CRC32C());
          r.readWalked(
              new WalkSink() {
                private final byte[] buf = new byte[64 * 1024];

                @Override
                public void record(byte[] bytes, int length) {
                  crc.update(bytes, 0, length);
                  walkedBytes.merge(idstr, (long) length, Long::sum);
                }

                @Override
                public void data(WireInput in, long n) throws VmStateException {
                  for (long left = n; left > 0; ) {
                    int k = (int) Math.min(left, buf.length);
                    in.readBytes(buf, 0, k);
                    crc.update(buf, 0, k);
                    left -= k;
                  }
                  walkedBytes.merge(idstr, n, Long::sum);
                }
              });
        } else {
          StateRecord rec = r.readDeviceGeneric();
          String idstr = s.section().idstr();
          long instance = s.section().instanceId();
          int occurrence = seen.merge(instance + ":" + idstr, 1, Integer::sum) - 1;
          record(out, FieldAssignment.address(idstr, instance, occurrence), rec);
        }
      }
    }
    for (Map.Entry<String, CRC32C> c : crcs.entrySet()) {
      out.put(
          "ram/" + c.getKey(),
          String.format(
              "length 0x%x, crc32c %08x", sizes.get(c.getKey()), c.getValue().getValue()));
    }
    for (Map.Entry<String, CRC32C> c : walkedCrcs.entrySet()) {
      out.put(
          c.getKey(),
          String.format(
              "records 0x%x bytes, crc32c %08x",
              walkedBytes.get(c.getKey()), c.getValue().getValue()));
    }
    if (r.htabRead()) {
      out.put(
          HtabSection.IDSTR,
          String.format("entries 0x%x bytes, crc32c %08x", htabBytes[0], htabCrc.getValue()));
    }
    return out;
  }

  private static byte[] longBytes(long v) {
    byte[] b = new byte[8];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (v >>> (56 - 8 * i));
    }
    return b;
  }

  /**
   * One device's (or subsection's) values as {@code prefix/field/path[i] -> value text}, in field
   * order: the canonical form in which two decodings of the same bytes are compared.
   */
  public static Map<String, String> flatten(String prefix, StateRecord r) {
    Map<String, String> out = new LinkedHashMap<>();
    record(out, prefix, r);
    return out;
  }

  /** One value (of any form) as {@code path... -> value text}, as {@link #flatten} names them. */
  static Map<String, String> flatten(String path, StateValue v) {
    Map<String, String> out = new LinkedHashMap<>();
    value(out, path, v);
    return out;
  }

  /** The name under which a record's subsection's values are listed. */
  static String subsectionSegment(StateRecord r, String subsection) {
    return subsection.startsWith(r.name() + "/")
        ? subsection.substring(r.name().length() + 1)
        : subsection;
  }

  private static void record(Map<String, String> out, String prefix, StateRecord r) {
    for (Map.Entry<String, StateValue> f : r.fields().entrySet()) {
      value(out, prefix + "/" + f.getKey(), f.getValue());
    }
    for (Map.Entry<String, StateRecord> s : r.subsections().entrySet()) {
      record(out, prefix + "/" + subsectionSegment(r, s.getKey()), s.getValue());
    }
  }

  private static void value(Map<String, String> out, String path, StateValue v) {
    if (v instanceof StateValue.Scalar s) {
      out.put(path, text(s.type(), s.bits()));
    } else if (v instanceof StateValue.Array a && a.type() != WireType.BITMAP) {
      Elements k = Elements.of(a.type());
      for (int i = 0; i < a.length(); i++) {
        out.put(path + "[" + i + "]", text(a.type(), k.bits(a.values(), i)));
      }
    } else if (v instanceof StateValue.Array a) {
      long[] w = (long[]) a.values();
      for (int i = 0; i < w.length; i++) {
        out.put(path + "[" + i + "]", Scalars.hex(WireType.UINT64, w[i]));
      }
    } else if (v instanceof StateValue.Bytes b) {
      out.put(path, HexFormat.ofDelimiter(" ").formatHex(b.bytes()));
    } else if (v instanceof StateRecord rec) {
      record(out, path, rec);
    } else if (v instanceof StateValue.RecordArray ra) {
      for (int i = 0; i < ra.elements().size(); i++) {
        if (ra.elements().get(i) != null) {
          record(out, path + "[" + i + "]", ra.elements().get(i));
        }
      }
    }
  }

  private static String text(WireType t, long bits) {
    return t == WireType.BOOL ? Boolean.toString(bits != 0) : Scalars.hex(t, bits);
  }
}
