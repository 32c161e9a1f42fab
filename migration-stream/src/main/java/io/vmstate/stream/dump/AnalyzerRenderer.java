package io.vmstate.stream.dump;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.WireType;
import io.vmstate.codec.Elements;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.StateValue;
import java.io.IOException;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a device's decoded state as QEMU's analyze-migration.py prints it (reference §7.1), driven
 * by the device's vmdesc entry (which gives order, array forms and the type that decides how a
 * value is shown) with values from a {@link StateRecord}, whichever description decoded it.
 *
 * <ul>
 *   <li>{@code bool}: {@code true}/{@code false};
 *   <li>integers: {@code "0x"} and the unsigned value zero-padded to twice the size; negative
 *       values of signed types (including {@code uint8 equal}, {@code uint16 equal}, {@code int64
 *       equal}) add {@code " (-n)"};
 *   <li>every other type: its bytes as space-separated lower-case hex pairs;
 *   <li>arrays (array_len or index entries): lists; structs: objects; subsections: objects keyed by
 *       their full name after the fields.
 * </ul>
 */
public final class AnalyzerRenderer {
  private static final Set<String> SIGNED =
      Set.of(
          "int8",
          "int16",
          "int32",
          "int64",
          "int32 equal",
          "int32 le",
          "int64 equal",
          "uint8 equal",
          "uint16 equal");
  private static final Set<String> UNSIGNED =
      Set.of("uint8", "uint16", "uint32", "uint64", "uint32 equal");
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private AnalyzerRenderer() {}

  /** Writes the object for one device (or subsection) entry. */
  public static void writeStruct(JsonGenerator g, Map<String, Object> desc, StateRecord rec)
      throws IOException, VmStateDecodeException {
    g.writeStartObject();
    List<?> fields = (List<?>) desc.get("fields");
    String vmsd = String.valueOf(desc.get("vmsd_name"));
    for (int i = 0; i < fields.size(); ) {
      Map<?, ?> f = (Map<?, ?>) fields.get(i);
      String name = (String) f.get("name");
      g.writeFieldName(name);
      if (f.containsKey("array_len")) {
        int n = (int) num(f.get("array_len"));
        g.writeStartArray();
        for (int k = 0; k < n; k++) {
          writeValue(g, vmsd, f, name, k, rec);
        }
        g.writeEndArray();
        i++;
      } else if (f.containsKey("index")) {
        g.writeStartArray();
        int k = 0;
        while (i < fields.size()
            && fields.get(i) instanceof Map<?, ?> e
            && name.equals(e.get("name"))
            && e.containsKey("index")) {
          writeValue(g, vmsd, e, name, k++, rec);
          i++;
        }
        g.writeEndArray();
      } else {
        writeValue(g, vmsd, f, name, 0, rec);
        i++;
      }
    }
    Object subs = desc.get("subsections");
    if (subs instanceof List<?> l) {
      for (Object o : l) {
        @SuppressWarnings("unchecked")
        Map<String, Object> s = (Map<String, Object>) o;
        String subName = String.valueOf(s.get("vmsd_name"));
        StateRecord sub = rec.subsections().get(subName);
        if (sub == null) {
          throw VmStateDecodeException.corrupt(
              "subsection '" + subName + "' listed in the vmdesc was not decoded");
        }
        g.writeFieldName(subName);
        @SuppressWarnings("unchecked")
        Map<String, Object> sd = s;
        writeStruct(g, sd, sub);
      }
    }
    g.writeEndObject();
  }

  private static void writeValue(
      JsonGenerator g, String owner, Map<?, ?> f, String name, int idx, StateRecord rec)
      throws IOException, VmStateDecodeException {
    String type = String.valueOf(f.get("type"));
    StateValue v = rec.get(name);
    if (v == null) {
      throw VmStateDecodeException.corrupt(
          "field '" + owner + "/" + name + "' is in the vmdesc but was not decoded");
    }
    if (type.equals("struct")) {
      StateRecord child;
      if (v instanceof StateRecord r && idx == 0) {
        child = r;
      } else if (v instanceof StateValue.RecordArray ra && idx < ra.elements().size()) {
        child = ra.elements().get(idx);
      } else {
        throw shape(owner, name, v);
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> sd = (Map<String, Object>) f.get("struct");
      writeStruct(g, sd, child);
      return;
    }
    int size = (int) num(f.get("size"));
    byte[] b = bytesOf(owner, name, v, idx, size);
    if (type.equals("bool")) {
      g.writeBoolean(b.length > 0 && b[0] != 0);
    } else if (SIGNED.contains(type) || UNSIGNED.contains(type)) {
      g.writeString(intText(b, SIGNED.contains(type)));
    } else {
      g.writeString(hexBytes(b, 0, b.length));
    }
  }

  /** Python's {@code '0x%0{2n}x' % u}, plus {@code ' (%d)' % s} when the signed value is < 0. */
  /** Texts of values 0..255 per width 1..8: most of a device dump is zeros and small numbers. */
  private static final String[][] SMALL = new String[9][256];

  static {
    for (int w = 1; w <= 8; w++) {
      for (int v = 0; v < 256; v++) {
        StringBuilder sb = new StringBuilder("0x");
        String h = Integer.toHexString(v);
        sb.append("0".repeat(2 * w - h.length())).append(h);
        SMALL[w][v] = sb.toString();
      }
    }
  }

  static String intText(byte[] b, boolean signed) {
    if (b.length >= 1 && b.length <= 8) {
      long v = 0;
      for (byte x : b) {
        v = (v << 8) | (x & 0xff);
      }
      if (v >= 0 && v < 256 && (!signed || b[0] >= 0)) {
        return SMALL[b.length][(int) v];
      }
      char[] c = new char[2 + 2 * b.length];
      c[0] = '0';
      c[1] = 'x';
      for (int i = c.length - 1; i >= 2; i--, v >>>= 4) {
        c[i] = HEX[(int) (v & 15)];
      }
      String hex = new String(c);
      if (!signed || b[0] >= 0) {
        return hex;
      }
      long sv = 0;
      for (byte x : b) {
        sv = (sv << 8) | (x & 0xff);
      }
      int shift = 64 - 8 * b.length;
      return hex + " (" + ((sv << shift) >> shift) + ")";
    }
    BigInteger u = new BigInteger(1, b);
    String hex = u.toString(16);
    StringBuilder sb = new StringBuilder(4 + b.length * 2).append("0x");
    for (int i = hex.length(); i < b.length * 2; i++) {
      sb.append('0');
    }
    sb.append(hex);
    if (signed && b.length > 0 && b[0] < 0) {
      sb.append(" (").append(new BigInteger(b)).append(')');
    }
    return sb.toString();
  }

  /** Space-separated lower-case hex pairs. */
  public static String hexBytes(byte[] b, int off, int len) {
    if (len == 0) {
      return "";
    }
    char[] c = new char[len * 3 - 1];
    for (int i = 0; i < len; i++) {
      int v = b[off + i] & 0xff;
      c[i * 3] = HEX[v >> 4];
      c[i * 3 + 1] = HEX[v & 15];
      if (i < len - 1) {
        c[i * 3 + 2] = ' ';
      }
    }
    return new String(c);
  }

  /** The wire bytes of element {@code idx} of a value, {@code size} bytes each. */
  static byte[] bytesOf(String owner, String name, StateValue v, int idx, int size)
      throws VmStateDecodeException {
    if (v instanceof StateValue.Scalar s && idx == 0) {
      return be(s.bits(), size);
    } else if (v instanceof StateValue.Array a) {
      if (a.type() == WireType.BITMAP) {
        long[] w = (long[]) a.values();
        byte[] out = new byte[w.length * 8];
        for (int i = 0; i < w.length; i++) {
          System.arraycopy(be(w[i], 8), 0, out, i * 8, 8);
        }
        return out;
      }
      if (idx < a.length() && Elements.of(a.type()) != Elements.STRING) {
        return be(Elements.of(a.type()).bits(a.values(), idx), size);
      }
    } else if (v instanceof StateValue.Bytes by) {
      byte[] all = by.bytes();
      if ((long) (idx + 1) * size <= all.length) {
        byte[] out = new byte[size];
        System.arraycopy(all, idx * size, out, 0, size);
        return out;
      }
    }
    throw shape(owner, name, v);
  }

  private static VmStateDecodeException shape(String owner, String name, StateValue v) {
    return VmStateDecodeException.corrupt(
        "field '"
            + owner
            + "/"
            + name
            + "' decoded as "
            + v
            + ", which the vmdesc does not describe");
  }

  private static byte[] be(long bits, int size) {
    byte[] b = new byte[size];
    for (int i = 0; i < size && i < 8; i++) {
      b[size - 1 - i] = (byte) (bits >>> (8 * i));
    }
    return b;
  }

  private static long num(Object o) {
    return o instanceof Number n ? n.longValue() : 0;
  }
}
